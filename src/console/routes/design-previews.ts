/**
 * Pictures of the card designs for the new-campaign page: the front of a design drawn for a
 * sample recipient with the example photo, through the same render sandbox and pdftoppm as a
 * proof, so the picture is the card. Drawn at first use and kept in memory (a few KB each):
 * built-ins for every account, an account's own designs under its id (stored designs never change).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Deps } from "../../deps.ts";
import { inspectImage } from "../../images/index.ts";
import { rasterizePdf } from "../../modules/cards/rasterize-pdf.ts";
import { PACKAGE_ROOT } from "../../package-root.ts";
import type { CardInput, FormatId, Photo } from "../../render/index.ts";

const KEEP = 200;
const DPI = 30;

const SAMPLE: CardInput["data"] = {
  recipient: {
    firstName: "Ana",
    lastName: "Rivera",
    fullName: "Ana Rivera",
    address: {
      line1: "12 Elm Street",
      city: "Springfield",
      region: "IL",
      postalCode: "62704",
      country: "US",
    },
    custom: {},
  },
  sender: { businessName: "Your Business", signature: "The team" },
  campaign: { name: "Sample", occasion: "thank_you" },
  seed: "console-design-preview",
};

export function createDesignPreviews(deps: Pick<Deps, "templates" | "renderPool">) {
  const cache = new Map<string, Promise<Buffer>>();
  let photo: Promise<Photo> | undefined;

  const examplePhoto = () => {
    photo ??= (async () => {
      const jpeg = await readFile(path.join(PACKAGE_ROOT, "examples/photo.jpg"));
      const info = await inspectImage(jpeg);
      return { id: "example", jpeg, widthPx: info.width, heightPx: info.height };
    })();
    return photo;
  };

  async function draw(accountId: string, templateId: string, format: FormatId): Promise<Buffer> {
    const template = await deps.templates.get(accountId, templateId);
    const { pdf } = await deps.renderPool.render({
      template,
      format,
      data: SAMPLE,
      photo: await examplePhoto(),
    });
    const [png] = await rasterizePdf(pdf, { first: 1, last: 1, dpi: DPI });
    if (!png) throw new Error("design preview: no page drawn");
    return png;
  }

  return {
    /** The PNG of the design's front in `format` (the caller has checked the design offers it). */
    front(accountId: string, templateId: string, format: FormatId): Promise<Buffer> {
      const key = `${templateId.startsWith("tmpl_") ? accountId : "builtin"}/${templateId}/${format}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = draw(accountId, templateId, format);
        hit.catch(() => cache.delete(key));
        cache.set(key, hit);
        while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
      }
      return hit;
    },
  };
}

export type DesignPreviews = ReturnType<typeof createDesignPreviews>;
