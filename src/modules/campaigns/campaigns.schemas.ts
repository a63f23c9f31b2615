import { Type } from "typebox";
import { AddressJsonSchema, Nullable } from "../shared/json-schemas.ts";

export const OCCASIONS = [
  "thank_you",
  "birthday",
  "october_holiday",
  "anniversary",
  "custom",
] as const;
export const FORMATS = [
  "postcard_4x6",
  "postcard_6x9",
  "postcard_6x11",
  "card_5x7",
  "a2_folded",
] as const;
export const CAMPAIGN_STATUSES = [
  "draft",
  "scheduled",
  "rendering",
  "batching",
  "ready",
  "cancelled",
  "failed",
] as const;

const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values] });

export const AddressSchema = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postal_code: Type.Optional(Type.String({ maxLength: 20 })),
    country: Type.String({ pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" }),
  },
  { additionalProperties: false },
);

export const SenderSchema = Type.Object(
  {
    business_name: Type.String({ minLength: 1, maxLength: 120 }),
    signature: Type.Optional(Type.String({ maxLength: 200 })),
    return_address: Type.Optional(AddressSchema),
  },
  { additionalProperties: false },
);

/** The sender as answers show it (sender.ts senderJson): absent parts are null. */
export const SenderJsonSchema = Type.Object(
  {
    business_name: Type.String(),
    signature: Nullable(Type.String()),
    return_address: Type.Union([AddressJsonSchema, Type.Null()]),
  },
  { $id: "Sender" },
);

/** What a campaign and an automation both show of their card (card-design-json.ts writes it). */
export const CardDesignProperties = {
  name: Type.String(),
  occasion: Type.String(),
  template: Type.String(),
  format: Type.String(),
  message: Type.Union([Type.String(), Type.Null()]),
  merge_fields: Type.Array(Type.String()),
  sender: SenderJsonSchema,
  photo_id: Type.Union([Type.String(), Type.Null()]),
  landing_url: Type.Union([Type.String(), Type.Null()]),
};

const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
  maxProperties: 20,
  description: "Your own key/values (up to 20), returned as given.",
});

const campaignFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  occasion: literals(OCCASIONS),
  template: Type.String({
    minLength: 1,
    maxLength: 64,
    description:
      "A built-in template id (thank-you, birthday, october-holiday, handwritten-note) or one of yours (tmpl_…).",
  }),
  format: literals(FORMATS),
  message: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 5000 }), Type.Null()], {
      description:
        "Handlebars, e.g. 'Dear {{firstName}}, thank you for choosing {{businessName}}.' Null or absent: the template's default.",
    }),
  ),
  merge_fields: Type.Optional(
    Type.Array(Type.String({ pattern: "^[a-z][A-Za-z0-9]{0,63}$" }), {
      maxItems: 50,
      uniqueItems: true,
      description:
        "Custom variables the message uses (CSV columns folded to camelCase, e.g. lastPurchase). Every recipient must supply them.",
    }),
  ),
  sender: SenderSchema,
  photo_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  metadata: Type.Optional(Metadata),
  landing_url: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], {
      description:
        "Where each card's QR code leads (http or https, no credentials). With it, every card gets its own short URL as a QR code on its back; scans are counted. Metadata utm_campaign, utm_content and utm_term override the UTM tags.",
    }),
  ),
};

export const CreateCampaignBody = Type.Object(campaignFields, { additionalProperties: false });
export const UpdateCampaignBody = Type.Partial(
  Type.Object(campaignFields, { additionalProperties: false }),
  {
    additionalProperties: false,
    minProperties: 1,
  },
);

export const CampaignSchema = Type.Object(
  {
    object: Type.Literal("campaign"),
    id: Type.String(),
    ...CardDesignProperties,
    metadata: Type.Record(Type.String(), Type.String()),
    scans: Type.Object(
      { total: Type.Integer(), cards: Type.Integer() },
      { description: "QR code scans so far, and how many of the cards were scanned." },
    ),
    status: Type.String(),
    send_at: Type.Union([Type.String(), Type.Null()]),
    automation_id: Type.Union([Type.String(), Type.Null()], {
      description:
        "The automation whose day this campaign is (its cards are made by the daily run).",
    }),
    send_date: Type.Union([Type.String(), Type.Null()], {
      description: "An automation's day: the day its cards were made and batched.",
    }),
    recipients: Type.Integer({ description: "Recipients imported so far." }),
    cards: Type.Object(
      { pending: Type.Integer(), rendered: Type.Integer(), failed: Type.Integer() },
      { description: "Cards by outcome, once submitted." },
    ),
    batches: Type.Array(
      Type.Object({
        id: Type.String(),
        format: Type.String(),
        number: Type.Integer(),
        cards: Type.Integer(),
        status: Type.String({
          description: "assembling, ready, downloaded, printed, mailed, or failed (see failure)",
        }),
        failure: Type.Union([Type.String(), Type.Null()], {
          description: "Why a failed batch could not be assembled.",
        }),
      }),
    ),
    submitted_at: Type.Union([Type.String(), Type.Null()]),
    rendering_at: Type.Union([Type.String(), Type.Null()]),
    batching_at: Type.Union([Type.String(), Type.Null()]),
    ready_at: Type.Union([Type.String(), Type.Null()]),
    cancelled_at: Type.Union([Type.String(), Type.Null()]),
    failed_at: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: "Campaign" },
);

export const CampaignIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
