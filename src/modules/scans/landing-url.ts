/**
 * Landing URLs: where a card's QR code sends the person who scans it. Checked as they come in
 * (http or https, a host, no user name or password, no whitespace or control characters, bounded),
 * stored normalised, and given the card's campaign tags as UTM parameters on the way out.
 */
import { AppError } from "../../errors.ts";

export const LANDING_URL_MAX = 2000;

/** The normalised landing URL, or a validation error naming `field`. */
export function checkLandingUrl(raw: string, field = "landing_url"): string {
  const refuse = (why: string) =>
    new AppError("validation", `${field} ${why}.`, { errors: [{ field, message: why }] });
  if (raw.length > LANDING_URL_MAX) throw refuse(`is longer than ${LANDING_URL_MAX} characters`);
  // A URL parser would quietly drop a tab or newline; refuse them (and other controls) instead.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  if (/[\s\u0000-\u001f\u007f]/.test(raw))
    throw refuse("contains whitespace or control characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("is not an absolute URL (https://…)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse("must be http or https");
  if (!url.hostname) throw refuse("has no host");
  if (url.username || url.password) throw refuse("must not carry a user name or password");
  if (url.href.length > LANDING_URL_MAX)
    throw refuse(`is longer than ${LANDING_URL_MAX} characters`);
  return url.href;
}

/** A campaign name as a UTM value: lower case, words joined by hyphens ("Spring thank-yous" → "spring-thank-yous"). */
export function utmSlug(text: string): string {
  return (
    text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 100) || "cardmerge"
  );
}

/**
 * Where a scan goes: the landing URL with utm_source=cardmerge, utm_medium=print and
 * utm_campaign (the campaign's metadata utm_campaign, else its name as a slug); utm_content and
 * utm_term from the campaign's metadata when it has them. The landing URL's own parameters stay.
 */
export function scanRedirect(
  landingUrl: string,
  campaign: { name: string; metadata: Record<string, string> },
): string {
  const url = new URL(landingUrl);
  const tags: Record<string, string | undefined> = {
    utm_source: "cardmerge",
    utm_medium: "print",
    utm_campaign: campaign.metadata.utm_campaign || utmSlug(campaign.name),
    utm_content: campaign.metadata.utm_content,
    utm_term: campaign.metadata.utm_term,
  };
  for (const [k, v] of Object.entries(tags)) if (v) url.searchParams.set(k, v);
  return url.href;
}
