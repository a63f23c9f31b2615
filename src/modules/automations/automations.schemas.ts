import { Type } from "typebox";
import { CardDesignProperties, FORMATS, SenderSchema } from "../campaigns/campaigns.schemas.ts";
import { Nullable } from "../shared/json-schemas.ts";
import { AUTOMATION_OCCASIONS } from "./automations.repository.ts";
import { SKIP_REASONS } from "./occurrences.repository.ts";

const literals = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });

const Day = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}$",
  description: "A calendar day, YYYY-MM-DD.",
});
const MonthDay = Type.String({ pattern: "^\\d{2}-\\d{2}$", description: "MM-DD" });

const designFields = {
  name: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Names its days\' campaigns ("Birthday cards · 2027-03-04"). Default by occasion.',
  }),
  template: Type.String({
    minLength: 1,
    maxLength: 64,
    description:
      "A built-in template id (birthday, thank-you, october-holiday, handwritten-note) or one of yours.",
  }),
  format: literals(FORMATS),
  message: Type.Union([Type.String({ minLength: 1, maxLength: 5000 }), Type.Null()], {
    description:
      "Handlebars, checked like a campaign's. Contacts supply the standard variables, spouseName, children, their custom fields listed in merge_fields, and {{years}} (anniversaries: years married on the day).",
  }),
  merge_fields: Type.Array(Type.String({ pattern: "^[a-z][A-Za-z0-9]{0,63}$" }), {
    maxItems: 50,
    uniqueItems: true,
    description:
      "Custom variables the message uses: contacts' custom fields, or (thank_you) the merge data each send carries. A contact without a value for one the message prints gets no card (missing_field).",
  }),
  sender: SenderSchema,
  photo_id: Nullable(Type.String({ maxLength: 64 })),
  landing_url: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        "Where each card's QR code leads (http or https, no credentials); its days' campaigns carry it.",
    }),
  ),
  tag: Nullable(
    Type.String({ minLength: 1, maxLength: 64, description: "Only contacts with this tag." }),
  ),
  active: Type.Boolean({
    description: "A paused automation makes nothing; resumed, it starts from today.",
  }),
  lead_days: Type.Integer({
    minimum: 0,
    maximum: 60,
    description: "Days before the occasion its card goes into a print batch (default 10).",
  }),
  send_late: Type.Boolean({
    description:
      "A contact added or changed after its send day, whose occasion is still ahead, gets its card in the next day's batch (default false: too_late).",
  }),
  window: Type.Union([
    Type.Object(
      { start: MonthDay, end: MonthDay },
      {
        additionalProperties: false,
        description:
          "october_holiday: the days its cards go out, spread evenly (default 10-01 to 10-15, at most 61 days).",
      },
    ),
    Type.Null(),
  ]),
};

export const CreateAutomationBody = Type.Object(
  {
    occasion: literals(AUTOMATION_OCCASIONS),
    name: Type.Optional(designFields.name),
    template: designFields.template,
    format: designFields.format,
    message: Type.Optional(designFields.message),
    merge_fields: Type.Optional(designFields.merge_fields),
    sender: designFields.sender,
    photo_id: Type.Optional(designFields.photo_id),
    landing_url: Type.Optional(designFields.landing_url),
    tag: Type.Optional(designFields.tag),
    active: Type.Optional(designFields.active),
    lead_days: Type.Optional(designFields.lead_days),
    send_late: Type.Optional(designFields.send_late),
    window: Type.Optional(designFields.window),
  },
  { additionalProperties: false },
);

export const UpdateAutomationBody = Type.Partial(
  Type.Object(designFields, { additionalProperties: false }),
  { additionalProperties: false, minProperties: 1 },
);

