/**
 * Everything one card is rendered from, gathered from the database and storage: the template, the
 * campaign's design and sender, the recipient's data and the photo's print master.
 * Used by proofs (API) and by the render workers alike, so a proof is the card that prints.
 */

import { createHash } from "node:crypto";
import {
  type CardData,
  type CardInput,
  CardRenderError,
  type FormatId,
  type Photo,
  type Recipient,
  TemplateError,
} from "../../render/index.ts";
import type { Storage } from "../../storage/storage.ts";
import type { CampaignRow } from "../campaigns/campaigns.repository.ts";
import type { PhotoRow } from "../photos/photos.repository.ts";
import type { TemplatesService } from "../templates/templates.service.ts";

/** What of a campaign a card is drawn from. */
export type CardDesign = Pick<
  CampaignRow,
  | "account_id"
  | "name"
  | "occasion"
  | "template_id"
  | "format"
  | "message"
  | "sender"
  | "photo_id"
  | "mode"
>;

export function cardData(design: CardDesign, recipient: Recipient): CardData {
  return {
    recipient,
    sender: design.sender,
    campaign: { name: design.name, occasion: design.occasion },
  };
}

/** Where a loaded photo's bytes are stored (what a card stored without its photo names). */
const storedAt = new WeakMap<Photo, { key: string; bytes: number; sha256: string }>();

/** The storage object a photo from a {@link createPhotoLoader} was read from, with its size and hash. */
export const photoRef = (photo: Photo | undefined) => (photo ? storedAt.get(photo) : undefined);

/** Loads photo masters by id, keeping the most recent few in memory (a shared photo is read once). */
export function createPhotoLoader(deps: {
  storage: Storage;
  findPhoto: (accountId: string, id: string) => Promise<PhotoRow | undefined>;
  keep?: number;
}) {
  const cache = new Map<string, Promise<Photo | undefined>>();
  const keep = deps.keep ?? 8;
  return (accountId: string, id: string): Promise<Photo | undefined> => {
    const key = `${accountId}/${id}`;
    let hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    hit = (async () => {
      const row = await deps.findPhoto(accountId, id);
      if (!row) return undefined;
      const jpeg = await deps.storage.getBuffer(row.master_key);
      const photo: Photo = { id: row.id, jpeg, widthPx: row.width, heightPx: row.height };
      // Hashed once per load, not per card: cards stored without the photo name it by this hash.
      const sha256 = createHash("sha256").update(jpeg).digest("hex");
      storedAt.set(photo, { key: row.master_key, bytes: jpeg.length, sha256 });
      return photo;
    })();
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
    while (cache.size > keep) cache.delete(cache.keys().next().value as string);
    return hit;
  };
}

export type PhotoLoader = ReturnType<typeof createPhotoLoader>;

export async function cardInput(
  deps: { templates: TemplatesService; photos: PhotoLoader },
  design: CardDesign & { id: string },
  /** A recipient row (its id) or a card row (its recipient_id): a proof is drawn as its card. */
  recipient: {
    id: string;
    recipient_id?: string;
    data: Recipient;
    photo_id: string | null;
    qr_url?: string | null;
  },
): Promise<CardInput> {
  const template = await deps.templates
    .get(design.account_id, design.template_id)
    .catch((error) => {
      // A stored design that today's rules refuse is the card's fault, not a passing one: no retry.
      if (error instanceof TemplateError)
        throw new CardRenderError(
          "design_invalid",
          `The card's design cannot be used: ${error.message}. Upload the design again, fixed.`,
          {},
        );
      throw error;
    });
  const photoId = recipient.photo_id ?? design.photo_id;
  const photo = photoId ? await deps.photos(design.account_id, photoId) : undefined;
  return {
    template,
    format: design.format as FormatId,
    data: {
      ...cardData(design, recipient.data),
      ...(recipient.qr_url ? { qrUrl: recipient.qr_url } : {}),
      // Its handwriting's own strokes: the same on every render, another card's elsewhere.
      seed: `${design.id}/${recipient.recipient_id ?? recipient.id}`,
    },
    ...(design.message ? { message: design.message } : {}),
    ...(photo ? { photo } : {}),
    // Test mode: the card, its proof and its batch pages all say SAMPLE - NOT FOR MAILING.
    ...(design.mode === "test" ? { options: { sample: true } } : {}),
  };
}
