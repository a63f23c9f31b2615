/**
 * Logger options shared by the API and the workers. Secrets and personal data are redacted:
 * API keys never reach a log line, nor do recipients' names, addresses or emails.
 */
import pino, { type LoggerOptions } from "pino";
import type { Config } from "./config.ts";

/**
 * Members of a PostgreSQL error that quote the data it choked on: `where` holds "JSON data, line 1:
 * {"firstName":"Zoë"…" for a bad jsonb value, `detail` the row of a failed constraint. They never
 * reach the log; code, constraint, table and column say enough to find the fault.
 */
const PG_DATA_MEMBERS = new Set([
  "detail",
  "where",
  "hint",
  "internalQuery",
  "position",
  "internalPosition",
]);

function isDatabaseError(error: Error): boolean {
  const e = error as Error & { code?: unknown; severity?: unknown; routine?: unknown };
  return (
    typeof e.code === "string" &&
    /^[0-9A-Z]{5}$/.test(e.code) &&
    (e.severity !== undefined || e.routine !== undefined)
  );
}

/** `invalid input syntax for type integer: "Zoë"` → `…integer: "[redacted]"`: the value goes, the kind stays. */
function scrubMessage(message: string): string {
  return message.replace(/:\s*".*"$/s, ': "[redacted]"');
}

/**
 * pino's error serializer, except that PostgreSQL errors (anywhere in the cause chain) lose the
 * members and message parts that quote data. Causes stay separate objects so none is flattened
 * into a message unscrubbed.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const database = isDatabaseError(error);
  const message = database ? scrubMessage(error.message) : error.message;
  const out: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name,
    message,
    stack: database ? error.stack?.replace(error.message, message) : error.stack,
  };
  for (const [key, value] of Object.entries(error)) {
    if (key === "cause" || key === "message" || key === "stack") continue;
    if (database && PG_DATA_MEMBERS.has(key)) continue;
    out[key] = value;
  }
  if (error.cause !== undefined && depth < 5) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

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
    serializers: { err: serializeError, error: serializeError },
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
