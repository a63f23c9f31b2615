/**
 * Issue 8, findings 1, 2, 4, 5 and 7: the attacks as they were made, with an ordinary API key,
 * against a real API process and a real worker process. Each asserts the safe answer and that
 * both processes are still alive and answering. "Legacy" cases put the payload straight into
 * PostgreSQL or storage, as if it had been saved before the rules existed: the renderer must
 * refuse it too, with a reason, instead of trusting what validation once let through.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../../src/ids.ts";
import { type ApiProcess, jsonOf, startApi } from "../../support/api-process.ts";
import { recipientsCsv } from "../../support/campaign-fixtures.ts";
import { multipart } from "../../support/multipart.ts";
import { pdfText } from "../../support/preflight.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

let ctx: TestContext;
let api: ApiProcess;
let worker: WorkerProcess;
let secret: string;
let accountId: string;

const PASSWD_LINE = /root:.*:0:0:/;
const birthday = () => ({
  "template.json": JSON.parse(readFileSync("templates/birthday/template.json", "utf8")),
  "message.hbs": readFileSync("templates/birthday/message.hbs", "utf8"),
});

beforeAll(async () => {
  ctx = await createTestContext();
  ({ secret, accountId } = await ctx.account());
  api = await startApi(ctx.config);
  worker = startWorker(ctx.config, { LOG_LEVEL: "info", RENDER_CHUNK_SIZE: "5" });
}, 60_000);

afterEach(async () => {
  // After every attack both processes are alive and the API answers at once.
  expect(worker.child.exitCode ?? worker.child.signalCode, worker.output().slice(-2000)).toBeNull();
  expect(await api.health()).toBeLessThan(200);
});

afterAll(async () => {
  await api?.stop();
  if (worker) await stopWorker(worker);
  await ctx?.close();
});

const post = (path: string, json: unknown) => api.request(path, { method: "POST", secret, json });

async function campaign(message: string, extra: Record<string, unknown> = {}) {
  return post("/v1/campaigns", {
    name: "Attack",
    occasion: "thank_you",
    template: "thank-you",
    format: "card_5x7",
    message,
    sender: { business_name: "Acme Plumbing" },
    ...extra,
  });
}

/** A campaign saved with a harmless message, whose message is then swapped in PostgreSQL. */
async function legacyCampaign(message: string, recipients = 3): Promise<string> {
  const res = await campaign("Dear {{firstName}}, thank you.");
  expect(res.status).toBe(201);
  const id = (await jsonOf(res)).id as string;
  const imported = await api.request(`/v1/campaigns/${id}/recipients`, {
    method: "POST",
    secret,
    headers: { "content-type": "text/csv" },
    body: recipientsCsv(recipients),
  });
  expect(imported.status).toBe(201);
  await ctx.deps.pool.query("UPDATE campaigns SET message = $2 WHERE id = $1", [id, message]);
  return id;
}

async function firstRecipient(campaignId: string): Promise<string> {
  const list = await jsonOf(
    await api.request(`/v1/campaigns/${campaignId}/recipients?limit=1`, { secret }),
  );
  return list.data[0].id as string;
}

