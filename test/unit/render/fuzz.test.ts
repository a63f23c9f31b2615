/**
 * Issue 8: a few hundred generated designs and messages through validation and the renderer.
 * Every one either validates or is refused with a typed error naming its fault, and every card that
 * validates either renders or fails with its reason — within a time bound per card and with the
 * heap staying bounded. A failure prints its seed; `FUZZ_SEED=<n>` replays it.
 */
import { describe, expect, it } from "vitest";
import {
  CardRenderError,
  compileMessage,
  MessageError,
  parseDesign,
  renderCard,
  type Template,
  TemplateError,
} from "../../../src/render/index.ts";
import { design, fields, message, rng } from "../../support/fuzz-designs.ts";
import { cardData, photoFor } from "./fixtures.ts";

const CASES = 300;
const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** A card's render, at most; the slowest valid design here takes a small part of it. */
const RENDER_MS = 3000;

describe("generated designs and messages", () => {
  it(`${CASES} of each: typed refusals, bounded renders, no crash`, async () => {
    const photo = await photoFor("card_5x7");
    const outcomes = {
      designs: 0,
      designsRefused: 0,
      messagesRefused: 0,
      rendered: 0,
      cardFailures: 0,
    };
    const reasons = new Set<string>();
    const heapAtStart = process.memoryUsage().heapUsed;
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + i;
      const r = rng(seed);
      const where = `seed ${seed}`;
      let template: Template | undefined;
      try {
        template = parseDesign(design(r));
        outcomes.designs++;
      } catch (error) {
        expect(error, where).toBeInstanceOf(TemplateError);
        expect((error as TemplateError).message.length, where).toBeLessThan(2000);
        outcomes.designsRefused++;
      }
      const text = message(r);
      let messageOk = true;
      try {
        compileMessage(text);
      } catch (error) {
        expect(error, where).toBeInstanceOf(MessageError);
        messageOk = false;
        outcomes.messagesRefused++;
      }
      const format = template?.formats.includes("card_5x7") ? "card_5x7" : template?.formats[0];
      if (!template || !format) continue;
      const f = fields(r);
      const data = cardData(`${f.firstName} ${f.lastName}`.trim(), f.custom);
      const started = performance.now();
      try {
        // A refused message still reaches the renderer here, as one saved before the rules would.
        await renderCard({ template, format, data, message: text, photo });
        expect(messageOk, `${where}: a refused message rendered`).toBe(true);
        outcomes.rendered++;
      } catch (error) {
        expect(error, `${where}: ${(error as Error).stack}`).toBeInstanceOf(CardRenderError);
        reasons.add((error as CardRenderError).reason);
        outcomes.cardFailures++;
      }
      expect(performance.now() - started, where).toBeLessThan(RENDER_MS);
    }
    if (process.env.FUZZ_STATS) console.log(outcomes, [...reasons]);
    // The generator reaches every outcome, or the test proves less than it says.
    expect(outcomes.designs).toBeGreaterThan(20);
    expect(outcomes.designsRefused).toBeGreaterThan(20);
    expect(outcomes.messagesRefused).toBeGreaterThan(20);
    expect(outcomes.rendered).toBeGreaterThan(5);
    expect(reasons).toContain("message_syntax");
    expect(process.memoryUsage().heapUsed - heapAtStart).toBeLessThan(400 * 1024 * 1024);
  }, 240_000);
});
