/**
 * Contacts: the customer file, searched (name, email or city) and paged like the API's list, a CSV
 * import through the same contacts import the API runs (its report: counts, the row errors, the
 * failures CSV), and do-not-mail per contact through contacts.update (which also takes the contact
 * out of draft campaigns).
 */
import type { FastifyInstance } from "fastify";
import { decodeCursor } from "../../db/cursor.ts";
import { AppError, notFound, validation } from "../../errors.ts";
import { readCsvUpload } from "../../http/csv-upload.ts";
import { toList } from "../../http/pagination.ts";
import { MAIL_STATUSES, type MailStatus } from "../../modules/contacts/contacts.repository.ts";
import { contactImportJson, contactJson } from "../../modules/contacts/contacts.schemas.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { type Form, ID, queryText } from "./form-input.ts";

const hide = { hide: true };
const PAGE = 50;
const STATUS_LABELS: Record<MailStatus, string> = {
  active: "Mailable",
  do_not_mail: "Do not mail",
  returned: "Mail returned",
};

/** A /contacts URL with these filters (what a toggle returns to). */
function listUrl(v: { q?: string; mail_status?: string; after?: string }): string {
  const params = new URLSearchParams();
  for (const [k, value] of Object.entries(v)) if (value) params.set(k, value);
  const qs = params.toString();
  return qs ? `/contacts?${qs}` : "/contacts";
}

const idOf = (raw: string) => {
  if (!ID.test(raw)) throw notFound("Contact");
  return raw;
};

export async function contactsPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const { contacts } = deps;

  app.get<{ Querystring: Form }>("/contacts", { schema: hide }, async (request, reply) => {
    const { accountId } = accountOf(request);
    const q = queryText(request.query, "q", 200);
    const status = queryText(request.query, "mail_status", 20);
    const afterText = queryText(request.query, "after", 200);
    if (status && !(MAIL_STATUSES as readonly string[]).includes(status))
      throw validation("Choose a mail status from the list.", [
        { field: "mail_status", message: "unknown mail status" },
      ]);
    const after = afterText ? decodeCursor(afterText, "time") : undefined;
    if (afterText && !after)
      throw validation("That page link is broken: start again from the first page.", [
        { field: "after", message: "not a list cursor" },
      ]);
    const rows = await contacts.list(
      accountId,
      { q, mailStatus: status as MailStatus | undefined },
      { limit: PAGE + 1, after },
    );
    const page = toList(rows, PAGE, contactJson);
    const here = listUrl({ q, mail_status: status, after: afterText });
    const account = await deps.accounts.getAccount(accountOf(request).liveAccountId);
    return reply.page("contacts/index", {
      title: "Contacts",
      country: account.default_country,
      section: "contacts",
      scripts: ["contacts-import.js"],
      q,
      mail_status: status,
      statuses: MAIL_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s], on: s === status })),
      contacts: page.data.map((c) => ({
        ...c,
        status_label: STATUS_LABELS[c.mail_status],
        mailable: c.mail_status === "active",
        city: c.address ? [c.address.city, c.address.region].filter(Boolean).join(", ") : "",
      })),
      filtered: Boolean(q || status),
      paged: Boolean(afterText),
      first_url: listUrl({ q, mail_status: status }),
      next_url: page.next_after
        ? listUrl({ q, mail_status: status, after: page.next_after })
        : undefined,
      back: here,
    });
  });

  // Do-not-mail on or off. `back` returns to the list as it was (filters and page), ours only.
  app.post<{ Params: { id: string }; Body: Form }>(
    "/contacts/:id/mail-status",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const id = idOf(request.params.id);
      const wanted = request.body?.mail_status;
      if (wanted !== "do_not_mail" && wanted !== "active")
        throw validation("Choose do not mail or mailable.", [
          { field: "mail_status", message: "do_not_mail or active" },
        ]);
      await contacts.update(accountId, id, { mail_status: wanted });
      const back = request.body?.back;
      return reply.redirect(
        typeof back === "string" && /^\/contacts(\?[\w\-.=&%+]*)?$/.test(back) ? back : "/contacts",
        303,
      );
    },
  );

  // The CSV, as a multipart form (the CSRF token rides in ?_csrf=: the body is a stream). Its
  // default_country field comes first in the form, so it is read before the file.
  app.post("/contacts/import", { schema: hide }, async (request, reply) => {
    const { accountId } = accountOf(request);
    if (!request.isMultipart())
      throw validation("Choose a CSV file to import.", [{ field: "file", message: "no file" }]);
    let result: Awaited<ReturnType<typeof contacts.import>>;
    try {
      const upload = await readCsvUpload(request, {});
      // An empty field is no choice: the account's country.
      if (upload.defaultCountry === "") upload.defaultCountry = undefined;
      result = await contacts.import(accountId, upload);
    } catch (error) {
      // A file that cannot be read at all (not a CSV, too big, no name column) imports nothing.
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return reply.code(error.status).page("contacts/import-failed", {
        title: "Import failed",
        section: "contacts",
        message: error.message,
        errors: error.errors,
      });
    }
    return reply.redirect(`/contacts/imports/${result.id}`, 303);
  });

  app.get<{ Params: { id: string } }>(
    "/contacts/imports/:id",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const row = await contacts.getImport(accountId, idOf(request.params.id));
      const report = contactImportJson(row);
      return reply.page("contacts/import", {
        title: "Contacts import",
        section: "contacts",
        report,
        imported: report.created + report.updated,
        failures_url: report.failures_url ? `/contacts/imports/${report.id}/failures.csv` : null,
        more_errors: report.rejected > report.errors.length,
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    "/contacts/imports/:id/failures.csv",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const id = idOf(request.params.id);
      const stream = await contacts.failuresCsv(accountId, id);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${id}-failures.csv"`)
        .header("cache-control", "no-store")
        .send(stream);
    },
  );
}
