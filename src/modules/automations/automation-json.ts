/** An automation as the API shows it, with its counts where the caller read them. */
import { cardDesignJson } from "../campaigns/card-design-json.ts";
import type { AutomationRow } from "./automations.repository.ts";
import type { AutomationsService } from "./automations.service.ts";

export function automationJson(
  row: AutomationRow,
  counts?: Awaited<ReturnType<AutomationsService["counts"]>>,
) {
  return {
    object: "automation" as const,
    id: row.id,
    ...cardDesignJson(row),
    tag: row.tag,
    active: row.active,
    lead_days: row.lead_days,
    send_late: row.send_late,
    window:
      row.window_start && row.window_end ? { start: row.window_start, end: row.window_end } : null,
    last_run_date: row.last_run_date,
    ...(counts ? { counts } : {}),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
