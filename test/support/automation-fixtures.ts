/** Contacts and automations for automation tests: contacts as rows (the contacts table), automations through the API. */
import { newId } from "../../src/ids.ts";
import type { TestContext } from "./test-context.ts";
import { bearer } from "./test-context.ts";

export interface ContactSpec {
  name?: string;
  /** "2000-02-29", or "--07-04" for month and day only. */
  birthday?: string;
  anniversary?: string;
  mailStatus?: "active" | "do_not_mail" | "returned";
  tags?: string[];
  /** false: no postal address. */
  address?: { line1: string; city: string; region?: string; postalCode?: string } | false;
  custom?: Record<string, string>;
  spouseName?: string;
  externalId?: string;
}

function dateColumns(value: string | undefined): [number | null, number | null, number | null] {
  if (!value) return [null, null, null];
  const m = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new Error(`bad date ${value}`);
  return [m[1] === "-" ? null : Number(m[1]), Number(m[2]), Number(m[3])];
}

let counter = 0;

/** Inserts contacts straight into the contacts table (fast, for many); returns their ids in order. */
export async function insertContacts(
  ctx: TestContext,
  accountId: string,
  specs: ContactSpec[],
): Promise<string[]> {
  const ids = specs.map(() => newId("ct"));
  const rows = specs.map((s, i) => {
    const name = s.name ?? `Person ${++counter}`;
    const [first, ...rest] = name.split(" ");
    const address =
      s.address === false
        ? undefined
        : {
            line1: s.address?.line1 ?? `${100 + i} Main Street`,
            city: s.address?.city ?? "Springfield",
            region: s.address?.region ?? "IL",
            postalCode: s.address?.postalCode ?? String(62701 + (i % 50)),
            country: "US",
          };
    const [by, bm, bd] = dateColumns(s.birthday);
    const [ay, am, ad] = dateColumns(s.anniversary);
    return {
      id: ids[i],
      external_id: s.externalId ?? null,
      data: {
        firstName: first,
        lastName: rest.join(" "),
        fullName: name,
        ...(address ? { address } : {}),
        custom: s.custom ?? {},
      },
      by,
      bm,
      bd,
      ay,
      am,
      ad,
      spouse: s.spouseName ?? null,
      tags: s.tags ?? [],
      mail: s.mailStatus ?? "active",
    };
  });
  await ctx.deps.pool.query(
    `INSERT INTO contacts (id, account_id, external_id, data, birthday_year, birthday_month, birthday_day,
                           anniversary_year, anniversary_month, anniversary_day, spouse_name, tags, mail_status)
     SELECT r.id, $1, r.external_id, r.data, r.by, r.bm, r.bd, r.ay, r.am, r.ad, r.spouse,
            ARRAY(SELECT jsonb_array_elements_text(r.tags)), r.mail
       FROM jsonb_to_recordset($2::jsonb) AS r(id text, external_id text, data jsonb, by int, bm int, bd int,
            ay int, am int, ad int, spouse text, tags jsonb, mail text)`,
    [accountId, JSON.stringify(rows)],
  );
  return ids;
}

export const BIRTHDAY = {
  occasion: "birthday",
  template: "birthday",
  format: "postcard_4x6",
  message: "Happy birthday, {{firstName}}! From all of us at {{businessName}}.",
  sender: { business_name: "Acme Plumbing", signature: "Maria" },
};

/** Creates an automation through the API; `lastRun` sets the last day done (the clock's state). */
export async function createAutomation(
  ctx: TestContext,
  secret: string,
  body: Record<string, unknown>,
  lastRun?: string,
): Promise<string> {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/automations",
    headers: bearer(secret),
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const id = res.json().id as string;
  if (lastRun) await setLastRun(ctx, id, lastRun);
  return id;
}

export async function setLastRun(ctx: TestContext, automationId: string, day: string) {
  await ctx.deps.pool.query("UPDATE automations SET last_run_date = $2 WHERE id = $1", [
    automationId,
    day,
  ]);
}

export async function upcoming(
  ctx: TestContext,
  secret: string,
  automationId: string,
  from: string,
  to: string,
) {
  const res = await ctx.app.inject({
    url: `/v1/automations/${automationId}/upcoming?from=${from}&to=${to}&limit=1000`,
    headers: bearer(secret),
  });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json() as {
    data: {
      contact_id: string;
      occasion_date: string;
      send_date: string;
      skip_reason: string | null;
      campaign_id: string | null;
    }[];
    totals: { cards: number; skipped: Record<string, number> };
    has_more: boolean;
  };
}

/** The recipients (frozen data) the automation's day campaign holds, by contact id. */
export async function dayRecipients(ctx: TestContext, campaignId: string) {
  const { rows } = await ctx.deps.pool.query<{
    contact_id: string;
    data: {
      fullName: string;
      address: { line1: string };
      birthday?: string;
      custom: Record<string, string>;
    };
  }>("SELECT contact_id, data FROM recipients WHERE campaign_id = $1 ORDER BY contact_id", [
    campaignId,
  ]);
  return rows;
}

export async function sendsOf(ctx: TestContext, automationId: string) {
  const { rows } = await ctx.deps.pool.query<{
    contact_id: string;
    occasion_year: number | null;
    occasion_date: string;
    send_date: string;
    recipient_id: string | null;
    skip_reason: string | null;
    campaign_id: string | null;
  }>("SELECT * FROM automation_sends WHERE automation_id = $1 ORDER BY send_date, contact_id", [
    automationId,
  ]);
  return rows;
}
