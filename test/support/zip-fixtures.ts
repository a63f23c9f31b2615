/**
 * ZIP bombs written by hand: entries of zeros deflate about a thousandfold, and one deflated
 * entry can be stored under several names, so a ZIP of a few hundred KB inflates to hundreds of
 * MB without the test deflating that much. An entry may also declare a size other than its real
 * one (a forged header). And a reader of what a ZIP holds.
 */
import { crc32, deflateRawSync } from "node:zlib";
import yauzl from "yauzl";

export interface DeflatedEntry {
  bytes: Buffer;
  crc: number;
  size: number;
}

/** `size` zero bytes, deflated (level 9). */
export function deflatedZeros(size: number): DeflatedEntry {
  const zeros = Buffer.alloc(size);
  return { bytes: deflateRawSync(zeros, { level: 9 }), crc: crc32(zeros), size };
}

export function bombZip(
  entries: { name: string; entry: DeflatedEntry; declaredSize?: number }[],
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, entry, declaredSize } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const size = declaredSize ?? entry.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.bytes.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(entry.crc >>> 0, 16);
    central.writeUInt32LE(entry.bytes.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, entry.bytes);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + entry.bytes.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The names of a ZIP's entries, in their order. */
export function zipEntryNames(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error || !file) return reject(error);
      const names: string[] = [];
      file.on("entry", (e: yauzl.Entry) => {
        names.push(e.fileName);
        file.readEntry();
      });
      file.on("end", () => resolve(names));
      file.on("error", reject);
      file.readEntry();
    });
  });
}
