/** Automations: its pages. */
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console.plugin.ts";

const hide = { hide: true };

export async function automationsPages(app: FastifyInstance, _context: ConsoleContext) {
  app.get("/automations", { schema: hide }, async (_request, reply) =>
    reply.page("automations/index", { title: "Automations", section: "automations" }),
  );
}
