import type { Config } from "../config.ts";
import { createLocalStorage } from "./local-storage.ts";
import { createS3Storage } from "./s3-storage.ts";
import type { Storage } from "./storage.ts";

/** The configured storage driver: a local directory unless STORAGE_DRIVER=s3. */
export function createStorage(config: Pick<Config, "storageDir" | "s3">): Storage {
  return config.s3 ? createS3Storage(config.s3) : createLocalStorage(config.storageDir);
}
