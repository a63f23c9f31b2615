/**
 * A campaign rendered to local files: one PDF per recipient, print batches (PDF + manifest CSV) in
 * presort order, a rejected-rows CSV and a JSON report. No database, queue or server.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { csvLine } from "../csv/csv-line.ts";
import { parseRecipients, type RowOutcome } from "../csv/index.ts";
import { ImageError, preparePhoto } from "../images/index.ts";
import { manifestHeader, manifestLine } from "../modules/batches/manifest.ts";
import { presortCompare, splitBatches } from "../modules/batches/presort.ts";
import { cardData } from "../modules/cards/card-input.ts";
import { newToken, shortUrl } from "../modules/scans/qr-tokens.ts";
import {
  type CardInput,
  CardRenderError,
  type CardReport,
  checkMessageVariables,
  compileMessage,
  DEFAULT_BLEED_IN,
  DEFAULT_SHEET,
  FORMATS,
  type FormatId,
  imposedPlace,
  imposition,
  isFormatId,
  loadBuiltinTemplate,
  loadTemplate,
  MessageError,
  type Photo,
  type Recipient,
  renderBatch,
  renderCard,
  type Sender,
  type Template,
  TemplateError,
} from "../render/index.ts";
import { CliError } from "./cli-error.ts";

export interface LocalCampaign {
  name: string;
  occasion: string;
  template: string;
  format: string;
  message: string | null;
  sender: Sender;
  /** Where each card's QR code leads: with it, each card gets a short URL on publicUrl. */
  landingUrl?: string | null;
  publicUrl?: string;
}

export interface LocalRenderOptions {
  campaign: LocalCampaign;
  csvPath: string;
  outDir: string;
  photoPath?: string;
  photosDir?: string;
  defaultCountry?: string;
  batchSize: number;
  cropMarks: boolean;
  log: (line: string) => void;
}

interface Card {
  sequence: number;
  id: string;
  recipient: Recipient;
  photo?: Photo;
  qrUrl?: string;
  file?: string;
  report?: Partial<CardReport>;
}

/**
 * A file name from a recipient's name that keeps its letters in every script (Дмитрий, Łukasz,
 * 山田): a transliteration would guess (Żółć → "zolc" reads fine, 山田 → "shan tian" does not), and
 * every file system the demo runs on takes UTF-8 names. Only letters, marks and digits survive,
 * so the name cannot carry a path.
 */
const slug = (s: string) =>
  Array.from(
    s
      .normalize("NFC")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}]+/gu, "-")
      .replace(/^-|-$/g, ""),
  )
    .slice(0, 40)
    .join("")
    .replace(/-$/, "") || "card";

async function resolveTemplate(ref: string): Promise<Template> {
  try {
    const isDir = await stat(ref).then(
      (s) => s.isDirectory(),
      () => false,
    );
    return isDir ? await loadTemplate(ref) : await loadBuiltinTemplate(ref);
  } catch (error) {
    if (error instanceof TemplateError) throw new CliError(`template: ${error.message}`);
    throw error;
  }
}

