/**
 * Automations: each standing order (occasion, design, active or paused) with the cards it will
 * make in the next 30 days (automations.upcoming, which sends nothing), in send-day order, and
 * pause/resume through automations.update (a resumed automation starts again from today).
 */
import type { FastifyInstance } from "fastify";
import { notFound, validation } from "../../errors.ts";
import type { AutomationRow } from "../../modules/automations/automations.repository.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { type Form, ID, queryText } from "./form-input.ts";

const hide = { hide: true };
/** Cards shown beside each automation on the list; its own page shows them all. */
const PREVIEW = 5;
const PAGE = 200;
const OCCASIONS: Record<string, string> = {
  birthday: "Birthday",
  anniversary: "Anniversary",
  october_holiday: "October holiday",
  thank_you: "Thank-you",
};
const SKIPS: Record<string, string> = {
  do_not_mail: "not sent: do not mail",
  returned: "not sent: mail came back",
  no_address: "not sent: no address",
  missing_field: "not sent: a field the message needs is empty",
  too_late: "not sent: too late to arrive",
  contact_deleted: "not sent: contact deleted",
  already_sent: "already sent",
};

const summary = (a: AutomationRow) => ({
  id: a.id,
  name: a.name,
  occasion: OCCASIONS[a.occasion] ?? a.occasion,
  template: a.template_id,
  format: a.format,
  active: a.active,
  lead_days: a.lead_days,
  tag: a.tag,
  window: a.window_start && a.window_end ? `${a.window_start} to ${a.window_end}` : null,
});

type Upcoming = Awaited<ReturnType<ConsoleContext["deps"]["automations"]["upcoming"]>>;
const cardsOf = (result: Upcoming) =>
  result.items.map((o) => ({
    send_date: o.send_date,
    occasion_date: o.occasion_date,
    name: o.contact_name ?? "(no name)",
    skip: o.outcome ? (SKIPS[o.outcome] ?? o.outcome) : null,
  }));

export async function automationsPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const { automations } = deps;

  app.get("/automations", { schema: hide }, async (request, reply) => {
    const { accountId } = accountOf(request);
    const rows = await automations.list(accountId, { limit: 100 });
    const list = await Promise.all(
      rows.map(async (a) => {
        const ahead = await automations.upcoming(accountId, a.id, { limit: PREVIEW });
        return {
          ...summary(a),
          cards: cardsOf(ahead),
          total: ahead.totals.cards,
          more: ahead.hasMore,
          from: ahead.from,
          to: ahead.to,
        };
      }),
    );
    return reply.page("automations/index", {
      title: "Automations",
      section: "automations",
      automations: list,
    });
  });

  const automationOf = async (accountId: string, id: string) => {
    if (!ID.test(id)) throw notFound("Automation");
    return automations.get(accountId, id);
  };

  app.get<{ Params: { id: string }; Querystring: Form }>(
    "/automations/:id",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const a = await automationOf(accountId, request.params.id);
      const after = queryText(request.query, "after", 200);
      const ahead = await automations.upcoming(accountId, a.id, { limit: PAGE, after });
      const cards = cardsOf(ahead);
      // One heading per send day.
      const days: { send_day: string; cards: typeof cards }[] = [];
      for (const card of cards) {
        const last = days[days.length - 1];
        if (last?.send_day === card.send_date) last.cards.push(card);
        else days.push({ send_day: card.send_date, cards: [card] });
      }
      return reply.page("automations/show", {
        title: a.name,
        section: "automations",
        automation: summary(a),
        days,
        total: ahead.totals.cards,
        skipped: Object.entries(ahead.totals.skipped).map(([reason, n]) => ({
          reason: SKIPS[reason] ?? reason,
          n,
        })),
        from: ahead.from,
        to: ahead.to,
        next_url: ahead.nextAfter
          ? `/automations/${a.id}?after=${encodeURIComponent(ahead.nextAfter)}`
          : null,
      });
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    "/automations/:id/active",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const a = await automationOf(accountId, request.params.id);
      const wanted = request.body?.active;
      if (wanted !== "true" && wanted !== "false")
        throw validation("Choose pause or resume.", [
          { field: "active", message: "true or false" },
        ]);
      await automations.update(accountId, a.id, { active: wanted === "true" });
      const back = request.body?.back === "list" ? "/automations" : `/automations/${a.id}`;
      return reply.redirect(back, 303);
    },
  );
}
