/** Synthetic campaigns for pipeline tests: realistic names (one in five non-ASCII), US addresses. */
import { multipart } from "./multipart.ts";
import type { TestContext } from "./test-context.ts";
import { bearer } from "./test-context.ts";

const FIRST = [
  "Zoë",
  "José",
  "Łukasz",
  "Αθηνά",
  "Дмитрий",
  "Anna",
  "Ben",
  "Chloe",
  "David",
  "Emma",
  "Frank",
  "Grace",
  "Henry",
  "Ivy",
  "Jack",
];
const LAST = [
  "Ångström",
  "Núñez",
  "Żółć",
  "Παπαδοπούλου",
  "Шостакович",
  "Smith",
  "Jones",
  "Brown",
  "Lee",
  "Garcia",
  "Miller",
  "Davis",
  "Wilson",
  "Moore",
  "Taylor",
];

export function recipientsCsv(count: number, extra: string[] = []): string {
  const lines = ["First Name,Last Name,Street,City,State,Zip,Last Purchase"];
  for (let i = 0; i < count; i++) {
    const rich = i % 5 === 0;
    const first = FIRST[rich ? i % 5 : 5 + (i % 10)] as string;
    const last = LAST[rich ? ((i / 5) % 5) | 0 : 5 + ((i * 7) % 10)] as string;
    const zip = String(10000 + ((i * 7919) % 89999)).padStart(5, "0");
    lines.push(`${first},${last} ${i},${100 + i} Main Street,Springfield,IL,${zip},boiler service`);
  }
  return [...lines, ...extra].join("\r\n");
}

/** Uploads one photo through the API and returns its id. */
export async function uploadPhoto(
  ctx: TestContext,
  secret: string,
  filename: string,
  data: Buffer,
): Promise<string> {
  const form = multipart([{ name: "file", filename, data }]);
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/photos",
    headers: { ...bearer(secret), ...form.headers },
    payload: form.payload,
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().data[0].id as string;
}

/** The photo's print master vanishes from storage, as in a storage fault after the upload. */
export async function losePhotoMaster(ctx: TestContext, photoId: string): Promise<void> {
  const { rows } = await ctx.deps.pool.query<{ master_key: string }>(
    "SELECT master_key FROM photos WHERE id = $1",
    [photoId],
  );
  await ctx.deps.storage.delete((rows[0] as { master_key: string }).master_key);
}

export async function draftCampaign(
  ctx: TestContext,
  secret: string,
  opts: {
    recipients: number;
    extraRows?: string[];
    /** The CSV's header instead of recipientsCsv's (for columns of the extra rows). */
    header?: string;
    photoId?: string;
    message?: string;
    /** Import with ?household=true. */
    household?: boolean;
    landingUrl?: string;
  },
): Promise<string> {
  const created = await ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(secret),
    payload: {
      name: "Autumn thank-yous",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      message:
        opts.message ??
        "Dear {{firstName}}, thank you for choosing {{businessName}} for your {{lastPurchase}}.",
      merge_fields: ["lastPurchase"],
      sender: { business_name: "Acme Plumbing", signature: "Maria" },
      ...(opts.photoId ? { photo_id: opts.photoId } : {}),
      ...(opts.landingUrl ? { landing_url: opts.landingUrl } : {}),
    },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const id = created.json().id as string;
  const imported = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/recipients${opts.household ? "?household=true" : ""}`,
    headers: { ...bearer(secret), "content-type": "text/csv" },
    payload: opts.header
      ? [
          opts.header,
          ...recipientsCsv(opts.recipients, opts.extraRows).split("\r\n").slice(1),
        ].join("\r\n")
      : recipientsCsv(opts.recipients, opts.extraRows),
  });
  if (imported.statusCode !== 201) throw new Error(imported.body);
  return id;
}

/** Submits a drafted campaign and waits until it is ready (workers must be running). */
export async function submitUntilReady(
  ctx: TestContext,
  secret: string,
  id: string,
  timeoutMs = 90_000,
): Promise<void> {
  const submitted = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/submit`,
    headers: bearer(secret),
    payload: {},
  });
  if (submitted.statusCode !== 200) throw new Error(submitted.body);
  await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", timeoutMs);
}

/** A drafted campaign, submitted and rendered to ready. */
export async function readyCampaign(
  ctx: TestContext,
  secret: string,
  opts: Parameters<typeof draftCampaign>[2],
  timeoutMs = 90_000,
): Promise<string> {
  const id = await draftCampaign(ctx, secret, opts);
  await submitUntilReady(ctx, secret, id, timeoutMs);
  return id;
}

/** Polls the campaign until `until` holds or the time runs out (then throws with the last state). */
export async function waitForCampaign(
  ctx: TestContext,
  secret: string,
  id: string,
  until: (c: { status: string; cards: Record<string, number> }) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: { status: string; cards: Record<string, number> } | undefined;
  while (Date.now() < deadline) {
    last = (await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })).json();
    if (last && until(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`campaign ${id} did not get there in time; last: ${JSON.stringify(last)}`);
}
