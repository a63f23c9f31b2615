/**
 * What template.json must be, beyond its schema's shape: names that resolve (colours, styles,
 * fonts, faces a format prints), work bounded per face (limits.ts), fixed texts in the merge
 * language. Errors name the field at fault.
 */
import type { TSchema } from "typebox";
import { Value } from "typebox/value";
import { FONT_KEYS, type FontKey } from "./fonts.ts";
import { type FaceId, FORMATS, type FormatId } from "./formats.ts";
import { DESIGN_LIMITS } from "./limits.ts";
import { compileMessage, MessageError } from "./merge.ts";
import { LayerSchema, type TemplateJson, TemplateSchema } from "./template-schema.ts";

/** A template that is not valid; the message names the file and field at fault. */
export class TemplateError extends Error {
  override name = "TemplateError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function isColor(spec: TemplateJson, c: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(c) || Object.hasOwn(spec.colors, c);
}

/** Checks what the schema cannot: colour and style names, font names, faces per format. */
function checkReferences(spec: TemplateJson): void {
  for (const [role, key] of Object.entries(spec.fonts)) {
    if (key !== undefined && !FONT_KEYS.includes(key as FontKey)) {
      throw new TemplateError(
        `template.json: /fonts/${role}: unknown font "${key}" (known: ${FONT_KEYS.join(", ")})`,
        `/fonts/${role}`,
      );
    }
  }
  for (const name of ["name", "message", "signature", "footer", "address"]) {
    if (!spec.styles[name])
      throw new TemplateError(`template.json: /styles/${name}: missing`, `/styles/${name}`);
  }
  for (const [name, style] of Object.entries(spec.styles)) {
    if (style.color === undefined && style.ink === undefined) {
      throw new TemplateError(
        `template.json: /styles/${name}/color: is required (or an ink: "blue" or "black")`,
        `/styles/${name}/color`,
      );
    }
    if (style.color !== undefined && !isColor(spec, style.color)) {
      throw new TemplateError(
        `template.json: /styles/${name}/color: unknown colour "${style.color}"`,
        `/styles/${name}/color`,
      );
    }
  }
  for (const [formatId, layout] of Object.entries(spec.formats)) {
    const format = FORMATS[formatId as FormatId];
    const needed = new Set<FaceId>(format.pages.flat().map((p) => p.face));
    for (const face of needed) {
      if (!layout.faces[face]) {
        throw new TemplateError(
          `template.json: /formats/${formatId}/faces/${face}: missing (the format prints it)`,
          `/formats/${formatId}/faces/${face}`,
        );
      }
    }
    for (const [face, def] of Object.entries(layout.faces)) {
      def?.layers.forEach((layer, i) => {
        const at = `/formats/${formatId}/faces/${face}/layers/${i}`;
        const colors: string[] = [];
        if ("color" in layer && typeof layer.color === "string") colors.push(layer.color);
        if ("colors" in layer) colors.push(...layer.colors);
        for (const c of colors) {
          if (!isColor(spec, c))
            throw new TemplateError(`template.json: ${at}: unknown colour "${c}"`, at);
        }
        if (layer.type === "text" && !spec.styles[layer.style]) {
          throw new TemplateError(
            `template.json: ${at}/style: unknown style "${layer.style}"`,
            `${at}/style`,
          );
        }
      });
    }
  }
}

/** Counts what the schema cannot: work per face, summed over its layers. */
function checkBounds(spec: TemplateJson): void {
  for (const [formatId, layout] of Object.entries(spec.formats)) {
    for (const [face, def] of Object.entries(layout.faces)) {
      const layers = def?.layers ?? [];
      const at = `/formats/${formatId}/faces/${face}/layers`;
      const count = (type: string) => layers.filter((l) => l.type === type).length;
      const scatter = layers.reduce((n, l) => n + ("count" in l ? l.count : 0), 0);
      const over = (what: string, limit: number) => {
        throw new TemplateError(`template.json: ${at}: at most ${limit} ${what} on a face`, at);
      };
      if (count("photo") > DESIGN_LIMITS.photosPerFace)
        over("photo layers", DESIGN_LIMITS.photosPerFace);
      // One QR code per face: each card has one short URL, and a second code would only confuse.
      if (count("qr") > 1) over("QR layers", 1);
      if (count("text") > DESIGN_LIMITS.textLayersPerFace)
        over("text layers", DESIGN_LIMITS.textLayersPerFace);
      if (scatter > DESIGN_LIMITS.scatterPerFace)
        over(
          "scattered shapes (the counts of its confetti, leaves, balloons and stars)",
          DESIGN_LIMITS.scatterPerFace,
        );
      layers.forEach((layer, i) => {
        if (layer.type !== "text") return;
        try {
          compileMessage(layer.text);
        } catch (e) {
          if (e instanceof MessageError)
            throw new TemplateError(
              `template.json: ${at}/${i}/text: ${e.message}`,
              `${at}/${i}/text`,
            );
          throw e;
        }
      });
    }
  }
}

