/**
 * Templates are folders: template.json (validated against TemplateSchema) plus Handlebars
 * files for the name line, message, signature and footer. Loaded templates are cached per
 * process, keyed by folder.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { packagePath } from "../package-root.ts";
import { FONT_KEYS, type FontKey } from "./fonts.ts";
import { type FaceId, FORMATS, type FormatId } from "./formats.ts";
import { compileMessage, MessageError } from "./merge.ts";
import { type TemplateJson, TemplateSchema } from "./template-schema.ts";

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

export type TextPart = "name" | "message" | "signature" | "footer";

/** A loaded, validated template. */
export interface Template {
  id: string;
  name: string;
  occasion: TemplateJson["occasion"];
  description: string;
  formats: FormatId[];
  spec: TemplateJson;
  /** Handlebars sources of the text parts. */
  texts: Record<TextPart, string>;
}

/** What a template picker needs. */
export interface TemplateSummary {
  id: string;
  name: string;
  occasion: string;
  description: string;
  formats: FormatId[];
}

const DEFAULT_TEXTS: Record<TextPart, string | undefined> = {
  name: "{{fullName}}",
  message: undefined,
  signature: "{{signature}}",
  footer: "{{businessName}}",
};

const BUILTIN_DIR = packagePath("templates");
const cache = new Map<string, Promise<Template>>();

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
    if (!isColor(spec, style.color)) {
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

async function readText(dir: string, file: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, file), "utf8")).replace(/\s+$/, "");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function load(dir: string): Promise<Template> {
  let raw: string;
  try {
    raw = await readFile(join(dir, "template.json"), "utf8");
  } catch {
    throw new TemplateError(`template folder has no readable template.json: ${dir}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new TemplateError(`template.json is not JSON: ${(e as Error).message}`);
  }
  const first = Value.Errors(TemplateSchema, json).First();
  if (first) {
    const field = first.path || "/";
    throw new TemplateError(`template.json: ${field}: ${first.message}`, field);
  }
  const spec = json as TemplateJson;
  checkReferences(spec);
  const texts = {} as Record<TextPart, string>;
  for (const part of ["name", "message", "signature", "footer"] as const) {
    const file = spec.files?.[part] ?? `${part}.hbs`;
    const source = (await readText(dir, file)) ?? DEFAULT_TEXTS[part];
    if (source === undefined)
      throw new TemplateError(`template has no ${file} (the default ${part})`, file);
    try {
      compileMessage(source);
    } catch (e) {
      if (e instanceof MessageError) throw new TemplateError(`${file}: ${e.message}`, file);
      throw e;
    }
    texts[part] = source;
  }
  const formats = Object.keys(spec.formats) as FormatId[];
  if (formats.length === 0)
    throw new TemplateError("template.json: /formats: no format defined", "/formats");
  return {
    id: spec.id,
    name: spec.name,
    occasion: spec.occasion,
    description: spec.description ?? "",
    formats,
    spec,
    texts,
  };
}

/** Loads and validates the template in `dir` (cached per process). Throws TemplateError. */
export function loadTemplate(dir: string): Promise<Template> {
  const key = resolve(dir);
  let p = cache.get(key);
  if (!p) {
    p = load(key);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

let builtinIds: Promise<string[]> | undefined;

/** Ids of the built-in templates (folders under templates/), read once per process: they ship with the code. */
export function builtinTemplateIds(): Promise<string[]> {
  builtinIds ??= readdir(BUILTIN_DIR, { withFileTypes: true }).then((entries) =>
    entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(),
  );
  return builtinIds;
}

/** Loads a built-in template by id; an unknown id is a TemplateError listing the known ones. */
export async function loadBuiltinTemplate(id: string): Promise<Template> {
  const ids = await builtinTemplateIds();
  if (!ids.includes(id)) {
    throw new TemplateError(`unknown template "${id}" (built-in: ${ids.join(", ")})`, "template");
  }
  return loadTemplate(join(BUILTIN_DIR, id));
}

export async function listBuiltinTemplates(): Promise<TemplateSummary[]> {
  const ids = await builtinTemplateIds();
  const templates = await Promise.all(ids.map(loadBuiltinTemplate));
  return templates.map(({ id, name, occasion, description, formats }) => ({
    id,
    name,
    occasion,
    description,
    formats,
  }));
}
