import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const ABANDON_MS = 2000;
let ctx: TestContext;
let release: () => void = () => {};
let entered: () => void = () => {};

beforeAll(async () => {
  ctx = await createTestContext(
    {},
    {
      // A POST that waits until the test lets it go, to hold a request in flight deterministically.
      extend: (app) =>
        app.post("/v1/test/slow", async (_req, reply) => {
          entered();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return reply.code(201).send({ done: true });
        }),
      // Short times, so a request can outlive the abandonment time within a test.
      app: { idempotency: { abandonAfterMs: ABANDON_MS, heartbeatMs: 100 } },
    },
  );
});
afterAll(() => ctx.close());

const createKey = (secret: string, idempotencyKey: string, name: string) =>
  ctx.app.inject({
    method: "POST",
    url: "/v1/api_keys",
    headers: { ...bearer(secret), "idempotency-key": idempotencyKey },
    payload: { name, scopes: ["campaigns"] },
  });

describe("Idempotency-Key on POST", () => {
  it("replays the stored response for the same key and body, without running twice", async () => {
    const { accountId, secret } = await ctx.account();
    const first = await createKey(secret, "order-1001", "CRM");
    const again = await createKey(secret, "order-1001", "CRM");
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.headers["content-type"]).toMatch(/application\/json/);
    expect(again.json()).toEqual(first.json());
    const keys = await ctx.deps.accounts.listKeys(accountId, { limit: 100 });
    expect(keys.filter((k) => k.name === "CRM")).toHaveLength(1);
  });

  it("answers 422 when the key comes back with a different body", async () => {
    const { secret } = await ctx.account();
    expect((await createKey(secret, "k-2", "one")).statusCode).toBe(201);
    const changed = await createKey(secret, "k-2", "two");
    expect(changed.statusCode).toBe(422);
    expect(changed.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(changed.json().detail).toMatch(/different request/);
  });

  it("answers 409 to a second request while the first with the same key still runs", async () => {
    const { secret } = await ctx.account();
    const headers = { ...bearer(secret), "idempotency-key": "slow-1" };
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = ctx.app.inject({ method: "POST", url: "/v1/test/slow", headers, payload: {} });
    await started;
    const second = await ctx.app.inject({
      method: "POST",
      url: "/v1/test/slow",
      headers,
      payload: {},
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().detail).toMatch(/still being processed/);
    release();
    expect((await first).statusCode).toBe(201);
    const third = await ctx.app.inject({
      method: "POST",
      url: "/v1/test/slow",
      headers,
      payload: {},
    });
    expect(third.statusCode).toBe(201);
    expect(third.headers["idempotent-replayed"]).toBe("true");
  });

  it("keeps a long request's key while it runs: a retry after the abandonment time still gets 409", async () => {
    const { secret } = await ctx.account();
    const headers = { ...bearer(secret), "idempotency-key": "long-1" };
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = ctx.app.inject({ method: "POST", url: "/v1/test/slow", headers, payload: {} });
    await started;
    await new Promise((r) => setTimeout(r, ABANDON_MS * 2));
    const retry = await ctx.app.inject({
      method: "POST",
      url: "/v1/test/slow",
      headers,
      payload: {},
    });
    expect(retry.statusCode, "the retry ran while the first request was alive").toBe(409);
    release();
    expect((await first).statusCode).toBe(201);
  });

  it("takes over a key whose request died without answering", async () => {
    const { accountId, secret } = await ctx.account();
    const first = await createKey(secret, "died-1", "Zapier");
    // As if the process had died mid-request: no response kept, no heartbeat since.
    await ctx.deps.pool.query(
      `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL,
              heartbeat_at = now() - interval '1 minute' WHERE account_id = $1`,
      [accountId],
    );
    const retry = await createKey(secret, "died-1", "Zapier");
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(retry.json().id).not.toBe(first.json().id);
  });

  it("keeps keys per account: another account's same key runs afresh", async () => {
    const a = await ctx.account();
    const b = await ctx.account();
    const fromA = await createKey(a.secret, "shared-key", "same");
    const fromB = await createKey(b.secret, "shared-key", "same");
    expect(fromB.statusCode).toBe(201);
    expect(fromB.headers["idempotent-replayed"]).toBeUndefined();
    expect(fromB.json().id).not.toBe(fromA.json().id);
  });

  it("rejects a malformed key with 400", async () => {
    const { secret } = await ctx.account();
    const res = await createKey(secret, "x".repeat(300), "long");
    expect(res.statusCode).toBe(400);
  });

  it("forgets a key after 24 hours", async () => {
    const { accountId, secret } = await ctx.account();
    const first = await createKey(secret, "old", "a");
    await ctx.deps.pool.query(
      "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE account_id = $1",
      [accountId],
    );
    const later = await createKey(secret, "old", "a");
    expect(later.statusCode).toBe(201);
    expect(later.json().id).not.toBe(first.json().id);
  });
});

describe("Idempotency-Key on streamed uploads, over real HTTP", () => {
  it("replays a text/csv import and a multipart upload instead of failing or running twice", async () => {
    const { createTestContext: create } = await import("../../support/test-context.ts");
    const { draftCampaign } = await import("../../support/campaign-fixtures.ts");
    const { recipientsCsv } = await import("../../support/campaign-fixtures.ts");
    const real = await create();
    try {
      const address = await real.app.listen({ port: 0, host: "127.0.0.1" });
      const { secret } = await real.account();
      const id = await draftCampaign(real, secret, { recipients: 1 });
      const csv = recipientsCsv(5)
        .split("\r\n")
        .slice(0, 1)
        .concat(["Ann,Lee,1 A St,Boston,MA,02134,sink"])
        .join("\r\n");
      const send = () =>
        fetch(`${address}/v1/campaigns/${id}/recipients`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${secret}`,
            "content-type": "text/csv",
            "idempotency-key": "csv-1",
          },
          body: csv,
        });
      const first = await send();
      expect(first.status).toBe(201);
      const again = await send();
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(((await again.json()) as { id: string }).id).toBe(
        ((await first.json()) as { id: string }).id,
      );

      const upload = () => {
        const form = new FormData();
        form.append("file", new Blob([Buffer.from("not an image")]), "a.jpg");
        return fetch(`${address}/v1/photos`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "idempotency-key": "photo-1" },
          body: form,
        });
      };
      const one = await upload();
      const two = await upload();
      expect(one.status).toBe(422);
      expect(two.status).toBe(422);
      expect(two.headers.get("idempotent-replayed")).toBe("true");

      // A client that goes away mid-upload gets no answer, so none is kept: its retry runs.
      const { request } = await import("node:http");
      const { port } = new URL(address);
      const cut = request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/v1/campaigns/${id}/recipients`,
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "text/csv",
          "content-length": String(csv.length + 1000),
          "idempotency-key": "csv-cut",
        },
      });
      cut.on("error", () => {});
      cut.write(csv.slice(0, 20));
      const claimed = async () =>
        (await real.deps.pool.query("SELECT 1 FROM idempotency_keys WHERE key = 'csv-cut'"))
          .rowCount ?? 0;
      for (let i = 0; i < 50 && (await claimed()) === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await claimed(), "the cut request claimed its key").toBe(1);
      cut.destroy();
      for (let i = 0; i < 100 && (await claimed()) === 1; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await claimed(), "the key was forgotten once the cut request ended").toBe(0);
      const retry = await fetch(`${address}/v1/campaigns/${id}/recipients`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "text/csv",
          "idempotency-key": "csv-cut",
        },
        body: csv,
      });
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBeNull();
    } finally {
      await real.close();
    }
  });
});

