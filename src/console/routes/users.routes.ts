/**
 * Users (admins only): the account's people with their role, and an invitation: a member or
 * admin user made by email, with the one-time link to choose a password shown to copy (cardmerge
 * sends no email; the admin passes the link on).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, notFound } from "../../errors.ts";
import { passwordLinkUrl } from "../../modules/users/users.service.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { requireAdmin } from "./admin-only.ts";
import { type Form, FormErrors, ID, text } from "./form-input.ts";

const hide = { hide: true };
const ROLES = [
  { value: "member", help: "sends campaigns, manages contacts and automations" },
  { value: "admin", help: "also manages API keys, webhooks, users and the account's settings" },
] as const;

export async function usersPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const { users } = deps;

  app.addHook("preHandler", async (request) => requireAdmin(request, "manage users"));

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { email: string; role: string; errors: Record<string, string> } = {
      email: "",
      role: "member",
      errors: {},
    },
  ) => {
    const rows = await users.list(accountOf(request).liveAccountId);
    return reply.page("settings/users", {
      title: "Users",
      section: "settings",
      tab: "users",
      users: rows.map((u) => ({
        id: u.id,
        email: u.email,
        role: u.role,
        invited: u.password_hash === null,
        created_at: u.created_at,
        you: u.id === request.session?.user_id,
      })),
      form,
      roles: ROLES.map((r) => ({ ...r, on: r.value === form.role })),
    });
  };

  app.get("/settings/users", { schema: hide }, async (request, reply) => listPage(request, reply));

  app.post<{ Body: Form }>("/settings/users", { schema: hide }, async (request, reply) => {
    const errors = new FormErrors();
    const email = text(request.body, "email", { max: 254, errors, label: "The email" });
    const role = text(request.body, "role", { max: 10, errors, label: "The role" }) || "member";
    if (role !== "member" && role !== "admin") errors.add("role", "choose member or admin");
    if (!errors.any) {
      try {
        const { user, linkToken } = await users.create(accountOf(request).liveAccountId, {
          email,
          role: role as "member" | "admin",
        });
        return reply.code(201).page("settings/user-invited", {
          title: "User invited",
          section: "settings",
          tab: "users",
          invited: { email: user.email, role: user.role },
          link: passwordLinkUrl(deps.config.publicUrl, linkToken),
          scripts: ["settings-copy.js"],
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        errors.add(
          error.status === 409 ? "email" : (error.errors[0]?.field ?? "form"),
          error.message,
        );
      }
    }
    return listPage(request, reply.code(400), { email, role, errors: errors.byField() });
  });

  // A fresh link for someone who lost theirs (or their password): shown like an invitation's.
  app.post<{ Params: { id: string } }>(
    "/settings/users/:id/link",
    { schema: hide },
    async (request, reply) => {
      if (!ID.test(request.params.id)) throw notFound("User");
      const { user, linkToken } = await users.newPasswordLink(
        accountOf(request).liveAccountId,
        request.params.id,
      );
      return reply.code(201).page("settings/user-invited", {
        title: "New password link",
        section: "settings",
        tab: "users",
        invited: { email: user.email, role: user.role },
        fresh: true,
        link: passwordLinkUrl(deps.config.publicUrl, linkToken),
        scripts: ["settings-copy.js"],
      });
    },
  );
}
