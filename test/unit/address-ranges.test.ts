import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { addressMatcher, parseAddressRanges } from "../../src/address-ranges.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { ENTRY } from "../support/node-process.ts";

const run = promisify(execFile);

describe("METRICS_ALLOW_CIDRS", () => {
  it("reads IPv4 and IPv6 ranges and bare addresses", () => {
    expect(parseAddressRanges(" 10.0.0.0/8, fd00::/8 ,192.168.1.7")).toEqual([
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      { address: "fd00::", prefix: 8, family: "ipv6" },
      { address: "192.168.1.7", prefix: 32, family: "ipv4" },
    ]);
  });

  it.each([
    ["10.0.0.0/33", /prefix length must be 0 to 32/],
    ["::/129", /prefix length must be 0 to 128/],
    ["10.0.0.0/-1", /prefix length/],
    ["10.0.0.0/ 8", /prefix length/],
    ["10.0.0.0/8.5", /prefix length/],
    ["10.0.0.0/", /prefix length/],
    ["10.0.0/8", /not an address or CIDR range/],
    ["10.0.0.0/8/1", /not an address or CIDR range/],
    ["prometheus.internal", /not an address or CIDR range/],
    ["10.0.0.0/8,", /empty entry/],
    ["10.0.0.0/8,,fd00::/8", /empty entry/],
    ["*", /not an address/],
  ])("refuses %j", (raw, message) => {
    expect(() => parseAddressRanges(raw)).toThrow(message);
    expect(() => loadConfig({ METRICS_ALLOW_CIDRS: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_ALLOW_CIDRS: raw })).toThrow(/^METRICS_ALLOW_CIDRS: /);
  });

  it("matches addresses inside the ranges only, IPv4-mapped IPv6 as IPv4", () => {
    const inRange = addressMatcher(parseAddressRanges("10.0.0.0/8,fd00::/8,127.0.0.1"));
    expect(inRange("10.255.3.4")).toBe(true);
    expect(inRange("::ffff:10.1.2.3")).toBe(true);
    expect(inRange("fd12:3456::1")).toBe(true);
    expect(inRange("127.0.0.1")).toBe(true);
    expect(inRange("11.0.0.1")).toBe(false);
    expect(inRange("127.0.0.2")).toBe(false);
    expect(inRange("::ffff:11.0.0.1")).toBe(false);
    expect(inRange("fe80::1")).toBe(false);
    expect(inRange("")).toBe(false);
    expect(inRange("10.0.0.1, 1.2.3.4")).toBe(false);
  });

  it("matches nothing when unset", () => {
    const config = loadConfig({});
    expect(config.operators).toEqual({ accountIds: [], metricsAllow: [] });
    expect(addressMatcher(config.operators.metricsAllow)("127.0.0.1")).toBe(false);
  });
});

describe("OPERATOR_ACCOUNT_IDS", () => {
  it("reads account ids", () => {
    const ids = "acct_0123456789abcdefghij, acct_ABCDEFGHIJ0123456789";
    expect(loadConfig({ OPERATOR_ACCOUNT_IDS: ids }).operators.accountIds).toEqual([
      "acct_0123456789abcdefghij",
      "acct_ABCDEFGHIJ0123456789",
    ]);
  });

  it.each(["acct_short", "key_0123456789abcdefghij", "acct_0123456789abcdefghij'--", "*"])(
    "refuses %j naming the variable",
    (raw) => {
      expect(() => loadConfig({ OPERATOR_ACCOUNT_IDS: raw })).toThrow(/^OPERATOR_ACCOUNT_IDS: /);
    },
  );
});

describe("a bad operator setting stops the process at start (exit 78)", () => {
  it.each([
    ["API", "METRICS_ALLOW_CIDRS", "10.0.0.0/33", ENTRY.api],
    ["worker", "METRICS_ALLOW_CIDRS", "0.0.0.0/0,", ENTRY.worker],
    ["API", "OPERATOR_ACCOUNT_IDS", "root", ENTRY.api],
  ])("the %s with %s=%s", async (_who, name, value, entry) => {
    const failure = await run(process.execPath, [entry], {
      env: { ...process.env, [name]: value, WORKER_PROCESSES: "1" },
      timeout: 20_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    expect((failure as { stderr: string }).stderr).toMatch(
      new RegExp(`configuration error: ${name}: expected`),
    );
  });
});
