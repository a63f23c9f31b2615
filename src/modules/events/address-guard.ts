/**
 * Where a webhook may connect: checked on the addresses a name resolves to at delivery time (a
 * URL that was public when saved can resolve to 127.0.0.1 later), and the connection is then made
 * to the address checked, never resolved again, so a rebinding name cannot swap it in between.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Never reachable, whatever the setting: the cloud metadata service, "this host", multicast. */
const NEVER: [string, number, "ipv4" | "ipv6", string][] = [
  ["0.0.0.0", 8, "ipv4", "an unspecified (this-host) address"],
  ["169.254.169.254", 32, "ipv4", "the cloud metadata address"],
  ["224.0.0.0", 4, "ipv4", "a multicast address"],
  ["240.0.0.0", 4, "ipv4", "a reserved or broadcast address"],
  ["::", 128, "ipv6", "an unspecified (this-host) address"],
  ["fd00:ec2::254", 128, "ipv6", "the cloud metadata address"],
  ["ff00::", 8, "ipv6", "a multicast address"],
  // Addresses that carry an IPv4 address inside (mapped, compatible, NAT64, 6to4, Teredo) could
  // smuggle a private one past the IPv4 rules: refused outright, no receiver needs them.
  ["::ffff:0:0", 96, "ipv6", "an IPv4-mapped IPv6 address"],
  ["::", 96, "ipv6", "an IPv4-compatible IPv6 address"],
  ["64:ff9b::", 96, "ipv6", "a NAT64 address"],
  ["2002::", 16, "ipv6", "a 6to4 address"],
  ["2001::", 32, "ipv6", "a Teredo address"],
];

/** Refused unless WEBHOOK_ALLOW_PRIVATE=true (a receiver on the developer's machine or network). */
const PRIVATE: [string, number, "ipv4" | "ipv6", string][] = [
  ["127.0.0.0", 8, "ipv4", "a loopback address"],
  ["10.0.0.0", 8, "ipv4", "a private address"],
  ["172.16.0.0", 12, "ipv4", "a private address"],
  ["192.168.0.0", 16, "ipv4", "a private address"],
  ["100.64.0.0", 10, "ipv4", "a carrier-grade NAT (shared) address"],
  ["169.254.0.0", 16, "ipv4", "a link-local address"],
  ["192.0.0.0", 24, "ipv4", "an IETF protocol address"],
  ["192.0.2.0", 24, "ipv4", "a documentation address"],
  ["198.18.0.0", 15, "ipv4", "a benchmarking address"],
  ["198.51.100.0", 24, "ipv4", "a documentation address"],
  ["203.0.113.0", 24, "ipv4", "a documentation address"],
  ["::1", 128, "ipv6", "a loopback address"],
  ["fc00::", 7, "ipv6", "a unique-local address"],
  ["fe80::", 10, "ipv6", "a link-local address"],
  ["100::", 64, "ipv6", "a discard address"],
  ["2001:db8::", 32, "ipv6", "a documentation address"],
];

function matcher(rules: typeof NEVER) {
  const lists = rules.map(([net, prefix, type, why]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, type);
    return { list, type, why };
  });
  return (address: string, type: "ipv4" | "ipv6") =>
    lists.find((l) => l.type === type && l.list.check(address, type))?.why;
}
const neverRule = matcher(NEVER);
const loopback6 = new BlockList();
loopback6.addAddress("::1", "ipv6");
/** ::1 sits inside ::/96 (IPv4-compatible) but is the IPv6 loopback: a private address, not a never. */
const never = (address: string, type: "ipv4" | "ipv6") =>
  type === "ipv6" && loopback6.check(address, "ipv6") ? undefined : neverRule(address, type);
const privately = matcher(PRIVATE);

/** What is wrong with `address` (an IP) as a webhook's address ("a loopback address…"), or undefined. */
function fault(address: string, opts: { allowPrivate: boolean }): string | undefined {
  const version = isIP(address);
  if (version === 0) return "not an IP address";
  const type = version === 4 ? "ipv4" : "ipv6";
  const always = never(address, type);
  if (always) return always;
  const why = opts.allowPrivate ? undefined : privately(address, type);
  return why && `${why} (WEBHOOK_ALLOW_PRIVATE=true allows it in development)`;
}

/** Why `address` (an IP) may not be called, or undefined when it may. */
export function refusal(address: string, opts: { allowPrivate: boolean }): string | undefined {
  const why = fault(address, opts);
  return why && `${address} is ${why}`;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export class AddressRefused extends Error {
  override name = "AddressRefused";
}

/**
 * The address to connect to for `hostname` (a URL's hostname: brackets around IPv6 allowed).
 * Every address the name resolves to must pass, not just one: otherwise a name with one public
 * and one private address would reach the private one on some connections.
 */
export async function checkedAddress(
  hostname: string,
  opts: { allowPrivate: boolean; resolve?: Resolver },
): Promise<{ address: string; family: 4 | 6 }> {
  const host =
    hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const literal = isIP(host);
  let found: { address: string; family: number }[];
  if (literal) found = [{ address: host, family: literal }];
  else {
    try {
      found = await (opts.resolve ?? systemResolver)(host);
    } catch (error) {
      throw new AddressRefused(
        `${host} does not resolve (${(error as { code?: string }).code ?? "DNS error"})`,
      );
    }
  }
  if (found.length === 0) throw new AddressRefused(`${host} resolves to no address`);
  for (const a of found) {
    const why = fault(a.address, opts);
    if (why)
      throw new AddressRefused(
        literal
          ? `refused: ${a.address} is ${why}`
          : `refused: ${host} resolves to ${a.address}, ${why}`,
      );
  }
  const first = found[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
