import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AppError } from "../../errors.ts";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import type { AccountRow } from "./accounts.repository.ts";
import {
  AccountSchema,
  ApiKeySchema,
  apiKeyJson,
  CreateApiKeyBody,
  CreatedApiKeySchema,
  returnAddressJson,
  UpdateAccountBody,
} from "./accounts.schemas.ts";
import type { AccountsService, AuthContext } from "./accounts.service.ts";

const accountJson = (auth: AuthContext, row: AccountRow) => ({
  object: "account" as const,
  id: row.id,
  name: row.name,
  time_zone: row.time_zone,
  send_hour: row.send_hour,
  mode: auth.mode,
  imposition_sheet: row.imposition_sheet,
  color_mode: row.color_mode,
  return_address: returnAddressJson(row.return_address),
  key: { id: auth.keyId, prefix: auth.keyPrefix, scopes: auth.scopes, mode: auth.mode },
});

export const accountsRoutes: FastifyPluginAsyncTypebox<{ accounts: AccountsService }> = async (
  app,
  { accounts },
) => {
  app.get(
    "/v1/account",
    {
      schema: {
        tags: ["account"],
        summary: "The account of the API key in use",
        response: { 200: AccountSchema },
      },
    },
    async (request) => {
      const auth = authOf(request);
      return accountJson(auth, await accounts.getAccount(auth.liveAccountId));
    },
  );

  app.patch(
    "/v1/account",
    {
      config: { scope: "admin" },
      schema: {
        tags: ["account"],
        summary:
          "Set the account's time zone and send hour (when automations make each day's cards), its vendor's press sheet, print colour and return address",
        body: UpdateAccountBody,
        response: { 200: AccountSchema },
      },
    },
    async (request) => {
      const auth = authOf(request);
      return accountJson(auth, await accounts.updateClock(auth.liveAccountId, request.body));
    },
  );

  app.get(
    "/v1/api_keys",
    {
      config: { scope: "admin" },
      schema: {
        tags: ["account"],
        summary: "List the account's API keys",
        querystring: PageQuery,
        response: { 200: listOf(ApiKeySchema) },
      },
    },
    async (request) => {
      const auth = authOf(request);
      // A test key sees only test keys: test mode must not reveal or reach the live ones.
      const rows = await accounts.listKeys(
        auth.liveAccountId,
        pageOf(request.query, "time"),
        auth.mode === "test" ? "test" : undefined,
      );
      return toList(rows, request.query.limit, apiKeyJson);
    },
  );

  app.post(
    "/v1/api_keys",
    {
      config: { scope: "admin" },
      schema: {
        tags: ["account"],
        summary: "Create an API key",
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      if (auth.mode === "test" && request.body.mode !== "test") {
        throw new AppError(
          "forbidden",
          'A test key can make only test keys: send "mode": "test", or use a live admin key.',
        );
      }
      const { key, secret } = await accounts.createKey(auth.liveAccountId, request.body);
      return reply.code(201).send({ ...apiKeyJson(key), secret });
    },
  );

  app.post(
    "/v1/api_keys/:id/revoke",
    {
      config: { scope: "admin" },
      schema: {
        tags: ["account"],
        summary: "Revoke an API key (it stops working at once)",
        params: Type.Object({ id: Type.String() }),
        noBody: true,
        response: { 200: ApiKeySchema },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const mode = auth.mode === "test" ? "test" : undefined;
      return apiKeyJson(await accounts.revokeKey(auth.liveAccountId, request.params.id, mode));
    },
  );
};
