/**
 * Synthetic "photos" for benchmarks, tests and the example campaign: an SVG landscape
 * (sky gradient, sun, layered hills, a lake) rasterised by sharp. `seed` shifts the
 * palette and the hills so every recipient can have a different picture.
 */
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hills(w: number, h: number, base: number, amp: number, r: () => number): string {
  const pts: string[] = [`M 0 ${h}`, `L 0 ${base}`];
  const n = 6;
  for (let i = 1; i <= n; i++) {
    const x = (w * i) / n;
    const cx = x - w / n / 2;
    pts.push(
      `Q ${cx.toFixed(1)} ${(base - amp * (0.4 + r())).toFixed(1)} ${x.toFixed(1)} ${(base - amp * r() * 0.5).toFixed(1)}`,
    );
  }
  pts.push(`L ${w} ${h} Z`);
  return pts.join(" ");
}

export function landscapeSvg(width: number, height: number, seed = 1): string {
  const r = rand(seed);
  const hue = Math.round(r() * 50) - 10;
  const sky1 = `hsl(${205 + hue}, 70%, 78%)`;
  const sky2 = `hsl(${30 + hue / 2}, 90%, 85%)`;
  const sunX = width * (0.3 + r() * 0.4);
  const sunY = height * (0.32 + r() * 0.1);
  const layers = [
    { base: 0.6, amp: 0.14, color: `hsl(${140 + hue}, 25%, 55%)` },
    { base: 0.7, amp: 0.12, color: `hsl(${125 + hue}, 35%, 42%)` },
    { base: 0.8, amp: 0.1, color: `hsl(${110 + hue}, 40%, 32%)` },
  ];
  const hillPaths = layers
    .map(
      (l) =>
        `<path d="${hills(width, height, height * l.base, height * l.amp, r)}" fill="${l.color}"/>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky1}"/><stop offset="0.62" stop-color="${sky2}"/></linearGradient>
    <radialGradient id="sun"><stop offset="0" stop-color="#fff6d8"/><stop offset="0.35" stop-color="#ffd98a"/><stop offset="1" stop-color="#ffd98a" stop-opacity="0"/></radialGradient>
    <linearGradient id="lake" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${200 + hue}, 45%, 62%)"/><stop offset="1" stop-color="hsl(${210 + hue}, 50%, 38%)"/></linearGradient>
  </defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <circle cx="${sunX}" cy="${sunY}" r="${width * 0.28}" fill="url(#sun)"/>
  <circle cx="${sunX}" cy="${sunY}" r="${width * 0.07}" fill="#fff3c9"/>
  ${hillPaths}
  <path d="M 0 ${height * 0.86} Q ${width * 0.5} ${height * 0.82} ${width} ${height * 0.87} L ${width} ${height} L 0 ${height} Z" fill="url(#lake)"/>
</svg>`;
}

/** A print-master-like sRGB JPEG of the landscape. */
export async function makePhoto(
  width: number,
  height: number,
  seed = 1,
  quality = 86,
  grain = 0,
): Promise<Buffer> {
  // Loaded here, not at the top: the 10,000-card child process must not carry libvips in its RSS.
  const { default: sharp } = await import("sharp");
  let img = sharp(Buffer.from(landscapeSvg(width, height, seed)));
  if (grain > 0) {
    // Seeded grey noise around mid-grey, overlaid: the texture a real photo has and vector art
    // lacks, so the JPEG weighs what a real photo of that size does.
    const r = rand(seed * 7919);
    const noise = Buffer.alloc(width * height);
    for (let i = 0; i < noise.length; i++) noise[i] = 128 + Math.round((r() - 0.5) * 160 * grain);
    const layer = await sharp(noise, { raw: { width, height, channels: 1 } })
      .toColourspace("srgb")
      .png()
      .toBuffer();
    img = sharp(await img.png().toBuffer()).composite([{ input: layer, blend: "overlay" }]);
  }
  return img.jpeg({ quality, chromaSubsampling: "4:2:0" }).toBuffer();
}

/**
 * A copy of `jpeg` with a unique comment segment: different bytes (a distinct photo to the
 * renderer, embedded on its own), same pixels. Cheap per-recipient photos for benchmarks.
 */
export function distinctCopy(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(`cardmerge bench photo ${tag}`, "latin1");
  const seg = Buffer.alloc(4 + text.length);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(text.length + 2, 2);
  text.copy(seg, 4);
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)]);
}

// `node --import tsx bench/render-photos.ts examples/photo.jpg` writes the example campaign's photo
// (1800 x 2400 px: 300+ ppi over a full-bleed 5x7 front).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? "examples/photo.jpg";
  await writeFile(out, await makePhoto(1800, 2400, 7, 84, 0.06));
  console.log(`wrote ${out}`);
}
