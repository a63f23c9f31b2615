/**
 * LISTEN on one PostgreSQL channel over a connection of its own, kept open: it reconnects after a
 * loss, and says when it is listening and when it is not, so a cache that trusts the channel to
 * hear of every change can stop trusting it the moment it may have missed one.
 */
import pg from "pg";
import type { Config } from "../config.ts";

export interface Listener {
  /** True while LISTEN is in force on a live connection (nothing sent meanwhile was missed). */
  readonly listening: boolean;
  /** The PostgreSQL backend serving the connection, while listening (operators, tests). */
  readonly backendPid: number | undefined;
  close(): Promise<void>;
}

export interface ListenHandlers {
  onMessage(payload: string): void;
  /** LISTEN is in force again: everything from now on will be heard. */
  onListening(): void;
  /** The connection is lost or doubtful: messages may have been missed since the last call. */
  onLost(): void;
}

/** A silently dead connection (no error, no close) is found by this often asking it something. */
const HEARTBEAT_MS = 5_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 10_000;

export function listen(
  config: Pick<Config, "databaseUrl">,
  channel: string,
  handlers: ListenHandlers,
): Listener {
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const lost = (from: pg.Client) => {
    if (client !== from) return;
    client = undefined;
    clearInterval(heartbeat);
    from.removeAllListeners("notification");
    from.on("error", () => {});
    from.end().catch(() => {});
    if (listening) {
      listening = false;
      handlers.onLost();
    }
    if (closed) return;
    retry = setTimeout(connect, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = async () => {
    retry = undefined;
    const c = new pg.Client({
      connectionString: config.databaseUrl,
      application_name: `cardmerge-listen:${channel}`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      // A heartbeat that gets no answer in time means the connection is gone.
      query_timeout: HEARTBEAT_MS,
    });
    client = c;
    c.on("error", () => lost(c));
    c.on("end", () => lost(c));
    c.on("notification", (n) => {
      if (n.channel === channel) handlers.onMessage(n.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch {
      lost(c);
      return;
    }
    if (client !== c || closed) return;
    retryMs = RETRY_MIN_MS;
    listening = true;
    handlers.onListening();
    heartbeat = setInterval(() => {
      c.query("SELECT 1").catch(() => lost(c));
    }, HEARTBEAT_MS);
    heartbeat.unref();
  };

  void connect();

  return {
    get listening() {
      return listening;
    },
    get backendPid() {
      return listening
        ? (client as unknown as { processID?: number } | undefined)?.processID
        : undefined;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      const c = client;
      client = undefined;
      if (listening) {
        listening = false;
        handlers.onLost();
      }
      await c?.end().catch(() => {});
    },
  };
}
