import type { Deps } from "../../src/deps.ts";

export interface RunningProcessors {
  names: string[];
  close(): Promise<void>;
}

/** Starts every queue processor of this worker process. Each processor is a thin adapter over a module service. */
export async function startProcessors(_deps: Deps): Promise<RunningProcessors> {
  const running: { name: string; close(): Promise<void> }[] = [];
  return {
    names: running.map((p) => p.name),
    async close() {
      await Promise.all(running.map((p) => p.close()));
    },
  };
}
