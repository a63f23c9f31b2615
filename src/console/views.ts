/**
 * The console's pages: Handlebars views read once at start from src/console/views (partials from
 * views/partials), each rendered inside layout.hbs. An isolated Handlebars environment: the card
 * designs' helpers and partials never meet the console's. `{{x}}` escapes; nothing a customer
 * typed is ever written with `{{{ }}}`.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { PACKAGE_ROOT } from "../package-root.ts";

export const VIEWS_DIR = path.join(PACKAGE_ROOT, "src/console/views");

export interface PageFrame {
  title: string;
  /** Which top-level section is current (its nav link gets aria-current). */
  section?: "campaigns" | "contacts" | "automations" | "settings";
  /** Scripts of assets/ this page needs, by file name ("upload.js"). */
  scripts?: string[];
}

const DATE = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});
const DAY = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const NUMBER = new Intl.NumberFormat("en-US");

function helpers(hbs: typeof Handlebars) {
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hbs.registerHelper("not", (a: unknown) => !a);
  hbs.registerHelper("or", (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper("and", (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper("number", (n: unknown) => (typeof n === "number" ? NUMBER.format(n) : ""));
  hbs.registerHelper("date", (d: unknown) =>
    d instanceof Date || typeof d === "string" ? `${DATE.format(new Date(d))} UTC` : "",
  );
  hbs.registerHelper("day", (d: unknown) =>
    d instanceof Date || typeof d === "string" ? DAY.format(new Date(d)) : "",
  );
  hbs.registerHelper("percent", (part: unknown, whole: unknown) =>
    typeof part === "number" && typeof whole === "number" && whole > 0
      ? Math.min(100, Math.round((part / whole) * 100))
      : 0,
  );
  /** JSON for a <script type="application/json"> block: `<` escaped so no tag can close it. */
  hbs.registerHelper(
    "json",
    (value: unknown) =>
      new hbs.SafeString(
        JSON.stringify(value ?? null)
          .replace(/</g, "\\u003c")
          .replace(/>/g, "\\u003e"),
      ),
  );
}

export function createViews(dir = VIEWS_DIR) {
  const hbs = Handlebars.create();
  helpers(hbs);
  const compile = (file: string) =>
    hbs.compile(readFileSync(file, "utf8"), { strict: false, noPrototypeAccess: true } as never);
  const partialsDir = path.join(dir, "partials");
  for (const file of readdirSync(partialsDir)) {
    if (file.endsWith(".hbs"))
      hbs.registerPartial(file.slice(0, -4), readFileSync(path.join(partialsDir, file), "utf8"));
  }
  const views = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(dir, { recursive: true }) as string[]) {
    if (file.endsWith(".hbs") && !file.startsWith("partials"))
      views.set(file.slice(0, -4).split(path.sep).join("/"), compile(path.join(dir, file)));
  }
  const layout = views.get("layout");
  if (!layout) throw new Error(`console views: no layout.hbs in ${dir}`);

  return {
    /** A whole page: `view` inside the layout, with the frame's title, section and scripts. */
    page(view: string, frame: PageFrame & Record<string, unknown>): string {
      const template = views.get(view);
      if (!template) throw new Error(`console views: no view "${view}"`);
      const options = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };
      const body = template(frame, options);
      return layout({ ...frame, body: new hbs.SafeString(body) }, options);
    },
    /** A view without the layout (a fragment that progressive JavaScript swaps in). */
    fragment(view: string, data: Record<string, unknown>): string {
      const template = views.get(view);
      if (!template) throw new Error(`console views: no view "${view}"`);
      return template(data);
    },
  };
}

export type Views = ReturnType<typeof createViews>;