export const AutomationSchema = Type.Object(
  {
    object: Type.Literal("automation"),
    id: Type.String(),
    ...CardDesignProperties,
    tag: Type.Union([Type.String(), Type.Null()]),
    active: Type.Boolean(),
    lead_days: Type.Integer(),
    send_late: Type.Boolean(),
    window: Type.Union([Type.Object({ start: Type.String(), end: Type.String() }), Type.Null()]),
    last_run_date: Type.String({ description: "The last day the daily run has done." }),
    counts: Type.Optional(
      Type.Object(
        {
          sent_this_year: Type.Integer(),
          upcoming_30_days: Type.Integer(),
          skipped_this_year: Type.Record(Type.String(), Type.Integer()),
        },
        { description: "This year by the account's calendar; upcoming from today for 30 days." },
      ),
    ),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: "Automation" },
);

export const AutomationIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const UpcomingQuery = Type.Object({
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(Type.String({ maxLength: 200 })),
});

export const UpcomingItemSchema = Type.Object({
  object: Type.Literal("upcoming_card"),
  contact_id: Type.String(),
  contact_name: Type.Union([Type.String(), Type.Null()]),
  occasion_date: Type.String(),
  send_date: Type.String({ description: "The day its card is (or was) made and batched." }),
  skip_reason: Type.Union([literals(SKIP_REASONS), Type.Null()], {
    description: "Why no card will be made; null when one will.",
  }),
  send_id: Type.Union([Type.String(), Type.Null()]),
  campaign_id: Type.Union([Type.String(), Type.Null()]),
});

export const UpcomingSchema = Type.Object(
  {
    object: Type.Literal("list"),
    from: Type.String(),
    to: Type.String(),
    data: Type.Array(UpcomingItemSchema),
    has_more: Type.Boolean(),
    next_after: Type.Union([Type.String(), Type.Null()]),
    totals: Type.Object(
      {
        cards: Type.Integer(),
        skipped: Type.Record(Type.String(), Type.Integer()),
      },
      { description: "Over the whole range, not just this page." },
    ),
  },
  { $id: "AutomationUpcoming" },
);

export const AutomationCardSchema = Type.Object(
  {
    object: Type.Literal("card"),
    id: Type.String(),
    campaign_id: Type.String(),
    contact_id: Type.String(),
    recipient_name: Type.String(),
    send_date: Type.String(),
    occasion_date: Type.String(),
    status: Type.String({ description: "pending, rendered or failed" }),
    failure_reason: Type.Union([Type.String(), Type.Null()]),
    batch_id: Type.Union([Type.String(), Type.Null()]),
    pdf_url: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: "AutomationCard" },
);

const MergeData = Type.Record(
  Type.String({ pattern: "^[a-z][A-Za-z0-9]{0,63}$" }),
  Type.String({ maxLength: 500 }),
  {
    maxProperties: 20,
    // A record's key pattern is only a patternProperties entry: without this, any key passes.
    additionalProperties: false,
    description: 'Extra merge data for this card, e.g. {"lastPurchase": "water heater"}.',
  },
);

export const CreateSendBody = Type.Object(
  {
    contact_id: Type.Optional(Type.String({ maxLength: 64 })),
    external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    contact: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
        description:
          "A contact as POST /v1/contacts takes it, upserted by its external_id (when given) first.",
      }),
    ),
    merge: Type.Optional(MergeData),
    photo_id: Type.Optional(Type.String({ maxLength: 64, description: "A photo of the job." })),
    delay_days: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 60, description: "Days to wait before batching it." }),
    ),
  },
  { additionalProperties: false },
);

export const SendSchema = Type.Object(
  {
    object: Type.Literal("automation_send"),
    id: Type.String(),
    automation_id: Type.String(),
    contact_id: Type.String(),
    send_date: Type.String(),
    status: Type.String({ description: "waiting, made or skipped" }),
    skip_reason: Type.Union([Type.String(), Type.Null()]),
    campaign_id: Type.Union([Type.String(), Type.Null()]),
    merge: Type.Record(Type.String(), Type.String()),
    photo_id: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
  },
  { $id: "AutomationSend" },
);
