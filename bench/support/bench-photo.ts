/**
 * A photo for a benchmark, drawn by sharp (a background and an SVG of shapes over it) and
 * uploaded through the API as a business would, so the workers read its print master from storage.
 */
import sharp from "sharp";

export interface BenchPhoto {
  width: number;
  height: number;
  background: string;
  /** The SVG drawn over the background, at the photo's size. */
  svg: string;
  filename: string;
}

/** Uploads the photo with POST /v1/photos and answers its id. */
export async function uploadBenchPhoto(
  base: string,
  auth: Record<string, string>,
  photo: BenchPhoto,
): Promise<string> {
  const jpeg = await sharp({
    create: { width: photo.width, height: photo.height, channels: 3, background: photo.background },
  })
    .composite([{ input: Buffer.from(photo.svg) }])
    .jpeg({ quality: 88 })
    .toBuffer();
  const form = new FormData();
  form.append("file", new Blob([jpeg], { type: "image/jpeg" }), photo.filename);
  const res = await fetch(`${base}/v1/photos`, { method: "POST", headers: auth, body: form });
  const body = (await res.json()) as { data?: { id: string }[] };
  if (!res.ok || !body.data?.[0]) throw new Error(`photo upload: ${JSON.stringify(body)}`);
  return body.data[0].id;
}
