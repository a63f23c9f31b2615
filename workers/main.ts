/**
 * The worker process: config → deps (no HTTP) → processors → wait; on SIGTERM/SIGINT the processors
 * finish or hand back the job in flight, then connections close. Run one per core.
 */
import closeWithGrace from "close-with-grace";
import { exitOnConfigError } from "../src/cli/exit.ts";
import { loadConfig } from "../src/config.ts";
import { createDeps } from "../src/deps.ts";
import { startProcessors } from "./processors/index.ts";

const config = exitOnConfigError(() => loadConfig());
const deps = createDeps(config, "worker");
const processors = await startProcessors(deps);

closeWithGrace({ delay: config.shutdownGraceSeconds * 1000 }, async ({ signal, err }) => {
  if (err) deps.logger.error({ err }, "stopping after an error");
  else deps.logger.info({ signal }, "stopping: finishing jobs in flight");
  await processors.close();
  await deps.close();
});

deps.logger.info({ processors: processors.names }, "worker ready");
