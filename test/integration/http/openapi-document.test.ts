/**
 * The OpenAPI document is what generators and Swagger UI's "Try it out" read: it must be valid
 * OpenAPI 3.1 (checked by @seriousme/openapi-schema-validator against the official schemas, with
 * every $ref resolved), and every route Fastify registers must be in it with its request body,
 * its success and its problem+json errors.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  parameters?: { in: string; name: string }[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const routes: RouteOptions[] = [];
let ctx: TestContext;
let doc: Document;
beforeAll(async () => {
  ctx = await createTestContext(
    {},
    { app: { onRoute: (route: RouteOptions) => routes.push(route) } },
  );
  doc = (await ctx.app.inject({ url: "/openapi.json" })).json();
});
afterAll(() => ctx.close());

/** Served but not part of the API: the document itself, its page and the operators' queue board. */
const undocumented = (url: string) =>
  url === "/openapi.json" || url.startsWith("/docs") || url.startsWith("/admin/queues");

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
const PROBLEM = "#/components/schemas/Problem";

/** What each registered route lacks in the document (empty when it is complete). */
function gaps(registered: RouteOptions[], document: Document): string[] {
  const found: string[] = [];
  for (const route of registered) {
    if (route.schema?.hide || undocumented(route.url)) continue;
    const path = route.url.replaceAll(/:(\w+)/g, "{$1}");
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      const name = `${method} ${path}`;
      const op = document.paths[path]?.[method.toLowerCase()];
      if (!op) {
        found.push(`${name}: not documented`);
        continue;
      }
      if (BODY_METHODS.has(method) && !route.schema?.noBody) {
        const content = op.requestBody?.content ?? {};
        if (!Object.keys(content).length) found.push(`${name}: no request body`);
        for (const [type, media] of Object.entries(content)) {
          if (!media.schema) found.push(`${name}: request body ${type} has no schema`);
        }
      }
      for (const param of path.match(/\{\w+\}/g) ?? []) {
        const p = param.slice(1, -1);
        if (!op.parameters?.some((x) => x.in === "path" && x.name === p)) {
          found.push(`${name}: path parameter ${p} not documented`);
        }
      }
      if (method === "POST" && path.startsWith("/v1/")) {
        if (!op.parameters?.some((x) => x.in === "header" && x.name === "idempotency-key")) {
          found.push(`${name}: Idempotency-Key not documented`);
        }
      }
      const responses = Object.entries(op.responses ?? {});
      const successes = responses.filter(([status]) => /^[23]/.test(status));
      if (!successes.length) found.push(`${name}: no success response`);
      for (const [status, response] of successes) {
        const bare = status === "204" || status === "304" || status.startsWith("3");
        if (!bare && !Object.keys(response.content ?? {}).length) {
          found.push(`${name}: ${status} has no content type`);
        }
      }
      const errors = responses.filter(([status]) => /^[45]/.test(status));
      if (!errors.length) found.push(`${name}: no error response`);
      for (const [status, response] of errors) {
        // /readyz answers its 503 with the same JSON as its 200 (monitors read the checks).
        if (path === "/readyz" && status === "503") continue;
        if (response.content?.["application/problem+json"]?.schema?.$ref !== PROBLEM) {
          found.push(`${name}: ${status} is not the shared problem+json`);
        }
      }
      const statuses = new Set(responses.map(([s]) => s));
      if (path.startsWith("/v1/") && !statuses.has("401")) found.push(`${name}: no 401`);
      if (path.includes("{") && !statuses.has("404")) found.push(`${name}: no 404`);
    }
  }
  return found;
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 and every $ref resolves", async () => {
    const validator = new Validator();
    const result = await validator.validate(
      structuredClone(doc) as unknown as Parameters<Validator["validate"]>[0],
    );
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("documents every route Fastify registered: body, success and problem+json errors", () => {
    expect(routes.filter((r) => r.url.startsWith("/v1/")).length).toBeGreaterThan(50);
    expect(gaps(routes, doc)).toEqual([]);
  });

  it("names the gap when a route's body or errors are missing", () => {
    const broken = structuredClone(doc);
    const create = broken.paths["/v1/campaigns"]?.post;
    const upload = broken.paths["/v1/campaigns/{id}/recipients"]?.post;
    if (!create || !upload) throw new Error("the campaign routes are not documented");
    delete create.requestBody;
    delete upload.responses?.["404"];
    expect(gaps(routes, broken)).toEqual([
      "POST /v1/campaigns: no request body",
      "POST /v1/campaigns/{id}/recipients: no 404",
    ]);
  });

  it("documents the uploads Fastify does not parse: CSV, streamed JSON, multipart with a file", () => {
    const recipients = doc.paths["/v1/campaigns/{id}/recipients"]?.post?.requestBody?.content;
    expect(Object.keys(recipients ?? {}).sort()).toEqual([
      "application/json",
      "multipart/form-data",
      "text/csv",
    ]);
    expect(recipients?.["multipart/form-data"]?.schema).toMatchObject({
      properties: { file: { type: "string", format: "binary" } },
      required: ["file"],
    });
    const photos = doc.paths["/v1/photos"]?.post?.requestBody?.content;
    expect(photos?.["multipart/form-data"]?.schema).toMatchObject({ required: ["file"] });
    expect(doc.paths["/v1/contacts/import"]?.post?.requestBody?.content).toHaveProperty([
      "text/csv",
    ]);
  });

  it("names its components and refers to them", () => {
    for (const name of ["Campaign", "CampaignList", "Batch", "Recipient", "Event", "Problem"]) {
      expect(doc.components.schemas, name).toHaveProperty([name]);
    }
    const get = doc.paths["/v1/campaigns/{id}"]?.get?.responses?.["200"];
    expect(get?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/Campaign",
    });
    expect(doc.components.schemas.Problem).toMatchObject({
      required: ["type", "title", "status", "detail"],
    });
    const zip = doc.paths["/v1/batches/{id}/zip"]?.get?.responses?.["200"]?.content;
    expect(Object.keys(zip ?? {})).toEqual(["application/zip"]);
  });

  it("keeps the streaming uploads working: a text/csv import still imports", async () => {
    const { secret } = await ctx.account();
    const auth = { authorization: `Bearer ${secret}` };
    const campaign = await ctx.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: auth,
      payload: {
        name: "Thanks",
        occasion: "thank_you",
        template: "thank-you",
        format: "card_5x7",
        sender: { business_name: "Acme" },
      },
    });
    expect(campaign.statusCode).toBe(201);
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaign.json().id}/recipients`,
      headers: { ...auth, "content-type": "text/csv" },
      payload:
        "First Name,Last Name,Address,City,State,Zip,Country\nAda,Lovelace,1 Main St,Springfield,IL,62701,US\n",
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ imported: 1 });
  });
});
