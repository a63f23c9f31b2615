/**
 * Configuration from environment variables, parsed and validated once per process.
 * Every default works on a developer machine with PostgreSQL and Redis on localhost.
 * A bad value stops the process with a message that names the variable and what it expects.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { type AddressRange, parseAddressRanges } from "./address-ranges.ts";
import { DEFAULT_PROFILE_FILES, PROFILE_PACKAGE } from "./render/colour-profiles.ts";

export interface Config {
  /** PostgreSQL connection string. */
  databaseUrl: string;
  /** Schema that holds cardmerge's tables (tests give each file its own). */
  databaseSchema: string;
  redisUrl: string;
  /** Prefix of every Redis key (queues, rate limits): lets several deployments or tests share one Redis. */
  redisPrefix: string;
  host: string;
  port: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Local directory for photos, CSVs and PDFs (the `local` driver). */
  storageDir: string;
  /** S3-compatible storage, used when STORAGE_DRIVER=s3. */
  s3?: {
    bucket: string;
    region: string;
    endpoint?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
  };
  /**
   * The CJK fallback font: a file (`#PostScriptName` after a .ttc), null for none, undefined to
   * use the first installed one the renderer knows (CJK_FONT; "none" turns it off).
   */
  cjkFont?: string | null;
  /**
   * The ICC profiles batches declare as their output intent and CMYK photos are converted with
   * (COLOR_PROFILE_RGB, COLOR_PROFILE_CMYK; defaults from Debian's libgs-common).
   */
  colorProfiles: { rgb: string; cmyk: string };
  /** Largest JSON body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Largest upload (CSV, photo, ZIP) accepted, in bytes. */
  uploadLimitBytes: number;
  rateLimit: { max: number; windowSeconds: number };
  /**
   * How long an API process may serve a looked-up key from memory (0: ask PostgreSQL on every
   * request). A revocation reaches every process at once by NOTIFY whatever this is.
   */
  authCacheSeconds: number;
  /** The service's public base URL: cards' short URLs (QR codes) are PUBLIC_URL/q/<token>. */
  publicUrl: string;
  /** The web console (src/console/): its cookies and how many failed sign-ins it allows. */
  console: Readonly<{
    /** Cookies carry Secure: on when PUBLIC_URL is https (CONSOLE_SECURE_COOKIES overrides). */
    secureCookies: boolean;
    /** Failed sign-ins per email and per client address in the window, then 429. */
    signInFailureMax: number;
    signInWindowSeconds: number;
  }>;
  /** Scans of QR codes (GET /q/:token, public) per client address per rate-limit window. */
  scanRateLimitMax: number;
  /**
   * Hostile-input bounds (issue 8): requests with a missing or wrong API key per client address per
   * rate-limit window; the bytes of a JSON recipient import (counted while it streams); what a ZIP
   * of photos may inflate to in all; photo uploads unzipped and decoded at once per process.
   */
  authFailureLimitMax: number;
  jsonImportLimitBytes: number;
  zipInflatedLimitBytes: number;
  photoUploadConcurrency: number;
  /**
   * Who may read /metrics and the queues board (/admin/queues). Every account's first key has the
   * admin scope, so admin alone would open the whole service's queues to any customer: only admin
   * keys of the operator accounts (OPERATOR_ACCOUNT_IDS) count. /metrics also answers, without a
   * key, to addresses in METRICS_ALLOW_CIDRS (a Prometheus on the private network).
   */
  operators: { accountIds: readonly string[]; metricsAllow: readonly AddressRange[] };
  /** Seconds a process waits for work in flight when asked to stop. */
  shutdownGraceSeconds: number;
  /**
   * The render sandbox: every customer's card (proofs, the recipient's report, the render step) is
   * drawn in a child process with these bounds, so a runaway card fails alone (render_limit).
   */
  render: {
    /** Render processes per worker process. */
    processes: number;
    /**
     * Render processes of an API process, which draw proofs only (and pdftoppm processes run at
     * once): one per core, so a burst of proofs for cards not drawn before uses the machine while
     * the niced workers render.
     */
    proofProcesses: number;
    /** V8 heap cap of each render process, MB. */
    heapMb: number;
    /** Wall time one card may take to draw, ms (also bounds a proof picture's rasterizing). */
    timeoutMs: number;
    /** PDF bytes one card may write. */
    maxPdfBytes: number;
  };
  worker: {
    /** Worker processes `npm run worker` starts (default: one per core). */
    processes: number;
    /**
     * The workers' CPU niceness (0-19, default 10): on a machine they share with the API, the
     * API's answers come first and rendering takes what is left (render limits count CPU time,
     * so a starved card is not failed for it).
     */
    nice: number;
    /** Jobs each worker process runs at once. */
    concurrency: number;
    /** Cards per render job. */
    renderChunkSize: number;
    /** Cards per print batch. */
    batchSize: number;
    /** How often the reconciler looks for stalled work, and how long without progress counts as stalled. */
    reconcileSeconds: number;
    /** A job whose worker stops renewing its lock for this long is taken up again (BullMQ stalled jobs). */
    lockMs: number;
    /** How long a card or batch may keep failing for no reason of its own before it is failed. */
    giveUpSeconds: number;
    /**
     * How often the automations' clock ticks (a BullMQ job scheduler): each tick runs the day of
     * every account whose send hour has come. 0: no clock (tests and one-off workers).
     */
    automationTickSeconds: number;
  };
  /** Webhook delivery (src/modules/events): who may be called, how long an attempt may take, retries. */
  webhooks: {
    /** Allow loopback, private, CGNAT and unique-local addresses (development and tests only). */
    allowPrivate: boolean;
    /** The first retry's delay; each next one doubles, up to 12 hours, for three days. */
    retryBaseMs: number;
    /** How often workers look for due deliveries in PostgreSQL. */
    pollMs: number;
    /** One attempt's whole time: resolving, connecting, sending and reading the answer. */
    timeoutMs: number;
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === "" ? fallback : value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new ConfigError(name, `expected "true" or "false", got "${raw}"`);
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected a URL like ${fallback}, got "${redactUrl(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(
      name,
      `expected a ${protocols.join(" or ")} URL like ${fallback}, got "${redactUrl(raw)}"`,
    );
  }
  return raw;
}

