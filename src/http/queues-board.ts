/**
 * The queues board for operators: bull-board at /admin/queues (jobs by state, their payloads —
 * ids only — errors and retries), behind the operator guard. A customer's admin key sees a 404,
 * as for any route that does not exist. Its routes are hidden from the OpenAPI document.
 */
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";
import { type OperatorGuardOptions, operatorGuard } from "./operator-guard.ts";

export const QUEUES_BOARD_PATH = "/admin/queues";

export async function queuesBoard(
  app: FastifyInstance,
  opts: {
    queues: Queue[];
    guard: Omit<OperatorGuardOptions, "allowRanges" | "wrongKey" | "challenge">;
  },
) {
  const server = new FastifyAdapter();
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: server,
    options: { uiConfig: { boardTitle: "cardmerge queues" } },
  });
  server.setBasePath(QUEUES_BOARD_PATH);
  // Encapsulated (not fastify-plugin): the hooks below reach the board's routes only.
  await app.register(async (board) => {
    // Basic auth: a browser asks for the key once and sends it with every asset and API call.
    board.addHook(
      "onRequest",
      operatorGuard({
        ...opts.guard,
        allowRanges: false,
        wrongKey: "not_found",
        challenge: "Basic",
      }),
    );
    board.addHook("onRoute", (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await board.register(server.registerPlugin(), { prefix: QUEUES_BOARD_PATH });
  });
}
