import type { Config } from "../config.ts";
import { createLocalStorage } from "./local-storage.ts";
import type { Storage } from "./storage.ts";

/** The configured storage driver: a local directory unless S3 is configured. */
export function createStorage(config: Pick<Config, "storageDir">): Storage {
  return createLocalStorage(config.storageDir);
}
