/**
 * Real-browser tests of the console: Debian's chromium driven by playwright-core against the app
 * listening on a free loopback port, and axe-core's accessibility rules run inside each page.
 * Chromium's background networking is off: this machine's network is closed, and it has no
 * business calling out during a test anyway.
 */
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import sharp from "sharp";
import type { TestContext } from "./test-context.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The test context's app, listening on a free port of 127.0.0.1; answers its base URL. */
export async function listen(ctx: TestContext): Promise<string> {
  await ctx.app.listen({ host: "127.0.0.1", port: 0 });
  const address = ctx.app.server.address();
  if (!address || typeof address === "string") throw new Error("the app is not listening on TCP");
  return `http://127.0.0.1:${address.port}`;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG 2.1 A/AA rules on the page as it stands: the serious and critical violations.
 * The script is evaluated over the DevTools protocol, so the page's CSP (script-src 'self') stays on.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe and document are the page's globals (no DOM types here)
    const { axe, document } = globalThis as any;
    const result = await axe.run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
    });
    return result.violations.map(
      (v: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")),
      }),
    );
  });
  return (violations as AxeViolation[]).filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
}

/**
 * With CONSOLE_SCREENSHOTS=DIR (npm run screenshots sets docs/console), saves the page as
 * DIR/NAME.png; otherwise does nothing, so a test run writes nothing into the repository.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  // A palette PNG: a third of the bytes of chromium's own, and the same picture to the eye.
  const png = await page.screenshot({ fullPage: true });
  await sharp(png)
    .png({ palette: true, quality: 90, compressionLevel: 9 })
    .toFile(path.join(dir, `${name}.png`));
}
