import { Type } from "typebox";
import { MAX_URL_LENGTH } from "./webhook-url.ts";

const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  minItems: 1,
  maxItems: 64,
  description:
    'Event types to receive: names such as "batch.ready", prefixes such as "batch.*", or "*".',
});
const Url = Type.String({
  minLength: 1,
  maxLength: MAX_URL_LENGTH,
  description: "Where events are POSTed: https (or http) with no user name or password.",
});
// Null first: with type coercion on, a string-first union would turn null into "".
const Description = Type.Union([Type.Null(), Type.String({ maxLength: 500 })]);

export const CreateEndpointBody = Type.Object(
  { url: Url, event_types: EventTypes, description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Description),
    status: Type.Optional(
      Type.Union([Type.Literal("enabled"), Type.Literal("disabled")], {
        description:
          "Enabling a disabled endpoint starts it afresh; past deliveries can be re-sent.",
      }),
    ),
  },
  { additionalProperties: false },
);

const fields = {
  object: Type.Literal("webhook_endpoint"),
  id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  event_types: Type.Array(Type.String()),
  status: Type.Union([Type.Literal("enabled"), Type.Literal("disabled")]),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  mode: Type.Union([Type.Literal("live"), Type.Literal("test")]),
  previous_secret_expires_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description:
      "Until then, deliveries carry a second v1 signature made with the previous secret.",
  }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
};

export const EndpointSchema = Type.Object(fields, { $id: "WebhookEndpoint" });
export const EndpointWithSecretSchema = Type.Object(
  {
    ...fields,
    secret: Type.String({ description: "whsec_…: shown only now. Verify deliveries with it." }),
  },
  { $id: "WebhookEndpointWithSecret" },
);

export const EndpointIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const DeliveryIdParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  delivery_id: Type.String({ maxLength: 64 }),
});

export const DeliveryQuery = Type.Object({
  status: Type.Optional(
    Type.Union([Type.Literal("pending"), Type.Literal("succeeded"), Type.Literal("failed")]),
  ),
});

export const DeliverySchema = Type.Object(
  {
    object: Type.Literal("webhook_delivery"),
    id: Type.String(),
    endpoint_id: Type.String(),
    event_id: Type.String(),
    event_type: Type.String(),
    status: Type.Union([
      Type.Literal("pending"),
      Type.Literal("succeeded"),
      Type.Literal("failed"),
    ]),
    attempt_count: Type.Integer(),
    next_attempt_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Array(
      Type.Object({
        status_code: Type.Union([Type.Integer(), Type.Null()]),
        outcome: Type.Union([Type.Literal("succeeded"), Type.Literal("failed")]),
        error: Type.Union([Type.String(), Type.Null()]),
        duration_ms: Type.Integer(),
        created_at: Type.String({ format: "date-time" }),
      }),
      { description: "The last 20 attempts, oldest first." },
    ),
    created_at: Type.String({ format: "date-time" }),
    completed_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { $id: "WebhookDelivery" },
);
