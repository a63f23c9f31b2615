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
