/**
 * Logger options shared by the API and the workers. Secrets and personal data are redacted:
 * API keys never reach a log line, nor do recipients' names, addresses or emails.
 */
import pino, { type LoggerOptions } from "pino";
import type { Config } from "./config.ts";

export function loggerOptions(config: Pick<Config, "logLevel">): LoggerOptions {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        "req.headers.authorization",
        "headers.authorization",
        "authorization",
        "apiKey",
        "api_key",
        "*.apiKey",
        "*.api_key",
        "*.secret",
        "*.email",
        "*.address",
        "*.fullName",
        "*.firstName",
        "*.lastName",
      ],
      censor: "[redacted]",
    },
  };
}

export function createLogger(config: Pick<Config, "logLevel">, name: string) {
  return pino({ ...loggerOptions(config), name });
}

export type Logger = ReturnType<typeof createLogger>;

/**
 * A production process running as root is told so once at start: a process that renders
 * customers' designs needs no privilege, and one it does not have cannot leak (the Docker image
 * runs as the unprivileged user `node`).
 */
export function warnIfRoot(logger: Pick<Logger, "warn">, env = process.env): void {
  if (env.NODE_ENV === "production" && process.getuid?.() === 0)
    logger.warn("running as root: run cardmerge as an unprivileged user (the Docker image does)");
}