/** Submits and waits (on PostgreSQL's state, not a clock) until no card is pending. */
async function submitAndSettle(campaignId: string) {
  expect(
    (await api.request(`/v1/campaigns/${campaignId}/submit`, { method: "POST", secret })).status,
  ).toBe(200);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await ctx.deps.pool.query<{
      status: string;
      failure_reason: string | null;
      attempts: number;
    }>("SELECT status, failure_reason, attempts FROM cards WHERE campaign_id = $1", [campaignId]);
    if (rows.length && rows.every((r) => r.status !== "pending")) return rows;
    if (Date.now() > deadline) throw new Error(`cards still pending: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("finding 1: a design names a server file", () => {
  const targets = [
    "../../../../../../etc/passwd",
    "/etc/shadow",
    "../../../../../../no/such/file.hbs",
    "/etc",
    `../../../../data/accounts/${"acct_x"}/campaigns/failures.csv`,
  ];

  it.each(["message", "signature", "footer", "name"])(
    "files.%s naming /etc/passwd, /etc/shadow, a missing path or a folder: one fixed 400, no oracle",
    async (part) => {
      const answers = new Set<string>();
      for (const target of targets) {
        const files = birthday();
        files["template.json"].files = { [part]: target };
        const res = await post("/v1/templates", { files });
        const body = await res.text();
        expect(res.status, body).toBe(400);
        expect(body).not.toMatch(PASSWD_LINE);
        const problem = JSON.parse(body);
        answers.add(`${problem.detail}|${JSON.stringify(problem.errors)}`);
      }
      // The same answer whatever the path: nothing tells whether it exists.
      expect(answers.size).toBe(1);
      expect([...answers][0]).toContain("a design names no files");
    },
  );

  it("part names are fixed: an uploaded file called ../../etc/passwd or x.hbs is refused", async () => {
    for (const name of ["../../etc/passwd", "../message.hbs", "other.hbs", "template.json/.."]) {
      const files: Record<string, unknown> = { ...birthday(), [name]: "{{firstName}}" };
      const res = await post("/v1/templates", { files });
      expect(res.status, name).toBe(400);
      expect((await jsonOf(res)).detail).toContain("not a design part");
    }
    const form = multipart([
      {
        name: "file",
        filename: "template.json",
        data: JSON.stringify(birthday()["template.json"]),
      },
      { name: "file", filename: "../../../../etc/passwd", data: "x" },
    ]);
    const res = await api.request("/v1/templates", {
      method: "POST",
      secret,
      headers: form.headers,
      body: form.payload,
    });
    expect(res.status).toBe(400);
  });

  it("no string a design holds is read as a path: every one set to /etc/passwd prints no file", async () => {
    const base = birthday()["template.json"];
    const leaves: string[][] = [];
    const walk = (node: unknown, path: string[]) => {
      if (typeof node === "string") {
        if (path.at(-1) !== "type" && path.at(-1) !== "id") leaves.push(path);
      } else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
      }
    };
    walk(base, []);
    expect(leaves.length).toBeGreaterThan(50);
    let accepted = 0;
    const printedAsWords: string[] = [];
    const tmp = await mkdtemp(path.join(tmpdir(), "cardmerge-attack-"));
    for (const leaf of leaves) {
      const json = structuredClone(base);
      let node = json as Record<string, unknown>;
      for (const key of leaf.slice(0, -1)) node = node[key] as Record<string, unknown>;
      node[leaf.at(-1) as string] = "../../../../../../etc/passwd";
      const res = await post("/v1/templates", { files: { ...birthday(), "template.json": json } });
      const body = await res.text();
      expect([201, 400], `${leaf.join("/")}: ${body}`).toContain(res.status);
      expect(body).not.toMatch(PASSWD_LINE);
      if (res.status !== 201) continue;
      accepted++;
      // Accepted as words (a name, a description, a design text): they print as those words.
      const design = JSON.parse(body).id as string;
      const cmp = await campaign("Dear {{firstName}}.", {
        template: design,
        format: "card_5x7",
        occasion: "birthday",
      });
      expect(cmp.status).toBe(201);
      const id = (await jsonOf(cmp)).id as string;
      await api.request(`/v1/campaigns/${id}/recipients`, {
        method: "POST",
        secret,
        headers: { "content-type": "text/csv" },
        body: recipientsCsv(1),
      });
      const proof = await api.request(
        `/v1/campaigns/${id}/recipients/${await firstRecipient(id)}/proof.pdf`,
        { secret },
      );
      if (proof.status !== 200) {
        // A design text too long for its box fails the proof with its reason: still no file.
        expect(proof.status).toBe(422);
        expect(await proof.text()).not.toMatch(PASSWD_LINE);
        continue;
      }
      const file = path.join(tmp, `${accepted}.pdf`);
      await writeFile(file, Buffer.from(await proof.arrayBuffer()));
      const text = await pdfText(file);
      // A design text prints the words; nothing prints the file they name.
      const printed = leaf[1] === "card_5x7" && leaf.at(-1) === "text";
      if (printed) expect(text).toContain("etc/passwd");
      expect(text).not.toMatch(PASSWD_LINE);
      printedAsWords.push(printed ? "text" : leaf.join("/"));
    }
    expect(printedAsWords).toEqual(expect.arrayContaining(["name", "description", "text"]));
  }, 120_000);
});

describe("finding 2: a 3 KB message nesting {{#each @root}} four deep", () => {
  const bomb = `${"{{#each @root}}".repeat(4)}${"{{firstName}} {{lastName}} {{city}} ".repeat(80)}${"{{/each}}".repeat(4)}`;

  it("is refused when the campaign is saved, naming the construct", async () => {
    expect(bomb.length).toBeGreaterThan(2500);
    const res = await campaign(bomb);
    expect(res.status).toBe(400);
    const problem = await jsonOf(res);
    expect(problem.errors[0]).toMatchObject({ field: "message" });
    expect(problem.errors[0].message).toContain("{{#each}} is not available");
    expect(problem.errors[0].message).toContain("line 1, column 1");
  });

  it("saved before the rules: its proof is a 422 with the reason, its card fails once, the campaign can end", async () => {
    const id = await legacyCampaign(bomb);
    const proof = await api.request(
      `/v1/campaigns/${id}/recipients/${await firstRecipient(id)}/proof.png`,
      { secret },
    );
    expect(proof.status).toBe(422);
    expect((await jsonOf(proof)).report.failure.reason).toBe("message_syntax");
    const cards = await submitAndSettle(id);
    for (const card of cards)
      expect(card).toMatchObject({
        status: "failed",
        failure_reason: "message_syntax",
        attempts: 1,
      });
  });
});

describe("finding 4: a custom design with thousands of layers", () => {
  const layered = (count: number) => {
    const files = birthday();
    files["template.json"].formats.postcard_4x6.faces.front.layers = Array.from(
      { length: count },
      (_, i) => ({
        type: "confetti",
        box: "full",
        count: 400,
        seed: i,
        colors: ["#112233"],
      }),
    );
    return files;
  };

  it.each([2000, 500, 41])("%i layers are refused at upload with the limit", async (count) => {
    const res = await post("/v1/templates", { files: layered(count) });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).detail).toContain("/formats/postcard_4x6/faces/front/layers");
  });

  it("40 layers of 400 shapes each: refused for the shapes a face may draw", async () => {
    const res = await post("/v1/templates", { files: layered(40) });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).detail).toContain("at most 1000 scattered shapes");
  });

  it("stored before the rules: its proof is a 422 design_invalid and the API stays up", async () => {
    const ok = await post("/v1/templates", { files: birthday() });
    expect(ok.status).toBe(201);
    const design = (await jsonOf(ok)).id as string;
    const { rows } = await ctx.deps.pool.query<{ storage_prefix: string }>(
      "SELECT storage_prefix FROM templates WHERE id = $1",
      [design],
    );
    const json = layered(2000)["template.json"];
    json.id = design;
    await ctx.deps.storage.put(
      `${rows[0]?.storage_prefix}/template.json`,
      Buffer.from(JSON.stringify(json)),
    );
    // The API process has not read this design yet, so it meets the stored (legacy) one.
    const cmp = await ctx.deps.pool.query<{ id: string }>(
      `INSERT INTO campaigns (id, account_id, name, occasion, template_id, format, message, sender)
       VALUES ($1, $2, 'Legacy', 'birthday', $3, 'postcard_4x6', NULL, $4) RETURNING id`,
      [newId("cmp"), accountId, design, JSON.stringify({ businessName: "Acme" })],
    );
    const id = cmp.rows[0]?.id as string;
    const imported = await api.request(`/v1/campaigns/${id}/recipients`, {
      method: "POST",
      secret,
      headers: { "content-type": "text/csv" },
      body: recipientsCsv(1),
    });
    expect(imported.status).toBe(422);
    expect((await jsonOf(imported)).detail).toContain("no longer passes validation");
  });
});

describe("finding 5: {{log}} writes tenant text into the service log", () => {
  const forged = `{{log '{"level":60,"msg":"forged by a tenant"}' firstName lastName addressLine1 level="error"}}`;

  it("is refused when the campaign is saved", async () => {
    const res = await campaign(`Dear {{firstName}} ${forged}`);
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).errors[0].message).toContain("{{log}} is not available");
  });

  it("saved before the rules: rendering writes nothing of it, nor the recipient, to either log", async () => {
    const id = await legacyCampaign(`Dear {{firstName}} ${forged}`, 2);
    await api.request(`/v1/campaigns/${id}/recipients/${await firstRecipient(id)}/proof.pdf`, {
      secret,
    });
    const cards = await submitAndSettle(id);
    expect(cards.every((c) => c.failure_reason === "message_syntax")).toBe(true);
    for (const log of [api.log(), worker.output()]) {
      expect(log).not.toContain("forged by a tenant");
      expect(log).not.toContain("100 Main Street");
      expect(log).not.toMatch(/"level":60/);
    }
  });
});

describe("finding 7: a helper that does not exist", () => {
  it("{{nosuch x}} is refused at save, naming it", async () => {
    const res = await campaign("Dear {{nosuch firstName}}");
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).errors[0].message).toContain("unknown helper {{nosuch}}");
  });

  it("in a design's text too", async () => {
    const files = { ...birthday(), "signature.hbs": "{{nosuch signature}}" };
    const res = await post("/v1/templates", { files });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).detail).toContain("signature.hbs");
  });

  it("an unknown variable in a design's own text is refused when a campaign is saved with it", async () => {
    const uploaded = await post("/v1/templates", {
      files: { ...birthday(), "footer.hbs": "{{nosuchField}}" },
    });
    expect(uploaded.status).toBe(201);
    const res = await campaign("Dear {{firstName}}", {
      template: (await jsonOf(uploaded)).id,
      format: "postcard_4x6",
    });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).errors).toEqual([
      expect.objectContaining({
        field: "template.footer",
        message: expect.stringContaining("{{nosuchField}}"),
      }),
    ]);
  });

  it("saved before the rules: the proof is a 422, not a 500; the card fails at its first attempt, not its 61st", async () => {
    const id = await legacyCampaign("Dear {{nosuch firstName}}", 2);
    const proof = await api.request(
      `/v1/campaigns/${id}/recipients/${await firstRecipient(id)}/proof.pdf`,
      { secret },
    );
    expect(proof.status).toBe(422);
    expect((await jsonOf(proof)).report.failure.detail).toContain("unknown helper {{nosuch}}");
    const cards = await submitAndSettle(id);
    for (const card of cards)
      expect(card).toMatchObject({
        status: "failed",
        failure_reason: "message_syntax",
        attempts: 1,
      });
  });
});