describe("Idempotency-Key on streamed uploads compares their bytes (issue 8)", () => {
  it("refuses with 422 another CSV of the same length, and replays the same bytes", async () => {
    const { draftCampaign, recipientsCsv } = await import("../../support/campaign-fixtures.ts");
    const { secret } = await ctx.account();
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const csv = recipientsCsv(3);
    // Same length, another person: the attack the old type-and-length comparison replayed.
    const other = csv.replace("Zoë", "Ann");
    expect(Buffer.byteLength(other)).not.toBe(Buffer.byteLength(csv));
    const sameLength = csv.replace("Springfield", "Springfeald");
    expect(Buffer.byteLength(sameLength)).toBe(Buffer.byteLength(csv));
    const send = (body: string) =>
      ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${id}/recipients`,
        headers: { ...bearer(secret), "content-type": "text/csv", "idempotency-key": "csv-len" },
        payload: body,
      });
    const first = await send(csv);
    expect(first.statusCode, first.body).toBe(201);
    const changed = await send(sameLength);
    expect(changed.statusCode).toBe(422);
    expect(changed.json().detail).toMatch(/different request/);
    expect((await send(other)).statusCode).toBe(422);
    const again = await send(csv);
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().id).toBe(first.json().id);
    const { rows } = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM imports WHERE campaign_id = $1 AND id <> $2",
      [id, first.json().id],
    );
    expect(rows[0].n, "only draftCampaign's own import besides the first").toBe(1);
  });

  it("refuses with 422 another multipart file of the same size; the same file with a new boundary replays", async () => {
    const { draftCampaign, recipientsCsv } = await import("../../support/campaign-fixtures.ts");
    const { multipart } = await import("../../support/multipart.ts");
    const { secret } = await ctx.account();
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const csv = recipientsCsv(3);
    const send = (data: string) => {
      // multipart() draws a new boundary each time, as browsers and curl do.
      const form = multipart([
        { name: "file", filename: "list.csv", contentType: "text/csv", data },
      ]);
      return ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${id}/recipients`,
        headers: { ...bearer(secret), ...form.headers, "idempotency-key": "form-len" },
        payload: form.payload,
      });
    };
    const first = await send(csv);
    expect(first.statusCode, first.body).toBe(201);
    expect((await send(csv.replace("Springfield", "Springfeald"))).statusCode).toBe(422);
    const again = await send(csv);
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().id).toBe(first.json().id);
  });

  it("compares a streamed JSON import by its bytes too", async () => {
    const { draftCampaign } = await import("../../support/campaign-fixtures.ts");
    const { secret } = await ctx.account();
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const list = (city: string) =>
      JSON.stringify([
        {
          first_name: "Ann",
          last_name: "Lee",
          address: { street: "1 Elm St", city, state: "IL", postal_code: "62701" },
          custom: { last_purchase: "boiler" },
        },
      ]);
    const send = (body: string) =>
      ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${id}/recipients`,
        headers: {
          ...bearer(secret),
          "content-type": "application/json",
          "idempotency-key": "json-1",
        },
        payload: body,
      });
    const first = await send(list("Springfield"));
    expect(first.statusCode, first.body).toBe(201);
    expect((await send(list("Springfeald"))).statusCode).toBe(422);
    const again = await send(list("Springfield"));
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().id).toBe(first.json().id);
  });
});
