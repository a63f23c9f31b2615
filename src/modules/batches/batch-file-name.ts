/**
 * The name a batch's files download as (Content-Disposition) and carry inside its ZIP: what it
 * holds and unique, so a vendor's downloads folder never has two `card_5x7-001.zip`. E.g.
 * `campaign-spring-thank-yous-card_5x7-001-bat_7Fq2….pdf`, `automation-birthday-cards-2026-12-04-
 * postcard_4x6-001-bat_….zip`, and `test-…` first for a test-mode batch. ASCII only: header
 * values and ZIP readers on vendors' machines do not all agree on anything else.
 */
export function batchFileName(b: {
  id: string;
  format: string;
  number: number;
  campaignName: string;
  fromAutomation: boolean;
  test: boolean;
}): string {
  const name =
    b.campaignName
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40)
      .replace(/-$/, "") || "cards";
  const source = b.fromAutomation ? "automation" : "campaign";
  const number = String(b.number).padStart(3, "0");
  return `${b.test ? "test-" : ""}${source}-${name}-${b.format}-${number}-${b.id}`;
}
