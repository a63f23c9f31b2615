import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import { createUploadSlots } from "../../../src/modules/photos/upload-slots.ts";

describe("photo upload slots", () => {
  it("runs at most `size` uploads at once; the rest wait in line, then 503 with a retry time", async () => {
    const slots = createUploadSlots(2);
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const work = () =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      });
    // 2 run, 8 (4 per slot) wait, the 11th is turned away.
    const accepted = Array.from({ length: 10 }, work);
    const refused = await work().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 503, extra: { retry_after: 5 } });
    while (gates.length > 0 || running > 0) {
      await new Promise((r) => setTimeout(r, 1));
      gates.shift()?.();
    }
    await Promise.all(accepted);
    expect(most).toBe(2);
    // Every slot was given back: two run at once again.
    const again = [work(), work()];
    await new Promise((r) => setTimeout(r, 1));
    expect(running).toBe(2);
    for (const open of gates.splice(0)) open();
    await Promise.all(again);
  });

  it("gives the slot back when an upload fails", async () => {
    const slots = createUploadSlots(1);
    await expect(slots.run(async () => Promise.reject(new Error("bad zip")))).rejects.toThrow();
    expect(await slots.run(async () => "next")).toBe("next");
  });
});
