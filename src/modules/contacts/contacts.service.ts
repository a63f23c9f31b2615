import { todayUtc } from "../../csv/index.ts";
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, conflict, type FieldError, notFound } from "../../errors.ts";
import { newIds } from "../../ids.ts";
import type { Storage } from "../../storage/storage.ts";
import { resolvePhotoNames } from "../photos/photos.repository.ts";
import { fieldsOf, writeOf } from "./contact-fields.ts";
import * as imports from "./contact-imports.repository.ts";
import { type ContactJson, jsonOf, mergeJson, readContacts, shapeErrors } from "./contact-input.ts";
import * as repo from "./contacts.repository.ts";
import {
  accountCountry,
  type ContactImportRequest,
  createContactImport,
} from "./import-contacts.ts";

/** What became of one contact of a POST: written (201 created, 200 updated) or refused (400). */
export type SaveResult =
  | { status: 201 | 200; contact: repo.ContactRow }
  | { status: 400; errors: FieldError[] };

export function createContactsService(deps: {
  pool: Pool;
  storage: Storage;
  /** Today (YYYY-MM-DD) for "a date in the future"; tests pin it. */
  today?: () => string;
}) {
  const { pool, storage } = deps;
  const today = deps.today ?? todayUtc;
  const importContacts = createContactImport({ pool, storage, today });

  /**
   * Checks and writes contacts under the account's lock. Each item is merged over the contact it
   * updates (`target`), then checked whole; photos given by name are resolved.
   */
  async function save(
    tx: PoolClient,
    accountId: string,
    items: { json: ContactJson; target?: repo.ContactRow; prefix: string }[],
  ): Promise<({ ok: true; id: string; created: boolean } | { ok: false; errors: FieldError[] })[]> {
    const merged = items.map((it) =>
      it.target ? mergeJson(jsonOf(fieldsOf(it.target)), it.json) : it.json,
    );
    const read = await readContacts(merged, {
      defaultCountry: await accountCountry(tx, accountId),
      today: today(),
      prefix: (i) => items[i]?.prefix ?? "body",
    });
    const names = [
      ...new Set(
        read.flatMap((r, i) =>
          r.ok && items[i]?.json.photo && r.fields.person.photo ? [r.fields.person.photo] : [],
        ),
      ),
    ];
    const photos = await resolvePhotoNames(tx, accountId, names);
    const fresh = newIds("ct", items.length);
    const writes: { write: repo.ContactWrite; created: boolean }[] = [];
    const unmailable: string[] = [];
    const results = read.map((r, i) => {
      const item = items[i] as (typeof items)[number];
      if (!r.ok) return r;
      const photo = r.fields.person.photo;
      let photoId = item.target?.photo_id ?? null;
      if (item.json.photo !== undefined) photoId = photo ? (photos.get(photo) ?? null) : null;
      if (photo && !photoId) {
        return {
          ok: false as const,
          errors: [
            {
              field: `${item.prefix}.photo`,
              message: `"${photo}" was not uploaded: upload it with POST /v1/photos first, or give its id.`,
            },
          ],
        };
      }
      const id = item.target?.id ?? (fresh[i] as string);
      writes.push({ write: writeOf(id, r.fields, photoId), created: !item.target });
      if (item.target?.mail_status === "active" && r.fields.mailStatus !== "active")
        unmailable.push(id);
      return { ok: true as const, id, created: !item.target };
    });
    await repo.writeContacts(tx, accountId, writes);
    await repo.withdrawFromDrafts(tx, accountId, unmailable);
    return results;
  }

  /** Another contact of the account already has this external id. */
  async function requireFreeExternalId(
    tx: PoolClient,
    accountId: string,
    externalId: string,
    selfId: string,
  ) {
    const other = (await repo.findByExternalIds(tx, accountId, [externalId])).get(externalId);
    if (other && other.id !== selfId)
      throw conflict(
        `Another contact (${other.id}) has external_id "${externalId}": an external_id names one contact.`,
      );
  }

  return {
    import: (accountId: string, req: ContactImportRequest) => importContacts(accountId, req),

    async getImport(accountId: string, id: string) {
      const row = await imports.findContactImport(pool, accountId, id);
      if (!row) throw notFound("Contact import");
      return row;
    },

    async failuresCsv(accountId: string, id: string) {
      const row = await imports.findContactImport(pool, accountId, id);
      if (!row) throw notFound("Contact import");
      if (!row.failures_key)
        throw notFound("Failures report (every row of this import was imported)");
      return storage.get(row.failures_key);
    },

    /**
     * Creates or updates (by external_id) each item; one result per item, in order. Items that
     * fail their checks are reported and the others are still written. `prefix(i)` names item i
     * in error fields.
     */
    async upsert(
      accountId: string,
      items: unknown[],
      prefix: (i: number) => string,
    ): Promise<SaveResult[]> {
      return withTransaction(pool, async (tx) => {
        await repo.lockContacts(tx, accountId);
        const results: (SaveResult | undefined)[] = items.map((item, i) => {
          const errors = shapeErrors(item, prefix(i));
          return errors.length > 0 ? { status: 400, errors } : undefined;
        });
        const externalIds = new Map<string, number>();
        items.forEach((item, i) => {
          if (results[i]) return;
          const id = (item as ContactJson).external_id?.trim();
          if (!id) return;
          const first = externalIds.get(id);
          if (first === undefined) externalIds.set(id, i);
          else
            results[i] = {
              status: 400,
              errors: [
                {
                  field: `${prefix(i)}.external_id`,
                  message: `is also item ${first}'s: send each contact once per request.`,
                },
              ],
            };
        });
        const existing = await repo.findByExternalIds(tx, accountId, [...externalIds.keys()]);
        const todo = items.flatMap((_item, i) => (results[i] ? [] : [i]));
        const saved = await save(
          tx,
          accountId,
          todo.map((i) => {
            const json = items[i] as ContactJson;
            const target = json.external_id ? existing.get(json.external_id.trim()) : undefined;
            return { json, target, prefix: prefix(i) };
          }),
        );
        const written = saved.flatMap((s) => (s.ok ? [s.id] : []));
        const rows = new Map(
          (await repo.findContacts(tx, accountId, written)).map((r) => [r.id, r]),
        );
        todo.forEach((i, k) => {
          const s = saved[k];
          if (!s) return;
          results[i] = s.ok
            ? { status: s.created ? 201 : 200, contact: rows.get(s.id) as repo.ContactRow }
            : { status: 400, errors: s.errors };
        });
        return results as SaveResult[];
      });
    },

    async list(accountId: string, filters: repo.ContactFilters, page: PageRequest) {
      return repo.listContacts(pool, accountId, filters, page);
    },

    async get(accountId: string, id: string) {
      const row = await repo.findContact(pool, accountId, id);
      if (!row) throw notFound("Contact");
      return row;
    },

    /** Changes the fields sent; the contact is then checked whole, like a new one. */
    async update(accountId: string, id: string, patch: unknown) {
      const errors = shapeErrors(patch, "body");
      if (errors.length > 0) throw invalid(errors);
      return withTransaction(pool, async (tx) => {
        await repo.lockContacts(tx, accountId);
        const row = await repo.findContact(tx, accountId, id);
        if (!row) throw notFound("Contact");
        const json = patch as ContactJson;
        const externalId = json.external_id?.trim();
        if (externalId) await requireFreeExternalId(tx, accountId, externalId, id);
        const [saved] = await save(tx, accountId, [{ json, target: row, prefix: "body" }]);
        if (saved && !saved.ok) throw invalid(saved.errors);
        return (await repo.findContact(tx, accountId, id)) as repo.ContactRow;
      });
    },

    /** Deletes the contact, and takes it out of draft campaigns (sent cards stay). */
    async remove(accountId: string, id: string) {
      await withTransaction(pool, async (tx) => {
        await repo.lockContacts(tx, accountId);
        const row = await repo.findContact(tx, accountId, id);
        if (!row) throw notFound("Contact");
        await repo.withdrawFromDrafts(tx, accountId, [id]);
        await repo.deleteContact(tx, accountId, id);
      });
    },
  };
}

function invalid(errors: FieldError[]): AppError {
  return new AppError(
    "validation",
    `The contact is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}`,
    { errors },
  );
}

export type ContactsService = ReturnType<typeof createContactsService>;
