/**
 * The address guard and one attempt's transport, against a real receiver on 127.0.0.1. Names that
 * look public are resolved by an injected resolver (this machine has no DNS), so the rules for
 * what a name resolves to are tested without the network.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedAddress, refusal } from "../../../src/modules/events/address-guard.ts";
import { sendWebhook } from "../../../src/modules/events/webhook-send.ts";
import { urlFaults } from "../../../src/modules/events/webhook-url.ts";

const off = { allowPrivate: false };
const on = { allowPrivate: true };

describe("which addresses a webhook may reach", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.255.0.9", /loopback/],
    ["::1", /loopback/],
    ["10.0.0.5", /private/],
    ["172.20.1.1", /private/],
    ["192.168.1.1", /private/],
    ["100.100.0.1", /carrier-grade NAT/],
    ["169.254.10.10", /link-local/],
    ["fe80::1", /link-local/],
    ["fc00::1", /unique-local/],
    ["fd12:3456::1", /unique-local/],
    ["169.254.169.254", /metadata/],
    ["fd00:ec2::254", /metadata/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["::ffff:127.0.0.1", /IPv4-mapped/],
    ["::ffff:a9fe:a9fe", /IPv4-mapped/],
    ["224.0.0.1", /multicast/],
    ["ff02::1", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["64:ff9b::7f00:1", /NAT64/],
    ["2002:7f00:1::", /6to4/],
  ])("refuses %s", (address, why) => {
    expect(refusal(address, off)).toMatch(why);
  });

  it.each(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.216.34"])(
    "allows the public address %s",
    (address) => expect(refusal(address, off)).toBeUndefined(),
  );

  it("allows loopback and private with WEBHOOK_ALLOW_PRIVATE, never metadata, mapped or unspecified", () => {
    for (const a of ["127.0.0.1", "::1", "10.0.0.5", "fd12::1"])
      expect(refusal(a, on)).toBeUndefined();
    for (const a of ["169.254.169.254", "fd00:ec2::254", "0.0.0.0", "::ffff:127.0.0.1"])
      expect(refusal(a, on)).toBeDefined();
  });

  it("judges what a name resolves to, every address of it", async () => {
    const to =
      (...addresses: string[]) =>
      async () =>
        addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    await expect(
      checkedAddress("hooks.example.com", { ...off, resolve: to("93.184.216.34") }),
    ).resolves.toEqual({
      address: "93.184.216.34",
      family: 4,
    });
    await expect(
      checkedAddress("evil.example.com", { ...off, resolve: to("127.0.0.1") }),
    ).rejects.toThrow(/evil.example.com resolves to 127.0.0.1, a loopback address/);
    // One public and one private address: a connection could land on either, so both must pass.
    await expect(
      checkedAddress("split.example.com", { ...off, resolve: to("93.184.216.34", "10.0.0.1") }),
    ).rejects.toThrow(/10.0.0.1/);
    await expect(
      checkedAddress("meta.example.com", { ...on, resolve: to("169.254.169.254") }),
    ).rejects.toThrow(/metadata/);
    await expect(checkedAddress("empty.example.com", { ...off, resolve: to() })).rejects.toThrow(
      /no address/,
    );
  });

  it("reads the URL forms that spell loopback: localhost, [::1], a decimal and a mapped address", async () => {
    for (const raw of [
      "http://localhost/",
      "http://[::1]/",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://0.0.0.0/",
    ]) {
      await expect(checkedAddress(new URL(raw).hostname, off), raw).rejects.toThrow(/refused/);
    }
  });
});

describe("a webhook URL as saved", () => {
  it.each([
    ["ftp://example.com/hook", /scheme/],
    ["javascript:alert(1)", /scheme/],
    ["https://user:pass@example.com/hook", /password/],
    ["https://example.com/hook#frag", /fragment/],
    ["not a url", /not a URL/],
    [`https://example.com/${"a".repeat(2100)}`, /longer than/],
    ["http://127.0.0.1:8080/hook", /loopback/],
    ["http://[::ffff:127.0.0.1]/hook", /mapped/],
    ["http://169.254.169.254/latest/meta-data", /metadata/],
  ])("refuses %s", (raw, why) => {
    const faults = urlFaults(raw, off);
    expect(faults[0]?.field).toBe("url");
    expect(faults[0]?.message).toMatch(why);
  });

  it("accepts https and http URLs with a name (judged again at delivery)", () => {
    expect(urlFaults("https://hooks.example.com/cardmerge?x=1", off)).toEqual([]);
    expect(urlFaults("http://localhost:3000/hook", off)).toEqual([]);
  });
});

describe("one attempt", () => {
  let server: http.Server;
  let port: number;
  const hosts: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? "");
      if (req.url === "/silent") return; // never answers
      if (req.url === "/huge") {
        res.writeHead(200);
        res.write(Buffer.alloc(1024 * 1024, 97)); // and never ends
        return;
      }
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const base = { body: "{}", headers: {}, timeoutMs: 2000 };

  it("connects to the address it checked: the name is resolved once, so rebinding cannot swap it", async () => {
    let calls = 0;
    const rebinding = async () => {
      calls++;
      return [{ address: calls === 1 ? "127.0.0.1" : "169.254.169.254", family: 4 }];
    };
    const result = await sendWebhook({
      ...base,
      url: `http://hooks.example.test:${port}/ok`,
      allowPrivate: true,
      resolve: rebinding,
    });
    expect(result).toMatchObject({ ok: true, statusCode: 204, error: null });
    expect(calls).toBe(1);
    expect(hosts.at(-1)).toBe(`hooks.example.test:${port}`);
  });

  it("sends nothing to a name that resolves to a refused address", async () => {
    const before = hosts.length;
    const result = await sendWebhook({
      ...base,
      url: `http://hooks.example.test:${port}/ok`,
      allowPrivate: false,
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/^refused: hooks.example.test resolves to 127.0.0.1, a loopback/);
    expect(hosts.length).toBe(before);
  });

  it("gives up on a silent receiver at the time limit", async () => {
    const result = await sendWebhook({
      ...base,
      url: `http://127.0.0.1:${port}/silent`,
      allowPrivate: true,
      timeoutMs: 300,
    });
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/no answer within 0.3 s/);
    expect(result.durationMs).toBeLessThan(2000);
  });

  it("reads at most the cap of an endless answer", async () => {
    const result = await sendWebhook({
      ...base,
      url: `http://127.0.0.1:${port}/huge`,
      allowPrivate: true,
      maxResponseBytes: 64 * 1024,
    });
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(result.durationMs).toBeLessThan(1500);
  });
});
