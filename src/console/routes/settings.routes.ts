/**
 * Settings: the account (time zone, send hour, return address) here; API keys, webhook endpoints
 * and users in files of their own, registered below. Every change goes through the accounts
 * service, which validates it as the API's PATCH /v1/account does; a refused form comes back with
 * what was typed and the fault beside each field.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { returnAddressJson } from "../../modules/accounts/accounts.schemas.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { isAdmin, requireAdmin } from "./admin-only.ts";
import { apiKeysPages } from "./api-keys.routes.ts";
import { type Form, FormErrors, text } from "./form-input.ts";
import { usersPages } from "./users.routes.ts";
import { webhooksPages } from "./webhooks.routes.ts";

const hide = { hide: true };
const ZONES: string[] = Intl.supportedValuesOf("timeZone");
const ADDRESS_PARTS = ["line1", "line2", "city", "region", "postal_code", "country"] as const;

/** Zones under their region (America, Europe…) for the select's groups; a lone name goes first. */
function groupZones(zones: string[], chosen: string) {
  const groups = new Map<string, { value: string; label: string; on: boolean }[]>();
  for (const z of zones) {
    const slash = z.indexOf("/");
    const region = slash > 0 ? z.slice(0, slash) : "";
    const label = (slash > 0 ? z.slice(slash + 1) : z).replaceAll("_", " ");
    const list = groups.get(region) ?? [];
    list.push({ value: z, label, on: z === chosen });
    groups.set(region, list);
  }
  return [...groups].map(([region, options]) => ({ region, options }));
}

interface AccountForm {
  time_zone: string;
  send_hour: string;
  return_address: Record<(typeof ADDRESS_PARTS)[number], string>;
}

export async function settingsPages(app: FastifyInstance, context: ConsoleContext) {
  const { accounts } = context.deps;

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    opts: { form?: AccountForm; errors?: Record<string, string>; saved?: boolean } = {},
  ) => {
    const account = await accounts.getAccount(accountOf(request).liveAccountId);
    const address = returnAddressJson(account.return_address);
    const form: AccountForm = opts.form ?? {
      time_zone: account.time_zone,
      send_hour: String(account.send_hour),
      return_address: Object.fromEntries(
        ADDRESS_PARTS.map((p) => [p, address?.[p] ?? ""]),
      ) as AccountForm["return_address"],
    };
    // A zone typed by hand (refused, or the account's from before) stays chosen where it was.
    const zone = form.time_zone || account.time_zone;
    const zones = ZONES.includes(zone) ? ZONES : [zone, ...ZONES];
    return reply.page("settings/index", {
      title: "Settings",
      section: "settings",
      tab: "account",
      admin: isAdmin(request),
      account,
      address,
      form,
      errors: opts.errors ?? {},
      saved: opts.saved,
      zoneGroups: groupZones(zones, zone),
      hours: Array.from({ length: 24 }, (_, h) => ({
        value: String(h),
        label: `${String(h).padStart(2, "0")}:00`,
        on: String(h) === form.send_hour,
      })),
    });
  };

  app.get<{ Querystring: Form }>("/settings", { schema: hide }, async (request, reply) =>
    show(request, reply, { saved: (request.query as Form)?.saved === "1" }),
  );

  app.post<{ Body: Form }>("/settings/account", { schema: hide }, async (request, reply) => {
    requireAdmin(request, "change the account's settings");
    const body = request.body;
    const errors = new FormErrors();
    const form: AccountForm = {
      time_zone: text(body, "time_zone", { max: 64, errors, label: "The time zone" }),
      send_hour: text(body, "send_hour", { max: 2, errors, label: "The send hour" }),
      return_address: Object.fromEntries(
        ADDRESS_PARTS.map((p) => [
          p,
          text(body, `return_address.${p}`, { max: 300, errors, label: "This line" }),
        ]),
      ) as AccountForm["return_address"],
    };
    const hour = /^\d{1,2}$/.test(form.send_hour) ? Number(form.send_hour) : Number.NaN;
    if (!errors.any && !(hour >= 0 && hour <= 23))
      errors.add("send_hour", "choose an hour from 00:00 to 23:00");
    if (!form.time_zone && !errors.list.some((e) => e.field === "time_zone"))
      errors.add("time_zone", "choose a time zone");
    const anyAddress = Object.values(form.return_address).some(Boolean);
    if (!errors.any) {
      try {
        await accounts.updateClock(accountOf(request).liveAccountId, {
          time_zone: form.time_zone,
          send_hour: hour,
          return_address: anyAddress ? form.return_address : null,
        });
        return reply.redirect("/settings?saved=1", 303);
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 400) throw error;
        for (const e of error.errors) errors.add(e.field ?? "form", e.message);
      }
    }
    return show(request, reply.code(400), { form, errors: errors.byField() });
  });

  await app.register(apiKeysPages, context);
  await app.register(webhooksPages, context);
  await app.register(usersPages, context);
}
