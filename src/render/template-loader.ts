/**
 * Designs are data: template.json (validated against TemplateSchema and the bounds of limits.ts)
 * plus Handlebars texts for the name line, message, signature and footer, under fixed part names.
 * Built-ins are folders in templates/, read by those names and cached per process.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { packagePath } from "../package-root.ts";
import { checkDesignJson, TemplateError } from "./design-checks.ts";
import type { FormatId } from "./formats.ts";
import { DESIGN_LIMITS } from "./limits.ts";
import { compileMessage, MessageError } from "./merge.ts";
import type { TemplateJson } from "./template-schema.ts";

export { TemplateError };

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

/** The parts of a design: template.json and the Handlebars texts, by their fixed names. */
export const TEXT_PARTS = ["name", "message", "signature", "footer"] as const;
export const DESIGN_FILES = ["template.json", ...TEXT_PARTS.map((p) => `${p}.hbs`)] as const;

/** A design as data: template.json's content and its texts. Nothing in it is a path. */
export interface DesignSource {
  /** template.json, parsed or as text. */
  json: unknown;
  texts: Partial<Record<TextPart, string>>;
}

const FILES_REFUSED =
  "template.json: /files: a design names no files; send its texts as name.hbs, message.hbs, signature.hbs and footer.hbs beside template.json";

/**
 * Validates a design and returns it as a Template. Pure and synchronous: the design's texts come
 * with it, so validating one reads nothing and reveals nothing of the machine. Throws TemplateError.
 */
export function parseDesign(source: DesignSource): Template {
  let json = source.json;
  if (typeof json === "string") {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw new TemplateError(
        `template.json is not JSON: ${(e as Error).message}`,
        "template.json",
      );
    }
  }
  // Designs once named their text files here; the service no longer reads a name from a design.
  if (json && typeof json === "object" && Object.hasOwn(json, "files"))
    throw new TemplateError(FILES_REFUSED, "/files");
  const spec = checkDesignJson(json);
  const texts = {} as Record<TextPart, string>;
  for (const part of TEXT_PARTS) {
    const file = `${part}.hbs`;
    const given = source.texts[part]?.replace(/\s+$/, "");
    const text = given || DEFAULT_TEXTS[part];
    if (text === undefined)
      throw new TemplateError(`${file}: missing (a design needs its ${part} text)`, file);
    if (text.length > DESIGN_LIMITS.textSourceChars)
      throw new TemplateError(
        `${file}: longer than ${DESIGN_LIMITS.textSourceChars} characters`,
        file,
      );
    try {
      compileMessage(text);
    } catch (e) {
      if (e instanceof MessageError) throw new TemplateError(`${file}: ${e.message}`, file);
      throw e;
    }
    texts[part] = text;
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

/**
 * Reads a design folder by the fixed part names only (template.json, name.hbs, …): the built-ins,
 * and the CLI's designs on the operator's own disk. Never a name taken from the design.
 */
export async function readDesignFolder(dir: string): Promise<DesignSource> {
  const read = (file: string) =>
    readFile(join(dir, file), "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
  const json = await read("template.json");
  if (json === undefined)
    throw new TemplateError("the design folder has no template.json", "template.json");
  const texts: DesignSource["texts"] = {};
  for (const part of TEXT_PARTS) {
    const text = await read(`${part}.hbs`);
    if (text !== undefined) texts[part] = text;
  }
  return { json, texts };
}

/** Loads and validates the design folder `dir` (cached per process). Throws TemplateError. */
export function loadTemplate(dir: string): Promise<Template> {
  const key = resolve(dir);
  let p = cache.get(key);
  if (!p) {
    p = readDesignFolder(key).then(parseDesign);
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
