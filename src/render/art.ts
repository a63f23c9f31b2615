/**
 * Vector art layers (fills, frames, rules, confetti, balloons, leaves, stars) as PDF
 * operators. The same layer on the same geometry always gives the same string, so the
 * renderer builds each once per process and reuses it for every card.
 */
import type { FaceRects, RectPt } from "./page-boxes.ts";
import {
  ellipsePath,
  num,
  type Paint,
  type Rgb,
  rectPath,
  roundedRectPath,
  seededRandom,
  svgPathOps,
} from "./pdf-ops.ts";
import type { Layer } from "./template-schema.ts";

export type Box = readonly [number, number, number, number] | "full";

/** Template box (inches from the face's trim corner, or "full" bleed) → page points. */
export function boxToPt(box: Box, rects: FaceRects): RectPt {
  if (box === "full") return rects.bleed;
  return {
    x: rects.trim.x + box[0] * 72,
    y: rects.trim.y + box[1] * 72,
    w: box[2] * 72,
    h: box[3] * 72,
  };
}

/** Art ops plus the opacities (ExtGState) they refer to as /Ga<percent>. */
export interface ArtOps {
  ops: string;
  opacities: number[];
}

export function gsName(opacity: number): string {
  return `Ga${Math.round(opacity * 100)}`;
}

// A stylised maple leaf, unit size, stem at the bottom (authored in the SVG subset pdf-ops reads).
const MAPLE =
  "M 0 -0.5 L 0.07 -0.3 L 0.18 -0.36 L 0.15 -0.13 L 0.36 -0.24 L 0.31 -0.1 L 0.47 -0.04 L 0.26 0.1 L 0.31 0.2 L 0.07 0.16 L 0.03 0.36 L 0.015 0.36 L 0.015 0.5 L -0.015 0.5 L -0.015 0.36 L -0.03 0.36 L -0.07 0.16 L -0.31 0.2 L -0.26 0.1 L -0.47 -0.04 L -0.31 -0.1 L -0.36 -0.24 L -0.15 -0.13 L -0.18 -0.36 L -0.07 -0.3 Z";
// A simple oval leaf with a pointed tip.
const OVAL_LEAF = "M 0 -0.5 C 0.28 -0.3 0.3 0.15 0 0.45 C -0.3 0.15 -0.28 -0.3 0 -0.5 Z";
const STAR =
  "M 0 -0.5 L 0.118 -0.162 L 0.476 -0.155 L 0.191 0.062 L 0.294 0.405 L 0 0.2 L -0.294 0.405 L -0.191 0.062 L -0.476 -0.155 L -0.118 -0.162 Z";

function overlaps(x: number, y: number, r: number, avoid: readonly RectPt[]): boolean {
  return avoid.some((a) => x + r > a.x && x - r < a.x + a.w && y + r > a.y && y - r < a.y + a.h);
}

type Scatter = Extract<Layer, { type: "confetti" | "leaves" | "balloons" | "stars" }>;

