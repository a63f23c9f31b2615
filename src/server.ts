/** The API process: config → deps → app → listen; on SIGTERM/SIGINT stop taking requests, finish, close. */
import closeWithGrace from "close-with-grace";
import { buildApp } from "./app.ts";
import { exitOnConfigError } from "./cli/exit.ts";
import { loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { warnIfRoot } from "./logger.ts";

const config = exitOnConfigError(() => loadConfig());
// The API's render processes draw proofs only (the workers draw the cards): PROOF_PROCESSES of them.
const render = { ...config.render, processes: config.render.proofProcesses };
const deps = exitOnConfigError(() => createDeps({ ...config, render }, "api"));
const app = await buildApp(deps);
warnIfRoot(deps.logger);

closeWithGrace({ delay: config.shutdownGraceSeconds * 1000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, "stopping after an error");
  else app.log.info({ signal }, "stopping");
  await app.close();
  await deps.close();
});

await app.listen({ host: config.host, port: config.port });
// Proofs draw in render processes: start them now rather than on the first proof.
deps.renderPool.warm();
// …and draw a sample proof in each, so the first person's proof is as quick as the next.
void deps.recipients.warmProofs(render.processes);
const shown = config.host === "0.0.0.0" ? "localhost" : config.host;
app.log.info(
  `cardmerge on http://${shown}:${config.port} — the console at /, the API under /v1, its docs at /docs`,
);
