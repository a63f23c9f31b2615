/**
 * A print-shop style preflight of a PDF with poppler-utils and qpdf: page boxes, fonts
 * (embedded? subset?), images with their effective resolution, and structural checks.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** [x0, y0, x1, y1] in points. */
export type Box = [number, number, number, number];

export interface PreflightFont {
  name: string;
  type: string;
  embedded: boolean;
  subset: boolean;
  unicode: boolean;
}

export interface PreflightImage {
  page: number;
  width: number;
  height: number;
  encoding: string;
  xppi: number;
  yppi: number;
}

export interface Preflight {
  pages: number;
  mediaBoxes: Box[];
  bleedBoxes: Box[];
  trimBoxes: Box[];
  fonts: PreflightFont[];
  images: PreflightImage[];
  qpdfOk: boolean;
  qpdfOutput: string;
}

async function output(cmd: string, args: string[]): Promise<{ stdout: string; ok: boolean }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
    return { stdout: stdout + stderr, ok: true };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { stdout: `${err.stdout ?? ""}${err.stderr ?? ""}`, ok: false };
  }
}

function parseBoxes(info: string, pages: number, kind: string): Box[] {
  const boxes: Box[] = [];
  const re = new RegExp(
    `^Page\\s+(\\d+)\\s+${kind}:\\s+([-\\d.]+)\\s+([-\\d.]+)\\s+([-\\d.]+)\\s+([-\\d.]+)`,
    "gm",
  );
  for (const m of info.matchAll(re)) {
    boxes[Number(m[1]) - 1] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  }
  if (boxes.length !== pages)
    throw new Error(`pdfinfo reported ${boxes.length} ${kind}es for ${pages} pages`);
  return boxes;
}

function parseFonts(text: string): PreflightFont[] {
  const lines = text
    .split("\n")
    .slice(2)
    .filter((l) => l.trim());
  return lines.map((line) => {
    const t = line.trim().split(/\s+/);
    // name, type (may be two words), encoding, emb, sub, uni, object, generation
    const [emb, sub, uni] = t.slice(-5, -2);
    return {
      name: t[0] ?? "",
      type: t.slice(1, -6).join(" "),
      embedded: emb === "yes",
      subset: sub === "yes",
      unicode: uni === "yes",
    };
  });
}

function parseImages(text: string): PreflightImage[] {
  const lines = text
    .split("\n")
    .slice(2)
    .filter((l) => l.trim());
  return lines.map((line) => {
    const t = line.trim().split(/\s+/);
    return {
      page: Number(t[0]),
      width: Number(t[3]),
      height: Number(t[4]),
      encoding: t[8] ?? "",
      xppi: Number(t[12]),
      yppi: Number(t[13]),
    };
  });
}

/** Runs pdfinfo, pdffonts, pdfimages and qpdf on `pdfPath`. */
export async function preflight(pdfPath: string): Promise<Preflight> {
  const basic = await output("pdfinfo", [pdfPath]);
  if (!basic.ok) throw new Error(`pdfinfo could not read ${pdfPath}: ${basic.stdout}`);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(basic.stdout)?.[1] ?? 0);
  const boxes = await output("pdfinfo", ["-box", "-f", "1", "-l", String(pages), pdfPath]);
  const fonts = await output("pdffonts", [pdfPath]);
  const images = await output("pdfimages", ["-list", pdfPath]);
  const qpdf = await output("qpdf", ["--check", pdfPath]);
  return {
    pages,
    mediaBoxes: parseBoxes(boxes.stdout, pages, "MediaBox"),
    bleedBoxes: parseBoxes(boxes.stdout, pages, "BleedBox"),
    trimBoxes: parseBoxes(boxes.stdout, pages, "TrimBox"),
    fonts: parseFonts(fonts.stdout),
    images: parseImages(images.stdout),
    qpdfOk: qpdf.ok && /No syntax or stream encoding errors found/.test(qpdf.stdout),
    qpdfOutput: qpdf.stdout.trim(),
  };
}

/** Box width and height in inches. */
export function boxSizeIn(box: Box): { w: number; h: number } {
  return { w: (box[2] - box[0]) / 72, h: (box[3] - box[1]) / 72 };
}

/** The text of a PDF as pdftotext extracts it (UTF-8, reading order). */
export async function pdfText(pdfPath: string): Promise<string> {
  const { stdout, ok } = await output("pdftotext", ["-enc", "UTF-8", pdfPath, "-"]);
  if (!ok) throw new Error(`pdftotext failed on ${pdfPath}`);
  return stdout;
}

export interface OutputIntent {
  /** /S, e.g. "GTS_PDFX". */
  subtype: string;
  identifier: string;
  info: string;
  /** Components of the embedded DestOutputProfile (3 RGB, 4 CMYK), 0 when none is embedded. */
  profileComponents: number;
}

