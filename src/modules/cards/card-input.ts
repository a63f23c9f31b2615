/**
 * Everything one card is rendered from, gathered from the database and storage: the template, the
 * campaign's design and sender, the recipient's data and the photo's print master.
 * Used by proofs (API) and by the render workers alike, so a proof is the card that prints.
 */

import { createHash } from "node:crypto";
import { cmykCopy } from "../../images/index.ts";
import {
  type CardData,
  type CardInput,
  CardRenderError,
  type ColourMode,
  colourProfile,
  type FormatId,
  type Photo,
  type PhotoBuffers,
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
  | "color_mode"
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

const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * Where a master's CMYK copy is kept: named by the master's content and the press profile's, so a
 * photo shared by many cards (or uploaded twice) is separated once, and a new profile makes new copies.
 */
export const cmykCopyKey = (accountId: string, masterSha256: string, profileSha256: string) =>
  `accounts/${accountId}/photos/cmyk/${masterSha256}-${profileSha256.slice(0, 16)}.jpg`;

/**
 * The CMYK copy of a loaded master: read from storage when made before, else separated with the
 * press profile (sharp) and stored. The copy is deterministic, so two workers that race write the
 * same bytes.
 */
async function cmykPhoto(storage: Storage, accountId: string, master: Photo): Promise<Photo> {
  const source = storedAt.get(master);
  if (!source) throw new Error(`photo ${master.id} was not loaded from storage`);
  const profile = colourProfile("cmyk");
  const key = cmykCopyKey(accountId, source.sha256, sha256Of(profile.icc));
  let jpeg: Buffer;
  if (await storage.stat(key)) jpeg = await storage.getBuffer(key);
  else {
    jpeg = await cmykCopy(master.jpeg, profile.file);
    await storage.put(key, jpeg, { contentType: "image/jpeg" });
  }
  const photo: Photo = { ...master, jpeg };
  storedAt.set(photo, { key, bytes: jpeg.length, sha256: sha256Of(jpeg) });
  return photo;
}

/**
 * Loads photo masters by id (or their CMYK copies), keeping the most recent few in memory (a
 * shared photo is read, or separated, once).
 */
export function createPhotoLoader(deps: {
  storage: Storage;
  findPhoto: (accountId: string, id: string) => Promise<PhotoRow | undefined>;
  keep?: number;
}) {
  const cache = new Map<string, Promise<Photo | undefined>>();
  const keep = deps.keep ?? 8;
  /** A master read from storage, into a buffer of `into` or a fresh one. */
  const read = async (accountId: string, id: string, into?: PhotoBuffers) => {
    const row = await deps.findPhoto(accountId, id);
    if (!row) return undefined;
    const jpeg = into
      ? await deps.storage.getInto(row.master_key, (bytes) => into.take(bytes))
      : await deps.storage.getBuffer(row.master_key);
    const photo: Photo = { id: row.id, jpeg, widthPx: row.width, heightPx: row.height };
    // Cards stored without the photo name it by its hash: the row's, taken of the master at
    // upload (hashing ~1 MB again on every load was a tenth of a distinct-photo campaign's CPU).
    // An object of another size is not the one the row describes: its own bytes are hashed.
    const sha256 = jpeg.length === Number(row.bytes) ? row.sha256 : sha256Of(jpeg);
    storedAt.set(photo, { key: row.master_key, bytes: jpeg.length, sha256 });
    return photo;
  };
  /**
   * The photo `id` in colour mode `mode`. With `into` (a batch's PhotoBuffers, for a photo only
   * one card of the batch has), an RGB master is read into one of its buffers and not kept.
   */
  const load = (
    accountId: string,
    id: string,
    mode: ColourMode = "rgb",
    into?: PhotoBuffers,
  ): Promise<Photo | undefined> => {
    if (into && mode === "rgb") return read(accountId, id, into);
    const key = `${accountId}/${id}/${mode}`;
    let hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    hit = (async () => {
      if (mode === "cmyk") {
        const master = await load(accountId, id);
        return master && cmykPhoto(deps.storage, accountId, master);
      }
      return read(accountId, id);
    })();
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
    while (cache.size > keep) cache.delete(cache.keys().next().value as string);
    return hit;
  };
  return load;
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
  /** A batch's buffers to read the card's photo into (see PhotoLoader). */
  into?: PhotoBuffers,
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
  const colourMode = design.color_mode ?? "rgb";
  const photo = photoId
    ? await deps.photos(design.account_id, photoId, colourMode, into)
    : undefined;
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
    options: {
      ...(design.mode === "test" ? { sample: true } : {}),
      ...(colourMode === "cmyk" ? { colourMode } : {}),
    },
  };
}
