/**
 * `cardmerge render`: a whole campaign from a CSV to print-ready files, with no server, database
 * or queue. It uses the same import, photo and render code as the API and workers.
 */

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { applyCjkFont } from "../cjk-font-config.ts";
import { cjkFontConfig } from "../config.ts";
import { type SenderInput, toSender } from "../modules/campaigns/sender.ts";
import { checkLandingUrl } from "../modules/scans/landing-url.ts";
import { CliError } from "./cli-error.ts";
import { exitOnConfigError } from "./exit.ts";
import { type LocalCampaign, renderLocalCampaign } from "./local-render.ts";

const HELP = `Usage: cardmerge render --csv FILE --out DIR [options]

  --csv FILE           recipients (CSV from Excel, Google Contacts, Outlook, a CRM…)
  --out DIR            where to write cards/, batches/, manifest CSVs and report.json
  --campaign FILE      JSON like POST /v1/campaigns (name, template, format, message, sender)
  --template ID|DIR    built-in template id (thank-you, birthday, october-holiday, handwritten-note) or a template folder
  --format FORMAT      postcard_4x6 | postcard_6x9 | postcard_6x11 | card_5x7 | a2_folded
  --message TEXT       Handlebars message, e.g. "Dear {{firstName}}, …"
  --message-file FILE  the message, from a file
  --photo FILE         the front photo for every card
  --photos DIR         folder of per-recipient photos, named by the CSV's photo column
  --business NAME      the sender's business name
  --signature TEXT     the signature line
  --country CC         default country for rows without one (default US)
  --batch-size N       cards per print batch (default 500)
  --crop-marks         add crop marks (the page grows by a slug)

Names in Chinese or Japanese print with an installed CJK font (fonts-noto-cjk, fonts-droid-fallback)
or the one CJK_FONT names.`;

export async function renderCommand(args: string[]): Promise<number> {
  exitOnConfigError(() => applyCjkFont(cjkFontConfig()));
  const { values } = parseArgs({
    args,
    options: {
      csv: { type: "string" },
      out: { type: "string" },
      campaign: { type: "string" },
      template: { type: "string" },
      format: { type: "string" },
      message: { type: "string" },
      "message-file": { type: "string" },
      photo: { type: "string" },
      photos: { type: "string" },
      business: { type: "string" },
      signature: { type: "string" },
      country: { type: "string" },
      "batch-size": { type: "string" },
      "crop-marks": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.csv || !values.out)
    throw new CliError(`--csv and --out are required.\n\n${HELP}`, 64);

  const base = values.campaign ? await readCampaignFile(values.campaign) : {};
  const message = values["message-file"]
    ? await readFile(values["message-file"], "utf8").catch(() => {
        throw new CliError(`cannot read --message-file ${values["message-file"]}.`);
      })
    : values.message;
  const batchSize = Number(values["batch-size"] ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new CliError("--batch-size must be a whole number ≥ 1.", 64);

  const campaign: LocalCampaign = {
    name: base.name ?? "cardmerge campaign",
    occasion: base.occasion ?? "custom",
    template: values.template ?? base.template ?? "",
    format: values.format ?? base.format ?? "",
    message: message ?? base.message ?? null,
    sender: toSender({
      business_name: values.business ?? base.sender?.business_name ?? "",
      signature: values.signature ?? base.sender?.signature,
      return_address: base.sender?.return_address,
    }),
    landingUrl: base.landing_url ? landingUrlOf(base.landing_url) : null,
    publicUrl: (process.env.PUBLIC_URL ?? "http://localhost:3000").replace(/\/+$/, ""),
  };
  if (!campaign.template)
    throw new CliError("say which design: --template thank-you (or a template folder).", 64);
  if (!campaign.format)
    throw new CliError("say which format: --format card_5x7 (or postcard_4x6, a2_folded…).", 64);
  if (!campaign.sender.businessName)
    throw new CliError('say who sends the cards: --business "Acme Plumbing".', 64);

  const summary = await renderLocalCampaign({
    campaign,
    csvPath: values.csv,
    outDir: values.out,
    photoPath: values.photo,
    photosDir: values.photos,
    defaultCountry: values.country,
    batchSize,
    cropMarks: values["crop-marks"] ?? false,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.rendered > 0 ? 0 : 1;
}

interface CampaignFile {
  name?: string;
  occasion?: string;
  template?: string;
  format?: string;
  message?: string;
  sender?: Partial<SenderInput>;
  landing_url?: string;
}

function landingUrlOf(raw: string): string {
  try {
    return checkLandingUrl(raw);
  } catch (error) {
    throw new CliError(`--campaign: ${(error as Error).message}`, 64);
  }
}

async function readCampaignFile(file: string): Promise<CampaignFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new CliError(`cannot read --campaign ${file}.`);
  }
  try {
    return JSON.parse(text) as CampaignFile;
  } catch (error) {
    throw new CliError(`--campaign ${file} is not valid JSON: ${(error as Error).message}`);
  }
}