export interface ColourPreflight {
  outputIntents: OutputIntent[];
  /** pdfimages -list's colour column, one entry per image drawn. */
  imageColours: string[];
  /** RGB colour operators left in page content streams and form XObjects (rg, RG, /DeviceRGB cs…). */
  rgbOperators: string[];
  /** Objects (outside the output intent) naming an RGB colour space: /DeviceRGB or an RGB ICC profile. */
  rgbColourSpaces: string[];
}

interface QdfObject {
  id: string;
  dict: string;
  stream?: string;
}

/** The objects of a PDF rewritten by qpdf --qdf (uncompressed streams, no object streams). */
async function qdfObjects(pdfPath: string): Promise<{ objects: QdfObject[]; text: string }> {
  const out = `${pdfPath}.qdf.pdf`;
  const { ok, stdout } = await output("qpdf", ["--qdf", "--object-streams=disable", pdfPath, out]);
  if (!ok && !/operation succeeded with warnings/.test(stdout))
    throw new Error(`qpdf --qdf failed on ${pdfPath}: ${stdout}`);
  const { readFile } = await import("node:fs/promises");
  const text = (await readFile(out)).toString("latin1");
  const objects: QdfObject[] = [];
  for (const m of text.matchAll(/^(\d+) 0 obj\n([\s\S]*?)^endobj$/gm)) {
    const body = m[2] ?? "";
    const s = body.indexOf("\nstream\n");
    objects.push(
      s < 0
        ? { id: m[1] ?? "", dict: body }
        : {
            id: m[1] ?? "",
            dict: body.slice(0, s),
            stream: body.slice(s + 8, body.lastIndexOf("endstream")),
          },
    );
  }
  return { objects, text };
}

const literal = (dict: string, key: string) =>
  new RegExp(`/${key} \\(((?:\\\\.|[^\\\\)])*)\\)`).exec(dict)?.[1] ?? "";

/** Colour operators of a content stream that set RGB colours, strings and inline data left out. */
function rgbOps(content: string): string[] {
  const bare = content
    .replace(/\((?:\\.|[^\\)])*\)/g, "()")
    .replace(/<[0-9A-Fa-f\s]*>/g, "<>")
    .replace(/\bBI\b[\s\S]*?\bEI\b/g, "");
  const found: string[] = [];
  for (const m of bare.matchAll(/(?:[-\d.]+\s+){3}(rg|RG)(?=\s|$)/g)) found.push(m[0].trim());
  for (const m of bare.matchAll(/\/DeviceRGB\s+(cs|CS)\b/g)) found.push(m[0]);
  return found;
}

/**
 * The colour side of a preflight: the output intents with their profiles, the colour of every
 * image (pdfimages -list), and any RGB left in page content or colour spaces (read from the
 * uncompressed objects qpdf --qdf writes, page content marked by qpdf's "Contents for page" notes).
 */
export async function colourPreflight(pdfPath: string): Promise<ColourPreflight> {
  const { objects, text } = await qdfObjects(pdfPath);
  const byId = new Map(objects.map((o) => [o.id, o]));
  const components = (ref: string | undefined) =>
    Number(/\/N (\d)/.exec(byId.get(ref ?? "")?.dict ?? "")?.[1] ?? 0);

  const outputIntents: OutputIntent[] = [];
  const intentProfiles = new Set<string>();
  for (const o of objects) {
    if (!/\/Type \/OutputIntent\b/.test(o.dict)) continue;
    const ref = /\/DestOutputProfile (\d+) 0 R/.exec(o.dict)?.[1];
    if (ref) intentProfiles.add(ref);
    outputIntents.push({
      subtype: /\/S \/(\w+)/.exec(o.dict)?.[1] ?? "",
      identifier: literal(o.dict, "OutputConditionIdentifier"),
      info: literal(o.dict, "Info"),
      profileComponents: components(ref),
    });
  }

  const contentIds = new Set(
    [...text.matchAll(/^%% Contents for page \d+\n(?:%%.*\n)*(\d+) 0 obj/gm)].map((m) => m[1]),
  );
  const rgbOperators: string[] = [];
  const rgbColourSpaces: string[] = [];
  for (const o of objects) {
    const isContent = contentIds.has(o.id) || /\/Subtype \/Form\b/.test(o.dict);
    if (isContent && o.stream !== undefined) rgbOperators.push(...rgbOps(o.stream));
    if (/\/DeviceRGB\b/.test(o.dict)) rgbColourSpaces.push(`${o.id}: /DeviceRGB`);
    for (const m of o.dict.matchAll(/\/ICCBased (\d+) 0 R/g)) {
      if (!intentProfiles.has(m[1] ?? "") && components(m[1]) === 3)
        rgbColourSpaces.push(`${o.id}: /ICCBased RGB profile ${m[1]}`);
    }
  }
  const list = await output("pdfimages", ["-list", pdfPath]);
  const imageColours = list.stdout
    .split("\n")
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s+/)[5] ?? "");
  return { outputIntents, imageColours, rgbOperators, rgbColourSpaces };
}
