import type { Config } from "../config.ts";
import { createLocalStorage } from "./local-storage.ts";
import type { S3Options } from "./s3-storage.ts";
import type { Storage } from "./storage.ts";

/** The configured storage driver: a local directory unless STORAGE_DRIVER=s3. */
export function createStorage(config: Pick<Config, "storageDir" | "s3">): Storage {
  return config.s3 ? lazyS3(config.s3) : createLocalStorage(config.storageDir);
}

/** The AWS SDK is large: it is loaded only by processes configured for S3. */
function lazyS3(opts: S3Options): Storage {
  const driver = import("./s3-storage.ts").then((m) => m.createS3Storage(opts));
  return {
    put: async (key, body, putOpts) => (await driver).put(key, body, putOpts),
    get: async (key, range) => (await driver).get(key, range),
    getBuffer: async (key) => (await driver).getBuffer(key),
    getInto: async (key, take) => (await driver).getInto(key, take),
    openWriter: async (key, writerOpts) => (await driver).openWriter(key, writerOpts),
    stat: async (key) => (await driver).stat(key),
    delete: async (key) => (await driver).delete(key),
    deletePrefix: async (prefix) => (await driver).deletePrefix(prefix),
  };
}
