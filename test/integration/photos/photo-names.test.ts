/**
 * How an import's photo column finds uploaded photos (resolvePhotoNames): by id or by file name,
 * case-insensitively, the newest upload of a name winning, an id before a name, and only among
 * the account's own photos. Rows are written straight to the photos table: the rules are the
 * query's, not the upload's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePhotoNames } from "../../../src/modules/photos/photos.repository.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let own: string;
let other: string;

beforeAll(async () => {
  ctx = await createTestContext();
  own = (await ctx.account()).accountId;
  other = (await ctx.account()).accountId;
});
afterAll(() => ctx.close());

async function photo(accountId: string, id: string, filename: string, minutesAgo: number) {
  await ctx.deps.pool.query(
    `INSERT INTO photos (id, account_id, filename, source_format, width, height, bytes, sha256,
                         master_key, preview_key, created_at)
     VALUES ($1, $2, $3, 'jpeg', 100, 100, 1, 'x', 'm', 'p', now() - make_interval(mins => $4))`,
    [id, accountId, filename, minutesAgo],
  );
}

describe("photo names in an import", () => {
  it("resolves ids and file names case-insensitively, the newest upload of a name winning", async () => {
    await photo(own, "pho_old_kitchen", "Kitchen.JPG", 10);
    await photo(own, "pho_new_kitchen", "kitchen.jpg", 1);
    await photo(own, "pho_garage", "garage.png", 5);
    const found = await resolvePhotoNames(ctx.deps.pool, own, [
      "KITCHEN.jpg",
      "kitchen.jpg",
      "pho_garage",
      "Garage.PNG",
      "attic.jpg",
      "KITCHEN.jpg",
    ]);
    expect(Object.fromEntries(found)).toEqual({
      "KITCHEN.jpg": "pho_new_kitchen",
      "kitchen.jpg": "pho_new_kitchen",
      pho_garage: "pho_garage",
      "Garage.PNG": "pho_garage",
    });
  });

  it("takes a photo's id before a newer photo whose file name is that id", async () => {
    await photo(own, "pho_named", "front.jpg", 10);
    await photo(own, "pho_impostor", "pho_named", 1);
    const found = await resolvePhotoNames(ctx.deps.pool, own, ["pho_named"]);
    expect(found.get("pho_named")).toBe("pho_named");
  });

  it("never finds another account's photo, by id or by name", async () => {
    await photo(other, "pho_theirs", "theirs.jpg", 1);
    await photo(own, "pho_mine_too", "shared-name.jpg", 5);
    await photo(other, "pho_theirs_newer", "shared-name.jpg", 1);
    const found = await resolvePhotoNames(ctx.deps.pool, own, [
      "pho_theirs",
      "theirs.jpg",
      "shared-name.jpg",
    ]);
    expect(Object.fromEntries(found)).toEqual({ "shared-name.jpg": "pho_mine_too" });
  });

  it("resolves every name of a chunk of a thousand distinct photos", async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `pho_many_${i}`);
    await ctx.deps.pool.query(
      `INSERT INTO photos (id, account_id, filename, source_format, width, height, bytes, sha256,
                           master_key, preview_key)
       SELECT id, $1, upper(id) || '.jpg', 'jpeg', 100, 100, 1, 'x', 'm', 'p'
         FROM unnest($2::text[]) AS id`,
      [own, ids],
    );
    const found = await resolvePhotoNames(
      ctx.deps.pool,
      own,
      ids.map((id) => `${id}.jpg`),
    );
    expect(found.size).toBe(1000);
    expect(found.get("pho_many_999.jpg")).toBe("pho_many_999");
  });
});
