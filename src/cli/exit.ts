import { ConfigError } from "../config.ts";

/** Runs the config loader; a bad variable ends the process with one clear line and exit code 78 (EX_CONFIG). */
export function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cardmerge: configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