function scatterOps(
  layer: Scatter,
  rects: FaceRects,
  color: (c: string) => Rgb,
  paint: Paint,
): ArtOps {
  const area = boxToPt(layer.box, rects);
  const avoid = (layer.avoid ?? []).map((b) => boxToPt(b, rects));
  const rnd = seededRandom(layer.seed);
  const [minIn, maxIn] = layer.size ?? [0.05, 0.15];
  const out: string[] = [];
  const opacities: number[] = [];
  if (layer.opacity !== undefined && layer.opacity < 1) {
    out.push(`/${gsName(layer.opacity)} gs`);
    opacities.push(layer.opacity);
  }
  for (let i = 0; i < layer.count; i++) {
    const size = (minIn + rnd() * (maxIn - minIn)) * 72;
    let x = 0;
    let y = 0;
    for (let tries = 0; tries < 12; tries++) {
      x = area.x + rnd() * area.w;
      y = area.y + rnd() * area.h;
      if (!overlaps(x, y, size / 2, avoid)) break;
    }
    const c = color(layer.colors[i % layer.colors.length] ?? "#000000");
    const rot = rnd() * Math.PI * 2;
    if (layer.type === "confetti") {
      const kind = i % 3;
      if (kind === 0) out.push(`${paint.fill(c)} ${ellipsePath(x, y, size / 2, size / 2)} f`);
      else if (kind === 1)
        out.push(
          `${paint.fill(c)} ${svgPathOps("M -0.5 -0.18 L 0.5 -0.18 L 0.5 0.18 L -0.5 0.18 Z", { x, y, scale: size * 1.4, rotate: rot })} f`,
        );
      else
        out.push(
          `${paint.stroke(c)} ${num(size * 0.22)} w 1 J ${svgPathOps("M -0.5 0 Q -0.25 -0.35 0 0 Q 0.25 0.35 0.5 0", { x, y, scale: size * 1.6, rotate: rot })} S`,
        );
    } else if (layer.type === "leaves") {
      const shape = i % 3 === 2 ? OVAL_LEAF : MAPLE;
      const tilt = (rnd() - 0.5) * 1.6;
      out.push(`${paint.fill(c)} ${svgPathOps(shape, { x, y, scale: size, rotate: tilt })} f`);
      // Midrib in a lighter tint of the leaf colour.
      const vein: Rgb = [
        c[0] + (1 - c[0]) * 0.35,
        c[1] + (1 - c[1]) * 0.35,
        c[2] + (1 - c[2]) * 0.35,
      ];
      out.push(
        `${paint.stroke(vein)} ${num(size * 0.018)} w ${svgPathOps("M 0 0.42 L 0 -0.32", { x, y, scale: size, rotate: tilt })} S`,
      );
    } else if (layer.type === "stars") {
      out.push(`${paint.fill(c)} ${svgPathOps(STAR, { x, y, scale: size, rotate: rot * 0.2 })} f`);
    } else {
      const rx = size * 0.42;
      const ry = size * 0.52;
      const sway = (rnd() - 0.5) * size * 0.6;
      out.push(
        `${paint.stroke([0.55, 0.5, 0.45])} 0.6 w ${num(x)} ${num(y + ry)} m ${num(x + sway)} ${num(y + ry + size * 0.6)} ${num(x - sway)} ${num(y + ry + size * 1.1)} ${num(x + sway * 0.5)} ${num(y + ry + size * 1.6)} c S`,
      );
      out.push(`${paint.fill(c)} ${ellipsePath(x, y, rx, ry)} f`);
      out.push(
        `${paint.fill(c)} ${num(x)} ${num(y + ry - 1)} m ${num(x - size * 0.07)} ${num(y + ry + size * 0.09)} l ${num(x + size * 0.07)} ${num(y + ry + size * 0.09)} l h f`,
      );
      out.push(
        `q /${gsName(0.45)} gs ${paint.fill([1, 1, 1])} ${ellipsePath(x - rx * 0.4, y - ry * 0.45, rx * 0.16, ry * 0.22)} f Q`,
      );
      opacities.push(0.45);
    }
  }
  // Clipped to the face's bleed rectangle: scattered art never crosses a fold.
  const b = rects.bleed;
  return { ops: `q ${rectPath(b.x, b.y, b.w, b.h)} W n\n${out.join("\n")} Q`, opacities };
}

/** Ops for a static (non-text, non-photo) layer; undefined for other layer types. */
export function artOps(
  layer: Layer,
  rects: FaceRects,
  color: (c: string) => Rgb,
  paint: Paint,
): ArtOps | undefined {
  const alpha = (o: number | undefined): [string, number[]] =>
    o !== undefined && o < 1 ? [`/${gsName(o)} gs `, [o]] : ["", []];
  switch (layer.type) {
    case "fill": {
      const r = boxToPt(layer.box ?? "full", rects);
      const [gs, opacities] = alpha(layer.opacity);
      return {
        ops: `q ${gs}${paint.fill(color(layer.color))} ${roundedRectPath(r.x, r.y, r.w, r.h, (layer.radius ?? 0) * 72)} f Q`,
        opacities,
      };
    }
    case "frame": {
      const r = boxToPt(layer.box, rects);
      const [gs, opacities] = alpha(layer.opacity);
      return {
        ops: `q ${gs}${paint.stroke(color(layer.color))} ${num(layer.width)} w ${roundedRectPath(r.x, r.y, r.w, r.h, (layer.radius ?? 0) * 72)} S Q`,
        opacities,
      };
    }
    case "rule": {
      const [gs, opacities] = alpha(layer.opacity);
      const x0 = rects.trim.x + layer.from[0] * 72;
      const y0 = rects.trim.y + layer.from[1] * 72;
      const x1 = rects.trim.x + layer.to[0] * 72;
      const y1 = rects.trim.y + layer.to[1] * 72;
      return {
        ops: `q ${gs}${paint.stroke(color(layer.color))} ${num(layer.width)} w 1 J ${num(x0)} ${num(y0)} m ${num(x1)} ${num(y1)} l S Q`,
        opacities,
      };
    }
    case "confetti":
    case "leaves":
    case "balloons":
    case "stars":
      return scatterOps(layer, rects, color, paint);
    default:
      return undefined;
  }
}
