/**
 * How a card's PDF is stored: without the parts it shares. Nearly all of a card's PDF is its photo
 * (pdfkit embeds a JPEG byte for byte) and its font programs, the same for most cards of a
 * campaign; stored whole, a campaign's shared photo would be written, hashed and kept once per
 * card. The photo's print master is in storage already; a font program is stored once per campaign.
 *
 * The contract (format 1), one object at `…/campaigns/<campaign>/cards/<card>.parts`:
 *
 * ```
 * cardmerge-card-pdf 1\n
 * {"bytes":B,"pieces":[{"at":o,"key":K,"bytes":n,"sha256":h},…]}\n
 * the PDF with each piece's n bytes left out at its offset o
 * ```
 *
 * - The whole PDF is the rest of the object with the bytes of storage object K put back at each
 *   piece's offset (ascending offsets in the whole PDF); it is B bytes long, byte for byte what the
 *   renderer wrote.
 * - A piece is the card's photo (K: the photo's print master) or a large chunk of the PDF, such as
 *   a font program (K: `…/campaigns/<campaign>/pieces/<sha256>`, written before the card's object,
 *   so a card's object never names a piece that is not there; deleted with the campaign).
 * - Each piece's object must still be n bytes with SHA-256 h: a piece missing or changed makes
 *   the card's PDF unavailable ({@link CardPdfUnavailable}), never a broken or different PDF.
 * - The card's `pdf_sha256` is the SHA-256 of this stored object. The object names every piece
 *   by its hash, so it changes exactly when the whole PDF would: a stable ETag, computed over a
 *   few KB instead of the whole PDF.
 * - A key that ends in `.pdf` (cards stored before this format) holds the whole PDF as it is.
 */
import { createHash } from "node:crypto";
import type { RenderedParts } from "../../render-sandbox/render-pool.ts";
import { type Storage, StorageNotFound, type StoredObject } from "../../storage/storage.ts";

const MAGIC = "cardmerge-card-pdf 1\n";
const PARTS_SUFFIX = ".parts";

/** Where a photo's bytes live in storage, and what they must be. */
export interface PhotoRef {
  key: string;
  bytes: number;
  sha256: string;
}

interface Piece extends PhotoRef {
  at: number;
}

interface Header {
  bytes: number;
  pieces: Piece[];
}

type CardKeys = { account_id: string; campaign_id: string; id: string };

export const cardPdfKey = (card: CardKeys) =>
  `accounts/${card.account_id}/campaigns/${card.campaign_id}/cards/${card.id}${PARTS_SUFFIX}`;

const piecesPrefix = (card: CardKeys) =>
  `accounts/${card.account_id}/campaigns/${card.campaign_id}/pieces`;

const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Pieces a process keeps in mind as stored, at most (a campaign has a handful of font programs). */
const KEPT_PIECES = 256;

/**
 * Stores cards' PDFs in the format above. It remembers the pieces it has stored (by campaign and
 * content): a card's font programs are compared with them byte for byte, not hashed or written
 * again.
 */
