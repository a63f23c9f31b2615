/** Shared fixtures for renderer tests: card data, photos sized for a format, temp files. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makePhoto } from "../../../bench/render-photos.ts";
import type { CardData, FormatId, Photo } from "../../../src/render/index.ts";
import { FORMATS } from "../../../src/render/index.ts";

export function cardData(fullName = "Zoë Ångström", custom: Record<string, string> = {}): CardData {
  const [firstName = fullName, ...rest] = fullName.split(" ");
  return {
    recipient: {
      firstName,
      lastName: rest.join(" "),
      fullName,
      address: {
        line1: "12 Harbour Lane",
        city: "Portland",
        region: "OR",
        postalCode: "97201",
        country: "US",
      },
      custom: { lastPurchase: "oak dining table", ...custom },
    },
    sender: {
      businessName: "Maple & Pine Woodworks",
      signature: "Maria & the team",
      returnAddress: {
        line1: "400 Mill St",
        city: "Eugene",
        region: "OR",
        postalCode: "97401",
        country: "US",
      },
    },
    campaign: { name: "Spring thanks", occasion: "thank_you" },
  };
}

const photos = new Map<string, Promise<Photo>>();

/** A photo large enough to print at ≥ 300 ppi over a full-bleed face of `format`. */
export function photoFor(format: FormatId): Promise<Photo> {
  const f = FORMATS[format].face;
  const widthPx = Math.ceil((f.w + 0.3) * 305);
  const heightPx = Math.ceil((f.h + 0.3) * 305);
  return photoOfSize(widthPx, heightPx);
}

export function photoOfSize(widthPx: number, heightPx: number): Promise<Photo> {
  const key = `${widthPx}x${heightPx}`;
  let p = photos.get(key);
  if (!p) {
    p = makePhoto(widthPx, heightPx, 3).then((jpeg) => ({
      id: `photo-${key}`,
      jpeg,
      widthPx,
      heightPx,
    }));
    photos.set(key, p);
  }
  return p;
}

let dir: Promise<string> | undefined;

/** Writes `pdf` to a temp file for the poppler tools; returns its path. */
export async function writeTemp(name: string, pdf: Buffer): Promise<string> {
  dir ??= mkdtemp(join(tmpdir(), "cardmerge-render-"));
  const path = join(await dir, name);
  await writeFile(path, pdf);
  return path;
}
