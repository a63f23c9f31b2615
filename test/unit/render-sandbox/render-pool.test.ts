/**
 * The render sandbox on its own: real render processes running the real renderer. A card past a
 * limit fails with `render_limit`, its process is replaced when it had to be stopped, and the next
 * card renders; the process that asked is never at risk.
 */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  CardRenderError,
  loadBuiltinTemplate,
  renderCard,
  type Template,
} from "../../../src/render/index.ts";
import {
  createRenderPool,
  type RenderPool,
  type RenderPoolOptions,
  RenderProcessError,
  WALL_BACKSTOP,
} from "../../../src/render-sandbox/render-pool.ts";
import { cardData, photoFor } from "../render/fixtures.ts";

const DEFAULTS: RenderPoolOptions = {
  processes: 1,
  heapMb: 128,
  timeoutMs: 60_000,
  maxPdfBytes: 16 * 1024 * 1024,
};
let pool: RenderPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});
const open = (options: Partial<RenderPoolOptions> = {}) => {
  pool = createRenderPool({ ...DEFAULTS, ...options });
  return pool;
};

/** The thank-you design with `shapes` confetti more on its front: far more drawing than any card. */
async function heavy(shapes: number): Promise<Template> {
  const base = await loadBuiltinTemplate("thank-you");
  const spec = structuredClone(base.spec);
  spec.formats.card_5x7?.faces.front?.layers.push({
    type: "confetti",
    box: "full",
    count: shapes,
    seed: 7,
    colors: ["#d04030", "#3060c0"],
  });
  return { ...base, spec };
}

const card = async (name: string, template?: Template) => ({
  template: template ?? (await loadBuiltinTemplate("thank-you")),
  format: "card_5x7" as const,
  data: cardData(name),
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function failure(promise: Promise<unknown>): Promise<CardRenderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CardRenderError);
  return error as CardRenderError;
}

