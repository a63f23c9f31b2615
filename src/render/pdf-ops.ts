/**
 * Tiny PDF content-stream builders. The renderer writes operators as strings (one write
 * per face) instead of pdfkit's per-call API: fewer allocations, and identical art can be
 * built once per process and reused for every card.
 */

/** Number as PDF wants it: at most 3 decimals, no exponent, no trailing zeros. */
export function num(n: number): string {
  const r = Math.round(n * 1000) / 1000;
  if (Object.is(r, -0)) return "0";
  return String(r);
}

export type Rgb = readonly [number, number, number];

/** Parses #rrggbb into 0..1 components. */
export function parseHex(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [
    Number.parseInt(m[1] ?? "0", 16) / 255,
    Number.parseInt(m[2] ?? "0", 16) / 255,
    Number.parseInt(m[3] ?? "0", 16) / 255,
  ];
}

export function fillRgb(c: Rgb): string {
  return `${num(c[0])} ${num(c[1])} ${num(c[2])} rg`;
}

export function strokeRgb(c: Rgb): string {
  return `${num(c[0])} ${num(c[1])} ${num(c[2])} RG`;
}

export type Cmyk = readonly [number, number, number, number];

/**
 * RGB (0..1) to CMYK with full black generation: the grey part of a colour goes to black alone,
 * so black text is 0 0 0 100 and greys never build up from three inks on press. Design colours are
 * flat tints picked by a person, not photos (those go through the press profile in images/).
 */
export function rgbToCmyk(c: Rgb): Cmyk {
  const k = 1 - Math.max(c[0], c[1], c[2]);
  if (k >= 1) return [0, 0, 0, 1];
  return [(1 - c[0] - k) / (1 - k), (1 - c[1] - k) / (1 - k), (1 - c[2] - k) / (1 - k), k];
}

function cmykOps(c: Cmyk, op: "k" | "K"): string {
  return `${num(c[0])} ${num(c[1])} ${num(c[2])} ${num(c[3])} ${op}`;
}

/** How a document writes colours: design colours stay RGB values; the paint says which operator. */
export interface Paint {
  fill(c: Rgb): string;
  stroke(c: Rgb): string;
}

export const RGB_PAINT: Paint = { fill: fillRgb, stroke: strokeRgb };
export const CMYK_PAINT: Paint = {
  fill: (c) => cmykOps(rgbToCmyk(c), "k"),
  stroke: (c) => cmykOps(rgbToCmyk(c), "K"),
};

export const paintFor = (mode: "rgb" | "cmyk"): Paint => (mode === "cmyk" ? CMYK_PAINT : RGB_PAINT);

export function rectPath(x: number, y: number, w: number, h: number): string {
  return `${num(x)} ${num(y)} ${num(w)} ${num(h)} re`;
}

const K = 0.5522847498;

export function ellipsePath(cx: number, cy: number, rx: number, ry: number): string {
  const ox = rx * K;
  const oy = ry * K;
  return [
    `${num(cx - rx)} ${num(cy)} m`,
    `${num(cx - rx)} ${num(cy - oy)} ${num(cx - ox)} ${num(cy - ry)} ${num(cx)} ${num(cy - ry)} c`,
    `${num(cx + ox)} ${num(cy - ry)} ${num(cx + rx)} ${num(cy - oy)} ${num(cx + rx)} ${num(cy)} c`,
    `${num(cx + rx)} ${num(cy + oy)} ${num(cx + ox)} ${num(cy + ry)} ${num(cx)} ${num(cy + ry)} c`,
    `${num(cx - ox)} ${num(cy + ry)} ${num(cx - rx)} ${num(cy + oy)} ${num(cx - rx)} ${num(cy)} c h`,
  ].join(" ");
}

export function roundedRectPath(x: number, y: number, w: number, h: number, r: number): string {
  if (r <= 0) return rectPath(x, y, w, h);
  const c = r * (1 - K);
  return [
    `${num(x + r)} ${num(y)} m`,
    `${num(x + w - r)} ${num(y)} l`,
    `${num(x + w - c)} ${num(y)} ${num(x + w)} ${num(y + c)} ${num(x + w)} ${num(y + r)} c`,
    `${num(x + w)} ${num(y + h - r)} l`,
    `${num(x + w)} ${num(y + h - c)} ${num(x + w - c)} ${num(y + h)} ${num(x + w - r)} ${num(y + h)} c`,
    `${num(x + r)} ${num(y + h)} l`,
    `${num(x + c)} ${num(y + h)} ${num(x)} ${num(y + h - c)} ${num(x)} ${num(y + h - r)} c`,
    `${num(x)} ${num(y + r)} l`,
    `${num(x)} ${num(y + c)} ${num(x + c)} ${num(y)} ${num(x + r)} ${num(y)} c h`,
  ].join(" ");
}

/** A 2D affine map applied to path points: scale, rotate (radians), then translate. */
export interface Placement {
  x: number;
  y: number;
  scale: number;
  rotate: number;
}

/**
 * Converts a small SVG path subset (absolute M, L, C, Q, Z) to PDF operators, placing
 * it with `at`. Art paths are authored in that subset, so nothing else is needed.
 */
export function svgPathOps(d: string, at: Placement): string {
  const tokens = d.match(/[MLCQZ]|-?\d*\.?\d+(?:e-?\d+)?/gi) ?? [];
  const cos = Math.cos(at.rotate) * at.scale;
  const sin = Math.sin(at.rotate) * at.scale;
  const pt = (px: number, py: number) =>
    `${num(at.x + px * cos - py * sin)} ${num(at.y + px * sin + py * cos)}`;
  const out: string[] = [];
  let i = 0;
  let cmd = "M";
  let cx = 0;
  let cy = 0;
  const next = () => Number(tokens[i++]);
  while (i < tokens.length) {
    const t = tokens[i] ?? "";
    if (/^[MLCQZ]$/i.test(t)) {
      cmd = t.toUpperCase();
      i++;
      if (cmd === "Z") {
        out.push("h");
        continue;
      }
    }
    if (cmd === "M" || cmd === "L") {
      cx = next();
      cy = next();
      out.push(`${pt(cx, cy)} ${cmd === "M" ? "m" : "l"}`);
      if (cmd === "M") cmd = "L";
    } else if (cmd === "C") {
      const a = [next(), next(), next(), next(), next(), next()] as const;
      out.push(`${pt(a[0], a[1])} ${pt(a[2], a[3])} ${pt(a[4], a[5])} c`);
      cx = a[4];
      cy = a[5];
    } else if (cmd === "Q") {
      const [qx, qy, ex, ey] = [next(), next(), next(), next()];
      // Quadratic → cubic: control points two thirds of the way to the quad point.
      const c1x = cx + (2 / 3) * (qx - cx);
      const c1y = cy + (2 / 3) * (qy - cy);
      const c2x = ex + (2 / 3) * (qx - ex);
      const c2y = ey + (2 / 3) * (qy - ey);
      out.push(`${pt(c1x, c1y)} ${pt(c2x, c2y)} ${pt(ex, ey)} c`);
      cx = ex;
      cy = ey;
    } else {
      i++;
    }
  }
  return out.join(" ");
}

/** Deterministic pseudo-random numbers (mulberry32): the same seed draws the same art. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
