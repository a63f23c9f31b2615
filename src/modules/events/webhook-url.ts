/**
 * A webhook URL as saved: http or https, a host, no credentials, bounded. This is the early,
 * friendly check; whether the host may be called is decided again at every delivery, after DNS
 * (address-guard.ts), because what a name resolves to can change after it is saved.
 */
import type { FieldError } from "../../errors.ts";
import { refusal } from "./address-guard.ts";

export const MAX_URL_LENGTH = 2048;

export function urlFaults(
  raw: string,
  opts: { allowPrivate: boolean; field?: string },
): FieldError[] {
  const field = opts.field ?? "url";
  const fail = (message: string) => [{ field, message }];
  if (raw.length > MAX_URL_LENGTH) return fail(`longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("not a URL: give an absolute https:// (or http://) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return fail(`the scheme must be https or http, not ${url.protocol.slice(0, 20)}`);
  if (url.username || url.password)
    return fail("no user name or password in the URL: use the signature to authenticate us");
  if (!url.hostname) return fail("the URL has no host");
  if (url.hash) return fail("no #fragment: it is never sent");
  // An IP literal can be judged now; a name is judged when it is resolved, at each delivery.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const refused = refusal(host, opts);
  if (refused && refused !== `${host} is not an IP address`) return fail(`refused: ${refused}`);
  return [];
}