export function createCardPdfStore(storage: Storage) {
  const known = new Map<string, { bytes: Buffer; sha256: string }[]>();
  let count = 0;

  async function storePiece(prefix: string, bytes: Buffer): Promise<PhotoRef> {
    const slot = `${prefix}|${bytes.length}`;
    const same = known.get(slot)?.find((p) => p.bytes.equals(bytes));
    if (same) return { key: `${prefix}/${same.sha256}`, bytes: bytes.length, sha256: same.sha256 };
    const sha256 = sha256Of(bytes);
    const key = `${prefix}/${sha256}`;
    // Content-addressed: a second writer of the same piece writes the same bytes.
    await storage.put(key, bytes, { contentType: "application/octet-stream" });
    if (count >= KEPT_PIECES) {
      known.clear();
      count = 0;
    }
    known.set(slot, [...(known.get(slot) ?? []), { bytes: Buffer.from(bytes), sha256 }]);
    count++;
    return { key, bytes: bytes.length, sha256 };
  }

  /** Stores one rendered card; `photo`: where the photo the render was given is stored. */
  return async function storeCardPdf(
    card: CardKeys,
    parts: RenderedParts,
    photo: PhotoRef | undefined,
  ): Promise<StoredObject> {
    if (parts.photoAt.length > 0 && !photo)
      throw new Error("a card's PDF has a photo's places but no photo to name");
    const photoBytes = photo?.bytes ?? 0;
    const rest = Buffer.concat(parts.chunks, parts.bytes);
    const pieces: Piece[] = parts.photoAt.map((at) => ({ at, ...(photo as PhotoRef) }));
    const cut: Array<[number, number]> = [];
    for (const large of parts.large) {
      // From the whole PDF's offsets to those of the bytes that came without the photo.
      const from = large.at - parts.photoAt.filter((p) => p < large.at).length * photoBytes;
      const ref = await storePiece(piecesPrefix(card), rest.subarray(from, from + large.bytes));
      pieces.push({ at: large.at, ...ref });
      cut.push([from, from + large.bytes]);
    }
    pieces.sort((a, b) => a.at - b.at);
    const body: Buffer[] = [];
    let from = 0;
    for (const [start, end] of cut) {
      body.push(rest.subarray(from, start));
      from = end;
    }
    body.push(rest.subarray(from));
    const header: Header = {
      bytes: parts.bytes + parts.photoAt.length * photoBytes,
      pieces: pieces.map(({ at, key, bytes, sha256 }) => ({ at, key, bytes, sha256 })),
    };
    const object = Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`), ...body]);
    return storage.put(cardPdfKey(card), object, { contentType: "application/octet-stream" });
  };
}

export type CardPdfStore = ReturnType<typeof createCardPdfStore>;

/** A card's stored PDF cannot be put back together: a piece it needs is gone or changed. */
export class CardPdfUnavailable extends Error {
  override name = "CardPdfUnavailable";
}

/**
 * The whole PDF of a card stored at `key` (either format). Throws StorageNotFound when the card's
 * object is gone, CardPdfUnavailable when a piece of it (its photo…) is gone or no longer the same.
 */
export async function readCardPdf(storage: Storage, key: string): Promise<Buffer> {
  const stored = await storage.getBuffer(key);
  if (!key.endsWith(PARTS_SUFFIX)) return stored;
  const end = stored.indexOf(10, MAGIC.length);
  if (stored.subarray(0, MAGIC.length).toString("latin1") !== MAGIC || end < 0)
    throw new CardPdfUnavailable(`card PDF ${key}: not a stored card PDF`);
  const header = JSON.parse(stored.subarray(MAGIC.length, end).toString("utf8")) as Header;
  const body = stored.subarray(end + 1);

  const loaded = new Map<string, Buffer>();
  for (const piece of header.pieces) {
    if (loaded.has(piece.key)) continue;
    let bytes: Buffer;
    try {
      bytes = await storage.getBuffer(piece.key);
    } catch (error) {
      if (error instanceof StorageNotFound)
        throw new CardPdfUnavailable(`card PDF ${key}: its piece ${piece.key} is gone`);
      throw error;
    }
    if (bytes.length !== piece.bytes || sha256Of(bytes) !== piece.sha256)
      throw new CardPdfUnavailable(`card PDF ${key}: its piece ${piece.key} has changed`);
    loaded.set(piece.key, bytes);
  }
  const out: Buffer[] = [];
  let at = 0;
  let from = 0;
  for (const piece of header.pieces) {
    const take = piece.at - at;
    if (take < 0 || from + take > body.length)
      throw new CardPdfUnavailable(`card PDF ${key}: its pieces do not fit`);
    out.push(body.subarray(from, from + take), loaded.get(piece.key) as Buffer);
    from += take;
    at = piece.at + piece.bytes;
  }
  out.push(body.subarray(from));
  const pdf = Buffer.concat(out);
  if (pdf.length !== header.bytes)
    throw new CardPdfUnavailable(`card PDF ${key}: ${pdf.length} bytes, not ${header.bytes}`);
  return pdf;
}
