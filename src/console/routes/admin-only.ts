/**
 * Which settings need an admin. Members see the account's settings (time zone, return address)
 * but change nothing there, and never see API keys, webhook endpoints or users: a key or a
 * signing secret acts for the whole account, and inviting people decides who can. Refused with
 * the 403 page, never an empty list.
 */
import type { FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";

export const isAdmin = (request: FastifyRequest) => request.session?.role === "admin";

export function requireAdmin(request: FastifyRequest, what: string): void {
  if (!isAdmin(request))
    throw new AppError(
      "forbidden",
      `Only an admin of this account can ${what}. Ask one of your account's admins.`,
    );
}
