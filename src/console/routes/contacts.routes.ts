/** Contacts: its pages. */
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console.plugin.ts";

const hide = { hide: true };

export async function contactsPages(app: FastifyInstance, _context: ConsoleContext) {
  app.get("/contacts", { schema: hide }, async (_request, reply) =>
    reply.page("contacts/index", { title: "Contacts", section: "contacts" }),
  );
}
