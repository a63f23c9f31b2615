/**
 * The PostgreSQL cluster a DATABASE_URL names, found by its port in `pg_lsclusters` (Debian's
 * postgresql-common), so a fault test restarts that cluster and no other one on the machine.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export interface Cluster {
  version: string;
  name: string;
  port: number;
  dataDir: string;
}

export function clusterOf(databaseUrl: string): Cluster {
  const url = new URL(databaseUrl);
  const port = Number(url.port || 5432);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
    throw new Error(
      `DATABASE_URL names ${url.hostname}: a fault test restarts only a local cluster`,
    );
  const lines = execFileSync("pg_lsclusters", ["--no-header"]).toString().trim().split("\n");
  for (const line of lines) {
    const [version, name, p, , , dataDir] = line.trim().split(/\s+/);
    if (version && name && dataDir && Number(p) === port) return { version, name, port, dataDir };
  }
  throw new Error(`no PostgreSQL cluster listens on port ${port} (pg_lsclusters)`);
}

/** The port of the PostgreSQL every engineer's tests share on a development machine. */
const SHARED_PORT = 5432;

/**
 * The cluster DATABASE_URL names, when a test may restart it: one of your own, or the shared one
 * (port 5432) only with CI=true, where the run has the machine to itself. Otherwise an error that
 * says how to make one's own.
 */
export function clusterToRestart(databaseUrl: string, env = process.env): Cluster {
  const cluster = clusterOf(databaseUrl);
  if (cluster.port === SHARED_PORT && env.CI !== "true")
    throw new Error(
      `refusing to restart PostgreSQL ${cluster.version}/${cluster.name} on port ${SHARED_PORT}: ` +
        "other test runs use it. Give the fault tests a cluster of their own " +
        "(pg_createcluster 15 faults -p 5433 -- --auth=trust && pg_ctlcluster 15 faults start, " +
        "then DATABASE_URL=postgres://postgres@127.0.0.1:5433/cardmerge), or set CI=true where " +
        "this run is alone on the machine.",
    );
  return cluster;
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A restart in two steps, so the test knows the moment the server went down: SIGINT to the
 * postmaster (a fast shutdown, as `pg_ctl stop -m fast`: every session is cut, transactions in
 * progress roll back), sent the moment this is called; once it is gone, `pg_ctlcluster start`.
 */
export async function restartCluster(cluster: Cluster): Promise<void> {
  const pid = Number(
    readFileSync(path.join(cluster.dataDir, "postmaster.pid"), "utf8").split("\n")[0],
  );
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + 30_000;
  while (running(pid)) {
    if (Date.now() > deadline) throw new Error("PostgreSQL did not stop");
    await new Promise((r) => setTimeout(r, 20));
  }
  execFileSync(
    "pg_ctlcluster",
    ["--skip-systemctl-redirect", cluster.version, cluster.name, "start"],
    { stdio: "ignore" },
  );
}
