/**
 * The sender as the API and campaign files write it (snake_case, optional parts omitted or null)
 * and as cards carry it ({@link Sender}).
 */
import type { PostalAddress, Sender } from "../../render/card-data.ts";

export interface AddressInput {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postal_code?: string;
  country: string;
}

export interface SenderInput {
  business_name: string;
  signature?: string;
  return_address?: AddressInput;
}

const toAddress = (a: AddressInput): PostalAddress => ({
  line1: a.line1,
  ...(a.line2 ? { line2: a.line2 } : {}),
  city: a.city,
  ...(a.region ? { region: a.region } : {}),
  ...(a.postal_code ? { postalCode: a.postal_code } : {}),
  country: a.country,
});

export const toSender = (s: SenderInput): Sender => ({
  businessName: s.business_name,
  ...(s.signature ? { signature: s.signature } : {}),
  ...(s.return_address ? { returnAddress: toAddress(s.return_address) } : {}),
});

export const senderJson = (s: Sender) => ({
  business_name: s.businessName,
  signature: s.signature ?? null,
  return_address: s.returnAddress
    ? {
        line1: s.returnAddress.line1,
        line2: s.returnAddress.line2 ?? null,
        city: s.returnAddress.city,
        region: s.returnAddress.region ?? null,
        postal_code: s.returnAddress.postalCode ?? null,
        country: s.returnAddress.country,
      }
    : null,
});
