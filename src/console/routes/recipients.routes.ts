/** Recipients of a campaign: its pages. */
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console.plugin.ts";

export async function recipientsPages(_app: FastifyInstance, _context: ConsoleContext) {}
