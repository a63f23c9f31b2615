/**
 * Photo intake speed: one 12-megapixel phone photo (4000x3000 JPEG) → print master + preview,
 * as `POST /v1/photos` does it. Run: node --import tsx bench/images.bench.ts
 *
 * Prints the median of 5 timed runs after 2 warm-ups, serially and with several photos in flight,
 * at each libvips thread count tried. sharp is imported here only to make the input photo.
 */
import os from "node:os";
import sharp from "sharp";
import { preparePhoto } from "../src/images/index.ts";

const WIDTH = 4000;
const HEIGHT = 3000;
const WARMUP = 2;
const RUNS = 5;

/**
 * Photo-like content: smooth colour regions (upscaled coarse noise) under fine sensor grain, saved
 * as a phone does (quality 92, 4:2:0). Pure noise would overstate encode cost; flat colour would
 * understate it. Lands near the 3–5 MB of a real 12 MP phone JPEG.
 */
async function phonePhoto(orientation?: number): Promise<Buffer> {
  const coarse = await sharp({
    create: {
      width: 40,
      height: 30,
      channels: 3,
      background: "#000000",
      noise: { type: "gaussian", mean: 128, sigma: 60 },
    },
  })
    .png()
    .toBuffer();
  const grain = await sharp({
    create: {
      width: WIDTH,
      height: HEIGHT,
      channels: 3,
      background: "#000000",
      noise: { type: "gaussian", mean: 128, sigma: 18 },
    },
  })
    .raw()
    .toBuffer();
  const smooth = await sharp(coarse)
    .resize(WIDTH, HEIGHT, { kernel: "cubic" })
    .composite([
      { input: grain, raw: { width: WIDTH, height: HEIGHT, channels: 3 }, blend: "soft-light" },
    ])
    .png({ compressionLevel: 0 })
    .toBuffer();
  const jpeg = sharp(smooth).jpeg({ quality: 92, chromaSubsampling: "4:2:0" });
  return (orientation === undefined ? jpeg : jpeg.withMetadata({ orientation })).toBuffer();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall time of one batch of `inFlight` photos prepared concurrently, in ms. */
async function timeBatch(input: Buffer, inFlight: number): Promise<number> {
  const batch = () => Promise.all(Array.from({ length: inFlight }, () => preparePhoto(input)));
  for (let i = 0; i < WARMUP; i++) await batch();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await batch();
    times.push(performance.now() - started);
  }
  return median(times);
}

function row(cells: (string | number)[]): string {
  return cells.map((c) => String(c).padStart(12)).join("");
}

const defaultThreads = sharp.concurrency();
const upright = await phonePhoto();
const rotated = await phonePhoto(6);
const sample = await preparePhoto(upright);
console.log(
  `input: ${WIDTH}x${HEIGHT} JPEG, ${(upright.length / 1e6).toFixed(2)} MB; ` +
    `master ${sample.masterWidth}x${sample.masterHeight} ${(sample.master.length / 1e6).toFixed(2)} MB; ` +
    `preview ${sample.previewWidth}x${sample.previewHeight} ${(sample.preview.length / 1e3).toFixed(0)} KB`,
);
console.log(
  `cpus: ${os.availableParallelism()}, libuv pool: ${process.env.UV_THREADPOOL_SIZE ?? 4}, ` +
    `sharp default concurrency: ${defaultThreads}, simd: ${sharp.simd()}, ` +
    `load average: ${os.loadavg()[0]?.toFixed(2)} (figures are only as quiet as the machine)`,
);
console.log(row(["threads", "in flight", "orientation", "ms/batch", "ms/photo", "photos/s"]));

const threadCounts = [...new Set([1, 2, os.availableParallelism()])];
for (const threads of threadCounts) {
  sharp.concurrency(threads);
  for (const inFlight of [1, 2, 4]) {
    const ms = await timeBatch(upright, inFlight);
    const perPhoto = ms / inFlight;
    console.log(
      row([threads, inFlight, 1, ms.toFixed(0), perPhoto.toFixed(0), (1000 / perPhoto).toFixed(2)]),
    );
  }
}
sharp.concurrency(defaultThreads);
const rotatedMs = await timeBatch(rotated, 1);
console.log(
  row([
    defaultThreads,
    1,
    6,
    rotatedMs.toFixed(0),
    rotatedMs.toFixed(0),
    (1000 / rotatedMs).toFixed(2),
  ]),
);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
