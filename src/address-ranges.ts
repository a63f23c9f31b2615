/**
 * Address ranges (CIDR) from configuration, e.g. METRICS_ALLOW_CIDRS="10.0.0.0/8, fd00::/8".
 * Parsed strictly at start: a typo must stop the process, never silently allow or deny.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

export interface AddressRange {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

/** Parses a comma-separated list of CIDR ranges (a bare address is a /32 or /128); throws on any fault. */
export function parseAddressRanges(raw: string): AddressRange[] {
  const ranges: AddressRange[] = [];
  for (const entry of raw.split(",").map((s) => s.trim())) {
    if (entry === "") throw new Error("an empty entry (two commas, or a comma at an end)");
    const [address = "", bits, extra] = entry.split("/");
    const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
    if (!family || extra !== undefined)
      throw new Error(`"${entry.slice(0, 64)}" is not an address or CIDR range`);
    const max = family === "ipv4" ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!/^\d{1,3}$/.test(bits ?? String(max)) || prefix > max)
      throw new Error(`"${entry.slice(0, 64)}": the prefix length must be 0 to ${max}`);
    ranges.push({ address, prefix, family });
  }
  return ranges;
}

/** A matcher for the ranges; IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) match IPv4 ranges. */
export function addressMatcher(ranges: readonly AddressRange[]): (address: string) => boolean {
  const list = new BlockList();
  for (const r of ranges) list.addSubnet(r.address, r.prefix, r.family);
  return (address) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return list.check(mapped, "ipv4");
    if (isIPv4(address)) return list.check(address, "ipv4");
    if (isIPv6(address)) return list.check(address, "ipv6");
    return false;
  };
}