export async function renderLocalCampaign(opts: LocalRenderOptions) {
  const { campaign, log } = opts;
  const template = await resolveTemplate(campaign.template);
  if (!isFormatId(campaign.format) || !template.formats.includes(campaign.format)) {
    throw new CliError(
      `format "${campaign.format}": template "${template.id}" comes in ${template.formats.join(", ")}.`,
    );
  }
  const format: FormatId = campaign.format;
  const face = FORMATS[format].face;
  const slot = {
    widthIn: face.w + 2 * DEFAULT_BLEED_IN,
    heightIn: face.h + 2 * DEFAULT_BLEED_IN,
    label: `the ${FORMATS[format].label} front`,
  };

  const photos = new Map<string, Promise<Photo>>();
  const loadPhoto = (file: string): Promise<Photo> => {
    let hit = photos.get(file);
    if (!hit) {
      hit = (async () => {
        const bytes = await readFile(file).catch(() => {
          throw new CliError(`photo ${file}: cannot read the file.`);
        });
        try {
          const p = await preparePhoto(bytes, { slots: [slot] });
          for (const w of p.warnings) log(`photo ${path.basename(file)}: ${w}`);
          return {
            id: `photo-${photos.size}-${p.sha256.slice(0, 12)}`,
            jpeg: p.master,
            widthPx: p.masterWidth,
            heightPx: p.masterHeight,
          };
        } catch (error) {
          if (error instanceof ImageError) throw new CliError(`photo ${file}: ${error.message}`);
          throw error;
        }
      })();
      photos.set(file, hit);
    }
    return hit;
  };
  const sharedPhoto = opts.photoPath ? await loadPhoto(opts.photoPath) : undefined;

  await stat(opts.csvPath).catch(() => {
    throw new CliError(`--csv ${opts.csvPath}: no such file.`);
  });
  const parsed = parseRecipients(createReadStream(opts.csvPath), {
    defaultCountry: opts.defaultCountry,
  });
  const header = await parsed.header;
  const source = campaign.message ?? template.texts.message;
  try {
    compileMessage(source);
  } catch (error) {
    if (error instanceof MessageError) throw new CliError(`message: ${error.message}`);
    throw error;
  }
  const customKeys = header.columns.flatMap((c) =>
    c.field.startsWith("custom:") ? [c.field.slice(7)] : [],
  );
  const unknown = checkMessageVariables(source, customKeys);
  if (unknown.length > 0) {
    throw new CliError(
      `message uses ${unknown.map((v) => `{{${v}}}`).join(", ")} but ${opts.csvPath} has no such column (columns: ${header.columns.map((c) => c.header).join(", ")}).`,
    );
  }

  await mkdir(path.join(opts.outDir, "cards"), { recursive: true });
  await mkdir(path.join(opts.outDir, "batches"), { recursive: true });
  const rejected: string[] = [];
  const recipients: { recipient: Recipient; row: number }[] = [];
  for await (const outcome of parsed.rows as AsyncGenerator<RowOutcome>) {
    if (outcome.kind === "recipient")
      recipients.push({ recipient: outcome.recipient, row: outcome.row });
    else {
      const why =
        outcome.kind === "duplicate"
          ? `duplicate of row ${outcome.firstRow}`
          : outcome.errors.map((e) => e.message).join("; ");
      log(`row ${outcome.row}: ${why}`);
      rejected.push(csvLine([outcome.row, why, ...Object.values(outcome.values)]));
    }
  }
  if (rejected.length) {
    await writeFile(
      path.join(opts.outDir, "rejected.csv"),
      `\uFEFF${csvLine(["Row", "Problems", ...header.columns.map((c) => c.header)])}${rejected.join("")}`,
    );
  }

  // No card ids yet: ties keep the file's order (the sort is stable).
  recipients.sort((a, b) => presortCompare({ ...a.recipient, id: "" }, { ...b.recipient, id: "" }));
  const cards: Card[] = [];
  for (const [i, { recipient }] of recipients.entries()) {
    const photo =
      recipient.photo && opts.photosDir
        ? await loadPhoto(path.join(opts.photosDir, recipient.photo))
        : sharedPhoto;
    cards.push({
      sequence: i + 1,
      id: `card-${String(i + 1).padStart(5, "0")}`,
      recipient,
      ...(photo ? { photo } : {}),
      // Random like the service's (no server here to answer it; the redirect is the API's).
      ...(campaign.landingUrl
        ? { qrUrl: shortUrl(campaign.publicUrl ?? "http://localhost:3000", newToken()) }
        : {}),
    });
  }
  const inputOf = (card: Card): CardInput & { id: string } => ({
    id: card.id,
    template,
    format,
    data: {
      ...cardData(
        {
          ...campaign,
          account_id: "",
          template_id: template.id,
          photo_id: null,
          mode: "live",
          color_mode: null,
        },
        card.recipient,
      ),
      ...(card.qrUrl ? { qrUrl: card.qrUrl } : {}),
    },
    ...(campaign.message ? { message: campaign.message } : {}),
    ...(card.photo ? { photo: card.photo } : {}),
    options: { cropMarks: opts.cropMarks },
  });

  for (const card of cards) {
    try {
      const { pdf, report } = await renderCard(inputOf(card));
      card.file = path.join(
        "cards",
        `${String(card.sequence).padStart(4, "0")}-${slug(card.recipient.fullName)}.pdf`,
      );
      await writeFile(path.join(opts.outDir, card.file), pdf);
      card.report = report;
      for (const w of report.warnings) log(`${card.recipient.fullName}: ${w}`);
    } catch (error) {
      if (!(error instanceof CardRenderError)) throw error;
      card.report = error.report;
      log(`${card.recipient.fullName}: not rendered: ${error.message}`);
    }
  }

  const printable = cards.filter((c) => c.file);
  const batches = [];
  for (const [b, group] of splitBatches(printable, opts.batchSize).entries()) {
    const name = `batch-${String(b + 1).padStart(3, "0")}`;
    const out = createWriteStream(path.join(opts.outDir, "batches", `${name}.pdf`));
    const report = await renderBatch(group.map(inputOf), out, {
      sequence: true,
      title: `${campaign.name} — ${name}`,
    });
    await finished(out).catch(() => {});
    const lines = [manifestHeader()];
    const imp = imposition(format, DEFAULT_SHEET, group.length);
    for (const outcome of report.outcomes) {
      const card = group[outcome.index] as Card;
      if (outcome.ok) {
        lines.push(
          manifestLine({
            sequence: card.sequence,
            firstPage: outcome.firstPage ?? 0,
            pages: outcome.report.pages ?? 0,
            cardId: card.id,
            recipient: card.recipient,
            campaign: campaign.name,
            imposed: { size: DEFAULT_SHEET, ...imposedPlace(imp, outcome.index) },
          }),
        );
      }
    }
    await writeFile(path.join(opts.outDir, "batches", `${name}.csv`), lines.join(""));
    batches.push({
      pdf: `batches/${name}.pdf`,
      manifest: `batches/${name}.csv`,
      cards: report.rendered,
      pages: report.pages,
      bytes: report.bytes,
    });
  }

  await writeFile(
    path.join(opts.outDir, "report.json"),
    JSON.stringify(
      cards.map((c) => ({
        sequence: c.sequence,
        card_id: c.id,
        name: c.recipient.fullName,
        file: c.file ?? null,
        qr_url: c.qrUrl ?? null,
        report: c.report,
      })),
      null,
      2,
    ),
  );
  return {
    out: opts.outDir,
    template: template.id,
    format,
    rows: recipients.length + rejected.length,
    rejected_rows: rejected.length,
    rendered: printable.length,
    failed: cards.length - printable.length,
    warnings: cards.reduce((n, c) => n + (c.report?.warnings?.length ?? 0), 0),
    batches,
  };
}