/** Hide a password in a URL before it goes into an error message. */
function redactUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function s3Config(env: Env): Config["s3"] {
  const driver = str(env, "STORAGE_DRIVER", "local");
  if (driver === "local") return undefined;
  if (driver !== "s3")
    throw new ConfigError("STORAGE_DRIVER", `expected "local" or "s3", got "${driver}"`);
  const bucket = env.S3_BUCKET;
  if (!bucket) throw new ConfigError("S3_BUCKET", "required when STORAGE_DRIVER=s3");
  const endpoint = env.S3_ENDPOINT
    ? url(env, "S3_ENDPOINT", "http://127.0.0.1:9000", ["http:", "https:"])
    : undefined;
  return Object.freeze({
    bucket,
    region: str(env, "S3_REGION", "us-east-1"),
    endpoint,
    accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    // MinIO and most self-hosted servers need path-style addressing.
    forcePathStyle: str(env, "S3_FORCE_PATH_STYLE", endpoint ? "true" : "false") === "true",
  });
}

/** CJK_FONT, on its own: the command-line renderer needs nothing else of the config. */
export function cjkFontConfig(env: Env = process.env): string | null | undefined {
  const value = env.CJK_FONT;
  if (!value) return undefined;
  if (value === "none") return null;
  if (!existsSync(value.split("#")[0] as string)) {
    throw new ConfigError(
      "CJK_FONT",
      `expected a font file (with #PostScriptName for a .ttc) or "none", but ${value} does not exist`,
    );
  }
  return value;
}

/** COLOR_PROFILE_*: files checked here, at start, so a missing profile never fails a batch. */
export function colorProfilesConfig(env: Env = process.env): Config["colorProfiles"] {
  const file = (name: string, fallback: string) => {
    const value = str(env, name, fallback);
    if (!existsSync(value)) {
      throw new ConfigError(
        name,
        value === fallback
          ? `the ICC profile ${value} is missing: install Debian's ${PROFILE_PACKAGE} (apt-get install ${PROFILE_PACKAGE}) or name another profile file`
          : `expected an ICC profile file, but ${value} does not exist`,
      );
    }
    return value;
  };
  return Object.freeze({
    rgb: file("COLOR_PROFILE_RGB", DEFAULT_PROFILE_FILES.rgb),
    cmyk: file("COLOR_PROFILE_CMYK", DEFAULT_PROFILE_FILES.cmyk),
  });
}

const ACCOUNT_ID = /^acct_[0-9A-Za-z]{20}$/;