describe("render pool", () => {
  it("renders in a render process the same bytes as the renderer in-process, photo and all", async () => {
    const p = open();
    const input = { ...(await card("Zoë Ångström")), photo: await photoFor("card_5x7") };
    const [sandboxed, local] = await Promise.all([p.render(input), renderCard(input)]);
    expect(sandboxed.pdf.equals(local.pdf)).toBe(true);
    expect(sandboxed.report).toEqual(local.report);
    // A second recipient of the same design and photo: the process keeps both, same bytes still.
    const next = { ...input, data: cardData("Łukasz Żółć") };
    expect((await p.render(next)).pdf.equals((await renderCard(next)).pdf)).toBe(true);
    expect(p.stats().started).toBe(1);
  }, 60_000);

  it("keeps a card's own reason (an unknown variable) and its render process", async () => {
    const p = open();
    const error = await failure(p.render({ ...(await card("Ann Lee")), message: "Hi {{nosuch}}" }));
    expect(error.reason).toBe("unknown_variable");
    expect((await p.render(await card("Ann Lee"))).pdf.length).toBeGreaterThan(1000);
    expect(p.stats().started).toBe(1);
  }, 60_000);

  it("stops a card past its time limit, replaces the process, and renders the next card", async () => {
    // The limit is CPU time, so a busy machine does not eat into it. A large heap, so that the
    // time limit and not the memory cap is what stops it.
    const p = open({ timeoutMs: 4_000, heapMb: 4096 });
    await p.render(await card("Warm Up"));
    const started = Date.now();
    const error = await failure(p.render(await card("Ann Lee", await heavy(4_000_000))));
    expect(Date.now() - started).toBeLessThan(4_000 * WALL_BACKSTOP + 5_000);
    expect(error.reason).toBe("render_limit");
    expect(error.message).toMatch(/took longer than 4 s to draw: simplify the design/);
    expect(error.report).toMatchObject({ template: "thank-you", format: "card_5x7" });
    const next = await p.render(await card("Bob Roe"));
    expect(next.report.pages).toBe(2);
    expect(p.stats().started).toBe(2);
  }, 60_000);

  it("lets a card starved of CPU past its limit in wall time finish, within the wall backstop", async () => {
    // 2 s: a card drawn under the suite's load used over 1 s of CPU on a slow day.
    const p = open({ timeoutMs: 2_000 });
    await p.render(await card("Warm Up"));
    const pid = p.stats().pids[0] as number;
    // Stopped for twice its limit (as a machine at load 20 starves it), then let go: it has used
    // almost no CPU, so it is not the card's fault and the card renders.
    const starved = p.render(await card("Ann Lee"));
    process.kill(pid, "SIGSTOP");
    await new Promise((r) => setTimeout(r, 4_000));
    process.kill(pid, "SIGCONT");
    expect((await starved).report.pages).toBe(2);
    expect(p.stats().started).toBe(1);

    // Stopped past the backstop: the card fails with render_limit however little CPU it used.
    const stuck = p.render(await card("Bob Roe"));
    process.kill(pid, "SIGSTOP");
    const started = Date.now();
    const error = await failure(stuck);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000 * WALL_BACKSTOP - 100);
    expect(error.reason).toBe("render_limit");
    // Its process was killed (a stopped process dies of SIGKILL too); the next card gets a new one.
    await expect.poll(() => alive(pid), { timeout: 5_000 }).toBe(false);
  }, 60_000);

  it("stops a card past the process's memory cap, replaces it, and renders the next card", async () => {
    const p = open({ heapMb: 64 });
    const error = await failure(p.render(await card("Ann Lee", await heavy(2_000_000))));
    expect(error.reason).toBe("render_limit");
    expect(error.message).toMatch(/needed more than 64 MB of memory to draw/);
    const next = await p.render(await card("Bob Roe"));
    expect(next.report.pages).toBe(2);
    expect(p.stats().started).toBe(2);
  }, 90_000);

  it("fails a card whose PDF grows past the byte cap, and the same process renders the next", async () => {
    const photo = await photoFor("card_5x7");
    const plain = (await renderCard(await card("Ann Lee"))).pdf.length;
    // Room for the card without its photo, not with it.
    const cap = plain + Math.round(photo.jpeg.length / 2);
    const p = open({ maxPdfBytes: cap });
    expect((await p.render(await card("Ann Lee"))).pdf.length).toBe(plain);
    const error = await failure(p.render({ ...(await card("Ann Lee")), photo }));
    expect(error.reason).toBe("render_limit");
    expect(error.message).toMatch(/PDF grew past [0-9.]+ MB: use a smaller photo/);
    expect((await p.render(await card("Bob Roe"))).report.pages).toBe(2);
    expect(p.stats().started).toBe(1);
  }, 60_000);

  it("fails a card whose render process dies under it as a crash, and renders the next card", async () => {
    const p = open();
    await p.render(await card("Warm Up"));
    const pid = p.stats().pids[0] as number;
    const dying = p.render(await card("Ann Lee", await heavy(2_000_000)));
    // As a fatal V8 error or the kernel's OOM killer would end it, in the middle of the card.
    process.kill(pid, "SIGKILL");
    const error = await dying.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RenderProcessError);
    expect((error as Error).message).toMatch(/render process exited \(SIGKILL\)/);
    expect((error as RenderProcessError).crashed, "it died while drawing this card").toBe(true);
    expect((await p.render(await card("Bob Roe"))).report.pages).toBe(2);
    expect(p.stats().started).toBe(2);
  }, 60_000);

  it("renders cards side by side in two processes", async () => {
    const p = open({ processes: 2 });
    const names = ["Ann Lee", "Bob Roe", "Cy Doe", "Di Fox"];
    const results = await Promise.all(names.map(async (n) => p.render(await card(n))));
    expect(results.map((r) => r.report.pages)).toEqual([2, 2, 2, 2]);
    expect(p.stats().started).toBe(2);
  }, 60_000);

  it("gives each render process its own heap cap, not its parent's --max-old-space-size", () => {
    // npm start and npm run worker pass --max-old-space-size; a child must not inherit it.
    const script = `
      import { createRenderPool } from "./src/render-sandbox/render-pool.ts";
      import { loadBuiltinTemplate } from "./src/render/index.ts";
      const pool = createRenderPool({ processes: 1, heapMb: 48, timeoutMs: 60000, maxPdfBytes: 1e7 });
      const template = await loadBuiltinTemplate("thank-you");
      const data = { recipient: { firstName: "A", lastName: "B", fullName: "A B", custom: {},
        address: { line1: "1 A St", city: "X", country: "US" } }, sender: { businessName: "C" } };
      await pool.render({ template, format: "card_5x7", data });
      console.log(JSON.stringify(pool.stats()));
      await pool.close();`;
    const out = execFileSync(
      process.execPath,
      ["--max-old-space-size=512", "--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8" },
    );
    const [limit] = (JSON.parse(out.trim().split("\n").pop() ?? "{}") as { heapLimitsMb: number[] })
      .heapLimitsMb;
    // 48 MB old space plus the young generation; the process's 512 MB would show as ~560.
    expect(limit).toBeGreaterThan(48);
    expect(limit).toBeLessThan(200);
  }, 60_000);
});
