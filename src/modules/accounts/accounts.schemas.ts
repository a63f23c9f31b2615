import { Type } from "typebox";
import type { PostalAddress } from "../../render/card-data.ts";
import { SHEET_IDS } from "../../render/index.ts";
import { AddressJsonSchema, Nullable } from "../shared/json-schemas.ts";
import type { ApiKeyRow } from "./accounts.repository.ts";

export const ScopeSchema = Type.Union([
  Type.Literal("campaigns"),
  Type.Literal("batches"),
  Type.Literal("admin"),
]);

export const ModeSchema = Type.Union([Type.Literal("live"), Type.Literal("test")], {
  description:
    "live: real mail. test: the account's test mode; its objects are seen only by test keys, its cards carry a SAMPLE mark and its batches reach only test vendor keys.",
});

export const ColorModeSchema = Type.Union([Type.Literal("rgb"), Type.Literal("cmyk")], {
  description:
    "rgb: sRGB batches (the default). cmyk: photos separated with the press profile and every design colour written as CMYK; batches declare the profile as their output intent. A campaign takes the account's mode when it is submitted.",
});

export const AccountSchema = Type.Object(
  {
    object: Type.Literal("account"),
    id: Type.String(),
    name: Type.String(),
    time_zone: Type.String({ description: "IANA time zone of the account's days (automations)." }),
    send_hour: Type.Integer({
      description:
        "From this hour of its day (0–23, the account's time zone) the day's cards are made.",
    }),
    mode: ModeSchema,
    imposition_sheet: Type.String({
      description:
        "The print vendor's press sheet (12x18, 13x19, 11x17, sra3): the default of imposed PDFs.",
    }),
    color_mode: ColorModeSchema,
    return_address: Type.Union([AddressJsonSchema, Type.Null()], {
      description: "The account's return address (the sender's), or null when none is set.",
    }),
    key: Type.Object({
      id: Type.String(),
      prefix: Type.String(),
      scopes: Type.Array(ScopeSchema),
      mode: ModeSchema,
    }),
  },
  { $id: "Account" },
);

export const UpdateAccountBody = Type.Object(
  {
    time_zone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "e.g. America/Los_Angeles" }),
    ),
    send_hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
    imposition_sheet: Type.Optional(Type.Unsafe<string>({ type: "string", enum: SHEET_IDS })),
    color_mode: Type.Optional(ColorModeSchema),
    return_address: Type.Optional(
      Type.Union(
        [
          Type.Object(
            {
              line1: Type.String({ minLength: 1, maxLength: 300 }),
              line2: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
              city: Type.String({ minLength: 1, maxLength: 200 }),
              region: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
              postal_code: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
              country: Type.Optional(
                Nullable(
                  Type.String({
                    maxLength: 100,
                    description: "ISO 3166-1 alpha-2 or a country name; the account's if left out.",
                  }),
                ),
              ),
            },
            { additionalProperties: false },
          ),
          Type.Null(),
        ],
        {
          description:
            "The account's return address; its region and postal code are checked for the country. null removes it.",
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ApiKeySchema = Type.Object(
  {
    object: Type.Literal("api_key"),
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: "The first characters of the key, to tell keys apart." }),
    scopes: Type.Array(ScopeSchema),
    mode: ModeSchema,
    created_at: Type.String({ format: "date-time" }),
    last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    revoked_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { $id: "ApiKey" },
);

export const CreatedApiKeySchema = Type.Intersect(
  [
    ApiKeySchema,
    Type.Object({
      secret: Type.String({ description: "The key itself. Shown once: store it now." }),
    }),
  ],
  { $id: "CreatedApiKey" },
);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 100 })),
    scopes: Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true }),
    mode: Type.Optional(
      Type.Union([Type.Literal("live"), Type.Literal("test")], {
        description:
          "live (default; a test key may make only test keys) or test: a cmk_test_ key for the account's test mode.",
      }),
    ),
  },
  { additionalProperties: false },
);

export function apiKeyJson(row: ApiKeyRow) {
  return {
    object: "api_key" as const,
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    mode: row.mode,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

/** A stored return address as answers show it. */
export const returnAddressJson = (a: PostalAddress | null) =>
  a
    ? {
        line1: a.line1,
        line2: a.line2 ?? null,
        city: a.city,
        region: a.region ?? null,
        postal_code: a.postalCode ?? null,
        country: a.country,
      }
    : null;
