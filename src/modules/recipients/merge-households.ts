/**
 * The household merge of an import, in PostgreSQL, after its rows are in and in its transaction:
 * the rows of one home (same household key) become one card. The first row (file order) is kept,
 * with the household's names ("John & Jane Smith", "The Smith Family") and its members' full names
 * in `household`; the others are deleted and reported. All rows of an address meet here, through a
 * cursor, so the streaming import never holds them; what is held at once is one household (at most
 * MAX_HOUSEHOLD people) and a page of writes.
 */

import { householdName, MAX_HOUSEHOLD } from "../../csv/index.ts";
import type { PoolClient } from "../../db/pool.ts";

const PAGE = 1000;

export interface HouseholdCounts {
  /** Rows that joined another row's card (and are no recipient of their own). */
  merged: number;
  /** Cards that now go to more than one person. */
  households: number;
  /** Rows left with a card each because their address had more than MAX_HOUSEHOLD of them. */
  notMerged: number;
}

export interface HouseholdMember {
  recipientId: string;
  row: number | null;
  contactId: string | null;
  name: string;
}

/** One line of the merge report: a row that joined `card`, or (no card) one left on its own. */
export interface HouseholdOutcome {
  member: HouseholdMember;
  card?: HouseholdMember;
  note: string;
}

interface Candidate {
  id: string;
  row_number: number | null;
  contact_id: string | null;
  household_key: string;
  members: number;
  first_name: string;
  last_name: string;
  full_name: string;
}

/**
 * Merges the households among the campaign's recipients inserted after `afterSeq` (this import's:
 * under the campaign lock no one else inserts, and identity values are handed out in order).
 */
export async function mergeHouseholds(
  tx: PoolClient,
  campaignId: string,
  afterSeq: string,
  report: (outcome: HouseholdOutcome) => void,
): Promise<HouseholdCounts> {
  const counts: HouseholdCounts = { merged: 0, households: 0, notMerged: 0 };
  let updates: {
    id: string;
    first_name: string;
    last_name: string;
    full_name: string;
    household: string[];
  }[] = [];
  let deletes: string[] = [];
  const write = async () => {
    if (updates.length > 0) {
      await tx.query(
        `UPDATE recipients r
            SET data = r.data || jsonb_build_object('firstName', u.first_name, 'lastName', u.last_name,
                                                    'fullName', u.full_name, 'household', u.household),
                updated_at = now()
           FROM json_to_recordset($1::json) AS u(id text, first_name text, last_name text, full_name text, household jsonb)
          WHERE r.id = u.id`,
        [JSON.stringify(updates)],
      );
    }
    if (deletes.length > 0)
      await tx.query("DELETE FROM recipients WHERE id = ANY($1::text[])", [deletes]);
    updates = [];
    deletes = [];
  };

  const member = (c: Candidate): HouseholdMember => ({
    recipientId: c.id,
    row: c.row_number,
    contactId: c.contact_id,
    name: c.full_name,
  });
  const merge = (group: Candidate[]) => {
    const [keeper, ...others] = group;
    if (!keeper || others.length === 0) return;
    const names = householdName(
      group.map((c) => ({ firstName: c.first_name, lastName: c.last_name, fullName: c.full_name })),
    );
    updates.push({
      id: keeper.id,
      first_name: names.firstName,
      last_name: names.lastName,
      full_name: names.fullName,
      household: group.map((c) => c.full_name),
    });
    counts.households++;
    const card = { ...member(keeper), name: names.fullName };
    const where = keeper.row_number === null ? "the first contact's" : `row ${keeper.row_number}'s`;
    for (const other of others) {
      deletes.push(other.id);
      counts.merged++;
      report({
        member: member(other),
        card,
        note: `Joined ${where} card: same address and the same last name or household id.`,
      });
    }
  };

  // Households in the order of their first row, members in file order (so merged.csv reads like
  // the file). One plan, read a page at a time; the writes below do not disturb it (a cursor reads the
  // snapshot it was opened in).
  await tx.query(
    `DECLARE household_candidates NO SCROLL CURSOR FOR
     SELECT r.id, r.row_number, r.contact_id, r.household_key, g.members,
            r.data->>'firstName' AS first_name, r.data->>'lastName' AS last_name,
            r.data->>'fullName' AS full_name
       FROM recipients r
       JOIN (SELECT household_key, count(*)::int AS members, min(seq) AS first_seq
               FROM recipients
              WHERE campaign_id = $1 AND seq > $2::bigint AND household_key IS NOT NULL
              GROUP BY household_key HAVING count(*) > 1) g USING (household_key)
      WHERE r.campaign_id = $1 AND r.seq > $2::bigint
      ORDER BY g.first_seq, r.seq`,
    [campaignId, afterSeq],
  );
  let group: Candidate[] = [];
  for (;;) {
    const { rows } = await tx.query<Candidate>(`FETCH ${PAGE} FROM household_candidates`);
    for (const c of rows) {
      if (c.members > MAX_HOUSEHOLD) {
        counts.notMerged++;
        report({
          member: member(c),
          note: `Not merged: ${c.members.toLocaleString("en-US")} people at this address share this last name or household id, and a household is at most ${MAX_HOUSEHOLD}; each keeps a card. Add the unit (Apt 2) to the addresses, or give each household its own household_id.`,
        });
        continue;
      }
      if (group[0] && group[0].household_key !== c.household_key) {
        merge(group);
        group = [];
      }
      group.push(c);
    }
    if (updates.length + deletes.length >= PAGE) await write();
    if (rows.length < PAGE) break;
  }
  merge(group);
  await write();
  await tx.query("CLOSE household_candidates");
  return counts;
}

/** The highest recipient seq of the campaign now: rows inserted later are this import's. */
export async function lastRecipientSeq(tx: PoolClient, campaignId: string): Promise<string> {
  const { rows } = await tx.query<{ seq: string }>(
    "SELECT coalesce(max(seq), 0)::text AS seq FROM recipients WHERE campaign_id = $1",
    [campaignId],
  );
  return rows[0]?.seq ?? "0";
}
