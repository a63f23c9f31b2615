/** The default storage: a local directory. Writes go to a temporary name, then rename (atomic). */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
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

  return {
    async put(key, body): Promise<StoredObject> {
      const target = fullPath(key);
      const folder = path.dirname(target);
      if (!folders.has(folder)) await makeFolder(folder);
      const temp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
      const { source, meter, stored } = measuring(body);
      try {
        const file = await fs.open(temp, "w").catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT") throw error;
          folders.delete(folder);
          await makeFolder(folder);
          return fs.open(temp, "w");
        });
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
