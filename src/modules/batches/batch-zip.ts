/**
 * The ZIP a vendor downloads: the batch PDF, its manifest and a SHA256SUMS file (the format
 * `sha256sum -c` checks). Fixed timestamps keep it byte-identical when re-assembled.
 */
import { PassThrough, type Readable } from "node:stream";
import yazl from "yazl";

const FIXED_TIME = new Date("2020-01-01T00:00:00Z");

export function batchZip(files: { name: string; stream: Readable; sha256: string }[]): Readable {
  const zip = new yazl.ZipFile();
  const sums = files.map((f) => `${f.sha256}  ${f.name}\n`).join("");
  for (const f of files) zip.addReadStream(f.stream, f.name, { mtime: FIXED_TIME, mode: 0o100644 });
  // Stored uncompressed: a few hundred bytes, readable even by tools that only peek into the ZIP.
  zip.addBuffer(Buffer.from(sums), "SHA256SUMS", {
    mtime: FIXED_TIME,
    mode: 0o100644,
    compress: false,
  });
  zip.end();
  const out = new PassThrough();
  zip.outputStream.pipe(out);
  return out;
}
