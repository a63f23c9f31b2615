/**
 * Renders the reference pictures in docs/cards (every built-in template, every format, every
 * page) from examples/photo.jpg, with poppler's pdftoppm at 60 dpi.
 *
 *   node --import tsx bench/render-samples.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CardData,
  listBuiltinTemplates,
  loadBuiltinTemplate,
  renderCard,
} from "../src/render/index.ts";

const data: CardData = {
  recipient: {
    firstName: "Zoë",
    lastName: "Ångström",
    fullName: "Zoë Ångström",
    address: {
      line1: "12 Harbour Lane",
      city: "Portland",
      region: "OR",
      postalCode: "97201",
      country: "US",
    },
    custom: {},
  },
  sender: {
    businessName: "Maple & Pine Woodworks",
    signature: "Maria & the Maple & Pine team",
    returnAddress: {
      line1: "400 Mill St",
      city: "Eugene",
      region: "OR",
      postalCode: "97401",
      country: "US",
    },
  },
};

const jpeg = await readFile("examples/photo.jpg");
const photo = { id: "example", jpeg, widthPx: 1800, heightPx: 2400 };
const tmp = await mkdtemp(join(tmpdir(), "cardmerge-samples-"));
for (const summary of await listBuiltinTemplates()) {
  const template = await loadBuiltinTemplate(summary.id);
  for (const format of template.formats) {
    const { pdf } = await renderCard({ template, format, data, photo });
    const path = join(tmp, "card.pdf");
    await writeFile(path, pdf);
    execFileSync("pdftoppm", [
      "-r",
      "60",
      "-png",
      path,
      join("docs/cards", `${template.id}-${format}`),
    ]);
    console.log(`docs/cards/${template.id}-${format}-*.png`);
  }
}
await rm(tmp, { recursive: true });
