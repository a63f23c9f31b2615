/**
 * Card designs an account can use: the built-ins in templates/ (shared by every account) and the
 * account's own, uploaded as template.json plus its Handlebars texts. A design is data: its parts are
 * stored under keys this service chooses (the design's id and the fixed part names) and validated in
 * memory exactly like a built-in; nothing a customer sends is ever used as a path.
 */
import type { Pool } from "../../db/pool.ts";
import { AppError, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import {
  DESIGN_FILES,
  type DesignSource,
  listBuiltinTemplates,
  loadBuiltinTemplate,
  parseDesign,
  TEXT_PARTS,
  type Template,
  TemplateError,
  type TemplateSummary,
} from "../../render/index.ts";
import { type Storage, StorageNotFound } from "../../storage/storage.ts";
import * as repo from "./templates.repository.ts";

const MAX_FILE_BYTES = 256 * 1024;
/** Stored designs kept parsed in memory (they never change once stored). */
const CACHE_SIZE = 200;

const PART_OF_FILE = new Map<string, (typeof TEXT_PARTS)[number]>(
  TEXT_PARTS.map((p) => [`${p}.hbs`, p]),
);

/** Upload parts → a design, refusing any part name but the fixed ones. */
function designOf(files: Map<string, Buffer>, id: string): DesignSource {
  const errors = [...files.entries()].flatMap(([name, data]) => {
    if (!(DESIGN_FILES as readonly string[]).includes(name))
      return [
        { field: name.slice(0, 80), message: `not a design part; send ${DESIGN_FILES.join(", ")}` },
      ];
    if (data.length > MAX_FILE_BYTES)
      return [{ field: name, message: `larger than ${MAX_FILE_BYTES / 1024} KB` }];
    return [];
  });
  if (!files.has("template.json"))
    errors.push({ field: "template.json", message: "missing: a design needs its template.json" });
  if (errors.length)
    throw new AppError("validation", errors.map((e) => `${e.field}: ${e.message}`).join("; "), {
      errors,
    });
  let json: unknown;
  try {
    json = JSON.parse(files.get("template.json")?.toString("utf8") ?? "");
  } catch (error) {
    throw new AppError("validation", `template.json is not JSON: ${(error as Error).message}`, {
      errors: [{ field: "template.json", message: "not JSON" }],
    });
  }
  // The stored design answers to its API id, whatever its author wrote.
  if (json && typeof json === "object" && !Array.isArray(json)) json = { ...json, id };
  const texts: DesignSource["texts"] = {};
  for (const [name, data] of files) {
    const part = PART_OF_FILE.get(name);
    if (part) texts[part] = data.toString("utf8");
  }
  return { json, texts };
}

export function createTemplatesService(deps: { pool: Pool; storage: Storage }) {
  const { pool, storage } = deps;
  const cache = new Map<string, Promise<Template>>();

  /** A stored design's parts, read by the keys the service chose when it stored them. */
  async function readStored(row: repo.TemplateRow): Promise<Template> {
    const read = (name: string) =>
      storage.getBuffer(`${row.storage_prefix}/${name}`).catch((error: unknown) => {
        if (error instanceof StorageNotFound) return undefined;
        throw error;
      });
    const json = await read("template.json");
    if (!json)
      throw new TemplateError(`design ${row.id} has lost its template.json`, "template.json");
    const texts: DesignSource["texts"] = {};
    for (const part of TEXT_PARTS) {
      const text = await read(`${part}.hbs`);
      if (text) texts[part] = text.toString("utf8");
    }
    // Stored designs are checked again against today's rules: a design saved before a bound
    // existed fails its cards with the reason (design_invalid) rather than rendering unbounded.
    return parseDesign({ json: json.toString("utf8"), texts });
  }

  function stored(row: repo.TemplateRow): Promise<Template> {
    let hit = cache.get(row.id);
    if (!hit) {
      hit = readStored(row);
      // A storage fault is not the design's: the next read tries again.
      hit.catch((error: unknown) => {
        if (!(error instanceof TemplateError)) cache.delete(row.id);
      });
      cache.set(row.id, hit);
      while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    return hit;
  }

  async function get(accountId: string, id: string): Promise<Template> {
    if (id.startsWith("tmpl_")) {
      const row = await repo.findTemplate(pool, accountId, id);
      if (!row) throw notFound(`Template "${id}"`);
      return stored(row);
    }
    try {
      return await loadBuiltinTemplate(id);
    } catch (error) {
      if (error instanceof TemplateError && error.field === "template")
        throw notFound(`Template "${id}"`);
      throw error;
    }
  }

  /** Like get, for API answers: a stored design that today's rules refuse is a 422 naming the rule. */
  async function show(accountId: string, id: string): Promise<Template> {
    try {
      return await get(accountId, id);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw new AppError(
        "unprocessable",
        `Design "${id}" no longer passes validation: ${error.message}. Upload it again, fixed.`,
        { errors: [{ field: error.field ?? "template.json", message: error.message }] },
      );
    }
  }

  return {
    /** Reads and checks the built-in designs now (once per process) rather than on first use. */
    warm: () => listBuiltinTemplates().then(() => undefined),

    async list(accountId: string): Promise<(TemplateSummary & { builtin: boolean })[]> {
      const builtins = (await listBuiltinTemplates()).map((t) => ({ ...t, builtin: true }));
      const own = await Promise.all(
        (await repo.listTemplates(pool, accountId)).map(async (row) => {
          const t = await stored(row).catch((error: unknown) => {
            if (error instanceof TemplateError) return undefined;
            throw error;
          });
          return {
            id: row.id,
            name: row.name,
            occasion: row.occasion ?? "custom",
            description: t?.description ?? "",
            formats: (t?.formats ?? row.formats) as Template["formats"],
            builtin: false,
          };
        }),
      );
      return [...builtins, ...own];
    },

    /** The design, for rendering: a stored design that today's rules refuse throws TemplateError. */
    get,
    show,

    /** Like show, but as a 400 naming the field, for a campaign that refers to a template. */
    async resolve(accountId: string, id: string, field = "template"): Promise<Template> {
      try {
        return await show(accountId, id);
      } catch (error) {
        if (error instanceof AppError && error.kind === "not_found") {
          const known = (await this.list(accountId)).map((t) => t.id).join(", ");
          throw new AppError("validation", `Unknown template "${id}". Use one of: ${known}.`, {
            errors: [{ field, message: `unknown template; known: ${known}` }],
          });
        }
        throw error;
      }
    },

    /** Validates and stores an account's own design. Files: template.json and the *.hbs texts. */
    async create(accountId: string, files: Map<string, Buffer>): Promise<Template> {
      const id = newId("tmpl");
      const source = designOf(files, id);
      let template: Template;
      try {
        template = parseDesign(source);
      } catch (error) {
        if (error instanceof TemplateError) {
          throw new AppError("validation", error.message, {
            errors: [{ field: error.field ?? "template.json", message: error.message }],
          });
        }
        throw error;
      }
      const prefix = `accounts/${accountId}/templates/${id}`;
      // Stored whole before its row exists: a row always has its parts.
      await storage.put(
        `${prefix}/template.json`,
        Buffer.from(JSON.stringify(source.json, null, 2)),
      );
      for (const part of TEXT_PARTS) {
        const text = source.texts[part];
        if (text !== undefined) await storage.put(`${prefix}/${part}.hbs`, Buffer.from(text));
      }
      await repo.insertTemplate(pool, {
        id,
        account_id: accountId,
        name: template.name,
        occasion: template.occasion ?? null,
        formats: template.formats,
        storage_prefix: prefix,
      });
      return template;
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