/**
 * The first schema error, said of the field at fault: a layer that fails is checked against the
 * layer kind its `type` names, so the answer is "/layers/3/box/2: …", not "expected union value".
 */
function firstSchemaError(json: unknown): { path: string; message: string } | undefined {
  const first = firstError(TemplateSchema, json);
  if (!first) return undefined;
  const layerAt = /^\/formats\/[^/]+\/faces\/[^/]+\/layers\/\d+/.exec(first.instancePath)?.[0];
  if (layerAt) {
    const layer = valueAt(json, layerAt);
    const type = (layer as { type?: unknown } | null)?.type;
    const kind = LayerSchema.anyOf.find(
      (k) =>
        (k.properties.type as { const?: unknown; anyOf?: { const: unknown }[] }).const === type ||
        (k.properties.type as { anyOf?: { const: unknown }[] }).anyOf?.some(
          (t) => t.const === type,
        ),
    );
    if (!kind) {
      const kinds = LayerSchema.anyOf.flatMap((k) => {
        const t = k.properties.type as { const?: string; anyOf?: { const: string }[] };
        return t.const ? [t.const] : (t.anyOf ?? []).map((a) => a.const);
      });
      return {
        path: `${layerAt}/type`,
        message: `unknown layer type; one of: ${kinds.join(", ")}`,
      };
    }
    const inner = firstError(kind, layer);
    if (inner && /\/box(\/|$)/.test(inner.instancePath))
      return {
        path: `${layerAt}/box`,
        message: `a box is "full" or [x, y, width, height] in inches, within ±${DESIGN_LIMITS.reachIn}`,
      };
    if (inner) return { path: `${layerAt}${inner.instancePath}`, message: inner.message };
  }
  return { path: first.instancePath || "/", message: first.message };
}

/**
 * TypeBox's first error, said of the field it concerns: a missing or unknown property is reported
 * at that property ("/name: is required"), not at the object that holds it.
 */
function firstError(
  schema: TSchema,
  value: unknown,
): { instancePath: string; message: string } | undefined {
  const first = Value.Errors(schema, value)[0];
  if (!first) return undefined;
  const params = first.params as { requiredProperties?: string[]; additionalProperties?: string[] };
  if (first.keyword === "required" && params.requiredProperties?.[0])
    return {
      instancePath: `${first.instancePath}/${params.requiredProperties[0]}`,
      message: "is required",
    };
  // additionalProperties: false is reported twice: as a false schema at the property, then at the object.
  if (first.keyword === "boolean" && first.schemaPath.endsWith("/additionalProperties"))
    return { instancePath: first.instancePath, message: "is not a known property" };
  if (first.keyword === "additionalProperties" && params.additionalProperties?.[0])
    return {
      instancePath: `${first.instancePath}/${params.additionalProperties[0]}`,
      message: "is not a known property",
    };
  return { instancePath: first.instancePath, message: first.message };
}

/** The value a JSON pointer (RFC 6901) names inside `json`. */
function valueAt(json: unknown, pointer: string): unknown {
  let at = json;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at;
}

/** template.json checked whole: its schema, references and bounds. Throws TemplateError. */
export function checkDesignJson(json: unknown): TemplateJson {
  const first = firstSchemaError(json);
  if (first) throw new TemplateError(`template.json: ${first.path}: ${first.message}`, first.path);
  const spec = json as TemplateJson;
  checkReferences(spec);
  checkBounds(spec);
  return spec;
}
