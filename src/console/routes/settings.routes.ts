/** Settings: its pages. */
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console.plugin.ts";

const hide = { hide: true };

export async function settingsPages(app: FastifyInstance, _context: ConsoleContext) {
  app.get("/settings", { schema: hide }, async (_request, reply) =>
    reply.page("settings/index", { title: "Settings", section: "settings" }),
  );
}