function operators(env: Env): Config["operators"] {
  const ids = str(env, "OPERATOR_ACCOUNT_IDS", "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined) {
    throw new ConfigError(
      "OPERATOR_ACCOUNT_IDS",
      `expected account ids like acct_0123456789abcdefghij, comma-separated, got "${bad.slice(0, 64)}"`,
    );
  }
  let metricsAllow: AddressRange[] = [];
  const cidrs = str(env, "METRICS_ALLOW_CIDRS", "");
  if (cidrs !== "") {
    try {
      metricsAllow = parseAddressRanges(cidrs);
    } catch (error) {
      throw new ConfigError(
        "METRICS_ALLOW_CIDRS",
        `expected comma-separated CIDR ranges like 10.0.0.0/8,fd00::/8: ${(error as Error).message}`,
      );
    }
  }
  return Object.freeze({
    accountIds: Object.freeze(ids),
    metricsAllow: Object.freeze(metricsAllow.map((r) => Object.freeze(r))),
  });
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = str(env, "LOG_LEVEL", "info");
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      "LOG_LEVEL",
      `expected one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`,
    );
  }
  const databaseSchema = str(env, "DATABASE_SCHEMA", "public");
  if (!IDENTIFIER.test(databaseSchema)) {
    throw new ConfigError("DATABASE_SCHEMA", "expected a lower-case SQL identifier");
  }
  return Object.freeze({
    databaseUrl: url(env, "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cardmerge", [
      "postgres:",
      "postgresql:",
    ]),
    databaseSchema,
    redisUrl: url(env, "REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    redisPrefix: str(env, "REDIS_PREFIX", "cardmerge"),
    host: str(env, "HOST", "0.0.0.0"),
    port: int(env, "PORT", 3000, 0, 65535),
    logLevel: logLevel as Config["logLevel"],
    storageDir: path.resolve(str(env, "STORAGE_DIR", "data")),
    s3: s3Config(env),
    cjkFont: cjkFontConfig(env),
    colorProfiles: colorProfilesConfig(env),
    bodyLimitBytes: int(env, "BODY_LIMIT_BYTES", 1024 * 1024, 1024, 100 * 1024 * 1024),
    uploadLimitBytes: int(env, "UPLOAD_LIMIT_BYTES", 50 * 1024 * 1024, 1024, 2 * 1024 ** 3),
    rateLimit: Object.freeze({
      max: int(env, "RATE_LIMIT_MAX", 600, 1, 1_000_000),
      windowSeconds: int(env, "RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
    }),
    authCacheSeconds: int(env, "AUTH_CACHE_SECONDS", 60, 0, 3600),
    authFailureLimitMax: int(env, "AUTH_FAILURE_LIMIT_MAX", 30, 1, 1_000_000),
    publicUrl: url(env, "PUBLIC_URL", "http://localhost:3000", ["http:", "https:"]).replace(
      /\/+$/,
      "",
    ),
    console: Object.freeze({
      secureCookies: bool(
        env,
        "CONSOLE_SECURE_COOKIES",
        (env.PUBLIC_URL ?? "").trim().toLowerCase().startsWith("https:"),
      ),
      signInFailureMax: int(env, "SIGN_IN_FAILURE_LIMIT_MAX", 10, 1, 1_000_000),
      signInWindowSeconds: int(env, "SIGN_IN_WINDOW_SECONDS", 900, 1, 86_400),
    }),
    scanRateLimitMax: int(env, "SCAN_RATE_LIMIT_MAX", 60, 1, 1_000_000),
    jsonImportLimitBytes: int(
      env,
      "JSON_IMPORT_LIMIT_BYTES",
      50 * 1024 * 1024,
      1024,
      2 * 1024 ** 3,
    ),
    zipInflatedLimitBytes: int(
      env,
      "ZIP_INFLATED_LIMIT_BYTES",
      100 * 1024 * 1024,
      1024,
      8 * 1024 ** 3,
    ),
    photoUploadConcurrency: int(env, "PHOTO_UPLOAD_CONCURRENCY", 2, 1, 64),
    operators: operators(env),
    shutdownGraceSeconds: int(env, "SHUTDOWN_GRACE_SECONDS", 30, 1, 3600),
    render: Object.freeze({
      processes: int(env, "RENDER_PROCESSES", 1, 1, 32),
      proofProcesses: int(env, "PROOF_PROCESSES", Math.min(availableParallelism(), 4), 1, 32),
      // A card needs about 45 MB of heap (every design and format, a CJK name); room to spare.
      heapMb: int(env, "RENDER_HEAP_MB", 256, 16, 4096),
      timeoutMs: int(env, "RENDER_TIMEOUT_MS", 10_000, 1, 600_000),
      // The largest photo master (3375 px, even pure noise) is 12 MB; a design adds kilobytes.
      maxPdfBytes: int(env, "RENDER_MAX_PDF_BYTES", 16 * 1024 * 1024, 64 * 1024, 1024 ** 3),
    }),
    worker: Object.freeze({
      processes: int(env, "WORKER_PROCESSES", availableParallelism(), 1, 64),
      nice: int(env, "WORKER_NICE", 10, 0, 19),
      concurrency: int(env, "WORKER_CONCURRENCY", 2, 1, 64),
      renderChunkSize: int(env, "RENDER_CHUNK_SIZE", 25, 1, 1000),
      batchSize: int(env, "BATCH_SIZE", 500, 1, 100_000),
      reconcileSeconds: int(env, "RECONCILE_SECONDS", 60, 1, 3600),
      lockMs: int(env, "WORKER_LOCK_MS", 30_000, 1000, 600_000),
      giveUpSeconds: int(env, "GIVE_UP_SECONDS", 600, 0, 86_400),
      automationTickSeconds: int(env, "AUTOMATION_TICK_SECONDS", 900, 0, 86_400),
    }),
    webhooks: Object.freeze({
      allowPrivate: bool(env, "WEBHOOK_ALLOW_PRIVATE", false),
      retryBaseMs: int(env, "WEBHOOK_RETRY_BASE_MS", 60_000, 10, 3_600_000),
      pollMs: int(env, "WEBHOOK_POLL_MS", 1000, 10, 60_000),
      timeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, 100, 10_000),
    }),
  });
}
