/** The default storage: a local directory. Writes go to a temporary name, then rename (atomic). */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import {
  checkKey,
  measuring,
  type Storage,
  StorageNotFound,
  type StoredObject,
} from "./storage.ts";

export function createLocalStorage(root: string): Storage {
  const fullPath = (key: string) => path.join(root, checkKey(key));

  return {
    async put(key, body): Promise<StoredObject> {
      const target = fullPath(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
      const { source, meter, stored } = measuring(body);
      try {
        await pipeline(source, meter, createWriteStream(temp));
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
      await fs.rm(fullPath(prefix.replace(/\/$/, "")), { recursive: true, force: true });
    },
  };
}
