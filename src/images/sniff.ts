/**
 * What the first bytes of a file say it is. Used only to explain a refusal well ("HEIC from an
 * iPhone" rather than "unsupported"): decoding decisions are sharp's, from the same bytes.
 */

/** How many leading bytes `sniffFormat` wants to see. */
export const SNIFF_BYTES = 512;

const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);
/** Canon CR3 is ISO-BMFF too. */
const RAW_BRANDS = new Set(["crx "]);
const DIB_SIZES = new Set([12, 40, 52, 56, 108, 124]);

function startsWith(head: Buffer, bytes: number[], at = 0): boolean {
  return bytes.every((b, i) => head[at + i] === b);
}

function ascii(head: Buffer, start: number, end: number): string {
  return head.subarray(start, end).toString("latin1");
}

/** The brands of an ISO-BMFF `ftyp` box (major first), or an empty list. */
function ftypBrands(head: Buffer): string[] {
  if (head.length < 16 || ascii(head, 4, 8) !== "ftyp") return [];
  const size = Math.min(head.readUInt32BE(0), head.length);
  const brands = [ascii(head, 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(head, at, at + 4));
  return brands;
}

/**
 * The format the leading bytes announce: "jpeg", "png", "webp", "gif", "tiff", "heic", "avif",
 * "jxl", "jp2", "bmp", "psd", "pdf", "svg", "raw", or undefined when nothing matches.
 */
export function sniffFormat(head: Buffer): string | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") return "webp";
  if (ascii(head, 0, 4) === "GIF8") return "gif";
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return "tiff";
  }
  const brands = ftypBrands(head);
  // The major brand decides first: an AVIF may list `mif1`, a HEIC may list `avif` rarely.
  const major = brands[0];
  if (major !== undefined) {
    if (HEIC_BRANDS.has(major)) return "heic";
    if (AVIF_BRANDS.has(major)) return "avif";
    if (RAW_BRANDS.has(major)) return "raw";
    if (brands.some((b) => HEIC_BRANDS.has(b))) return "heic";
    if (brands.some((b) => AVIF_BRANDS.has(b))) return "avif";
  }
  if (startsWith(head, [0xff, 0x0a]) || ascii(head, 4, 8) === "JXL ") return "jxl";
  if (ascii(head, 4, 8) === "jP  ") return "jp2";
  // "BM" alone is too weak (text can start so): also require a known DIB header size.
  if (ascii(head, 0, 2) === "BM" && head.length >= 18 && DIB_SIZES.has(head.readUInt32LE(14))) {
    return "bmp";
  }
  if (ascii(head, 0, 4) === "8BPS") return "psd";
  if (ascii(head, 0, 5) === "%PDF-") return "pdf";
  const text = head.toString("utf8").trimStart().toLowerCase();
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) return "svg";
  return undefined;
}
