/**
 * Card designs an account can use: the built-ins in templates/ (shared by every account) and the
 * account's own, uploaded as a template folder's files (template.json + Handlebars texts).
 * An upload is validated exactly like a built-in (the same loader, from a temporary folder) and
 * stored whole before its row exists; processes that render it keep a local copy of the folder.
 */
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Pool } from "../../db/pool.ts";
import { AppError, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import {
  listBuiltinTemplates,
  loadBuiltinTemplate,
  loadTemplate,
  type Template,
  TemplateError,
  type TemplateSummary,
} from "../../render/index.ts";
import { type Storage, StorageNotFound } from "../../storage/storage.ts";
import * as repo from "./templates.repository.ts";

const FILE_NAME = /^[a-z0-9_-]{1,40}\.(json|hbs)$/;
const MAX_FILE_BYTES = 256 * 1024;
const MAX_FILES = 12;
/** Local copies of accounts' templates, one folder per template id (they never change once stored). */
const CACHE_DIR = path.join(tmpdir(), "cardmerge-templates");

/** The files with template.json's id set to the API id: the stored design answers to it, whatever its author wrote. */
function stampId(files: Map<string, Buffer>, id: string): Map<string, Buffer> {
  const json = files.get("template.json")?.toString("utf8") ?? "";
  let spec: unknown;
  try {
    spec = JSON.parse(json);
  } catch (error) {
    throw new AppError("validation", `template.json is not JSON: ${(error as Error).message}`, {
      errors: [{ field: "template.json", message: "not JSON" }],
    });
  }
  return new Map([
    ...files,
    ["template.json", Buffer.from(JSON.stringify({ ...(spec as object), id }, null, 2))],
  ]);
}

export function createTemplatesService(deps: { pool: Pool; storage: Storage }) {
  const { pool, storage } = deps;

  async function localCopy(row: repo.TemplateRow): Promise<string> {
    const dir = path.join(CACHE_DIR, row.id);
    if (
      await stat(path.join(dir, "template.json")).then(
        () => true,
        () => false,
      )
    )
      return dir;
    const temp = await mkdtemp(path.join(tmpdir(), "cardmerge-tmpl-"));
    try {
      // template.json must arrive; a text file may be absent (the loader has defaults). Any other
      // fault throws, so a half copy never lands in the cache.
      await writeFile(
        path.join(temp, "template.json"),
        await storage.getBuffer(`${row.storage_prefix}/template.json`),
      );
      for (const name of ["name.hbs", "message.hbs", "signature.hbs", "footer.hbs"]) {
        const data = await storage
          .getBuffer(`${row.storage_prefix}/${name}`)
          .catch((error: unknown) => {
            if (error instanceof StorageNotFound) return undefined;
            throw error;
          });
        if (data) await writeFile(path.join(temp, name), data);
      }
      await mkdir(CACHE_DIR, { recursive: true });
      await rename(temp, dir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      // Another process put the same copy in place first: use it.
      if (
        (error as NodeJS.ErrnoException).code !== "ENOTEMPTY" &&
        (error as NodeJS.ErrnoException).code !== "EEXIST"
      )
        throw error;
    }
    return dir;
  }

  async function get(accountId: string, id: string): Promise<Template> {
    if (id.startsWith("tmpl_")) {
      const row = await repo.findTemplate(pool, accountId, id);
      if (!row) throw notFound(`Template "${id}"`);
      return loadTemplate(await localCopy(row));
    }
    try {
      return await loadBuiltinTemplate(id);
    } catch (error) {
      if (error instanceof TemplateError && error.field === "template")
        throw notFound(`Template "${id}"`);
      throw error;
    }
  }

  return {
    async list(accountId: string): Promise<(TemplateSummary & { builtin: boolean })[]> {
      const builtins = (await listBuiltinTemplates()).map((t) => ({ ...t, builtin: true }));
      const own = await Promise.all(
        (await repo.listTemplates(pool, accountId)).map((row) => get(accountId, row.id)),
      );
      return [
        ...builtins,
        ...own.map(({ id, name, occasion, description, formats }) => ({
          id,
          name,
          occasion,
          description,
          formats,
          builtin: false,
        })),
      ];
    },

    get,

    /** Like get, but as a 400 naming the field, for a campaign that refers to a template. */
    async resolve(accountId: string, id: string, field = "template"): Promise<Template> {
      try {
        return await get(accountId, id);
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
      const errors = [...files.entries()].flatMap(([name, data]) => {
        if (!FILE_NAME.test(name))
          return [{ field: name, message: "file names are like template.json or message.hbs" }];
        if (data.length > MAX_FILE_BYTES)
          return [{ field: name, message: `larger than ${MAX_FILE_BYTES / 1024} KB` }];
        return [];
      });
      if (!files.has("template.json"))
        errors.push({
          field: "template.json",
          message: "missing: a design needs its template.json",
        });
      if (files.size > MAX_FILES)
        errors.push({ field: "files", message: `at most ${MAX_FILES} files` });
      if (errors.length)
        throw new AppError("validation", errors.map((e) => `${e.field}: ${e.message}`).join("; "), {
          errors,
        });

      const id = newId("tmpl");
      const stamped = stampId(files, id);
      const check = await mkdtemp(path.join(tmpdir(), "cardmerge-tmpl-check-"));
      let template: Template;
      try {
        for (const [name, data] of stamped) await writeFile(path.join(check, name), data);
        template = await loadTemplate(check);
      } catch (error) {
        if (error instanceof TemplateError) {
          throw new AppError("validation", error.message, {
            errors: [{ field: error.field ?? "template.json", message: error.message }],
          });
        }
        throw error;
      } finally {
        await rm(check, { recursive: true, force: true });
      }
      const prefix = `accounts/${accountId}/templates/${id}`;
      for (const [name, data] of stamped) await storage.put(`${prefix}/${name}`, data);
      await repo.insertTemplate(pool, {
        id,
        account_id: accountId,
        name: template.name,
        occasion: template.occasion ?? null,
        formats: template.formats,
        storage_prefix: prefix,
      });
      return get(accountId, id);
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
