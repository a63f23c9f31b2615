/**
 * The console's stylesheet and scripts, read once at start from src/console/assets and served
 * from memory: a request names a file only as a key of that map, never as a path on disk.
 * Each URL carries the file's content hash, so browsers may keep it for a year.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { PACKAGE_ROOT } from "../package-root.ts";

const TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface Asset {
  body: Buffer;
  type: string;
  /** /assets/<name>?v=<hash>: the URL pages link to. */
  url: string;
}

export function loadAssets(dir = path.join(PACKAGE_ROOT, "src/console/assets")) {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = readFileSync(path.join(dir, name));
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    assets.set(name, { body, type, url: `/assets/${name}?v=${hash}` });
  }
  return assets;
}

export function assetRoutes(app: FastifyInstance, assets: Map<string, Asset>) {
  app.get<{ Params: { name: string } }>(
    "/assets/:name",
    { config: { console: "public" }, schema: { hide: true } },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) return reply.code(404).type("text/plain").send("No such file.");
      return reply
        .type(asset.type)
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("x-content-type-options", "nosniff")
        .send(asset.body);
    },
  );
}
