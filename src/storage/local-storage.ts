/** The default storage: a local directory. Writes go to a temporary name, then rename (atomic). */
import { randomBytes } from "node:crypto";
import { createReadStream, type WriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import {
  checkKey,
  measuring,
  objectMeter,
  type Storage,
  StorageNotFound,
  type StoredObject,
} from "./storage.ts";

/** Folders this process has made or found, at most (a campaign's cards share one). */
const KEPT_FOLDERS = 1024;

export function createLocalStorage(root: string): Storage {
  const fullPath = (key: string) => path.join(root, checkKey(key));
  // A folder made once is not made again for every object in it (a mkdir per card). One removed
  // since, by this process or another, shows as ENOENT on the write: then it is made again.
  const folders = new Set<string>();
  const makeFolder = async (folder: string) => {
    await fs.mkdir(folder, { recursive: true });
    if (folders.size >= KEPT_FOLDERS) folders.clear();
    folders.add(folder);
  };

  /** A temporary file beside the object's place, open for writing; its name and the target's. */
  const openTemp = async (key: string) => {
    const target = fullPath(key);
    const folder = path.dirname(target);
    if (!folders.has(folder)) await makeFolder(folder);
    const temp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
    const file = await fs.open(temp, "w").catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      folders.delete(folder);
      await makeFolder(folder);
      return fs.open(temp, "w");
    });
    return { target, temp, file };
  };

  return {
    async put(key, body): Promise<StoredObject> {
      const { target, temp, file } = await openTemp(key);
      const { source, meter, stored } = measuring(body);
      try {
        await pipeline(source, meter, file.createWriteStream());
        await fs.rename(temp, target);
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw error;
      }
      return stored(key);
    },

    async get(key, range) {
      const file = fullPath(key);
      try {
        await fs.access(file);
      } catch {
        throw new StorageNotFound(key);
      }
      return createReadStream(file, range ? { start: range.start, end: range.end } : {});
    },

    async openWriter(key) {
      const { target, temp, file } = await openTemp(key);
      // The file stream itself, hashing what it writes: a chunk is done with once it calls back.
      const { stream, stored } = measuredFile(file);
      const finished = new Promise<void>((resolve, reject) => {
        stream.on("finish", resolve);
        stream.on("error", reject);
      });
      finished.catch(() => {});
      const drop = () => fs.rm(temp, { force: true });
      return {
        stream,
        async done() {
          try {
            await finished;
            await new Promise((resolve) => stream.close(resolve));
            await fs.rename(temp, target);
          } catch (error) {
            await drop();
            throw error;
          }
          return stored(key);
        },
        async abort(error) {
          stream.destroy(error);
          await new Promise((resolve) => stream.close(resolve));
          await drop();
        },
      };
    },

    async getInto(key, take) {
      let file: fs.FileHandle;
      try {
        file = await fs.open(fullPath(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StorageNotFound(key);
        throw error;
      }
      try {
        const target = await take((await file.stat()).size);
        let at = 0;
        while (at < target.length) {
          const { bytesRead } = await file.read(target, at, target.length - at, at);
          if (bytesRead === 0) throw new Error(`Stored object ${key} changed while it was read`);
          at += bytesRead;
        }
        return target;
      } finally {
        await file.close();
      }
    },

    async getBuffer(key) {
      try {
        return await fs.readFile(fullPath(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StorageNotFound(key);
        throw error;
      }
    },

    async stat(key) {
      try {
        const info = await fs.stat(fullPath(key));
        return { bytes: info.size, modifiedAt: info.mtime };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },

    async delete(key) {
      await fs.rm(fullPath(key), { force: true });
    },

    async deletePrefix(prefix) {
      folders.clear();
      await fs.rm(fullPath(prefix.replace(/\/$/, "")), { recursive: true, force: true });
    },
  };
}

/** A file stream that meters what it writes (both of Writable's write paths). */
function measuredFile(file: fs.FileHandle): {
  stream: WriteStream;
  stored(key: string): StoredObject;
} {
  const { add, stored } = objectMeter();
  const stream = file.createWriteStream();
  const write = stream._write.bind(stream);
  const writev = stream._writev?.bind(stream);
  stream._write = (chunk: Buffer, encoding, callback) => {
    add(chunk);
    write(chunk, encoding, callback);
  };
  if (writev)
    stream._writev = (chunks, callback) => {
      for (const { chunk } of chunks) add(chunk as Buffer);
      writev(chunks, callback);
    };
  return { stream, stored };
}
