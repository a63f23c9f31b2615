/**
 * The delivery signature, Stripe's scheme under our name: `Cardmerge-Signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The timestamp is signed too, so a receiver that
 * refuses old timestamps cannot be replayed an old delivery. While a rolled secret is still
 * valid, the header carries one v1 per secret (new first) and a receiver accepts either.
 */
import { createHmac, randomBytes } from "node:crypto";

export const SIGNATURE_HEADER = "cardmerge-signature";

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

export function sign(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function signatureHeader(secrets: string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${sign(s, timestamp, body)}`)].join(",");
}
