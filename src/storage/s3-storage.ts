/**
 * S3-compatible storage (AWS S3, MinIO, R2…), for running the API and workers on several machines.
 * A PUT is atomic on S3: readers see the whole object or none.
 */
import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Config } from "../config.ts";
import {
  checkKey,
  measuring,
  readInto,
  type Storage,
  StorageNotFound,
  type StoredObject,
  writerOverPut,
} from "./storage.ts";

/** STORAGE_DRIVER=s3's settings, as the config reads them. */
export type S3Options = NonNullable<Config["s3"]>;

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
};

const clientOf = (opts: S3Options) =>
  new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle,
    ...(opts.accessKeyId && opts.secretAccessKey
      ? { credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } }
      : {}),
  });

/**
 * Creates the bucket when it is missing (`cardmerge setup` calls it, so a fresh MinIO needs no
 * manual step); true when it made one. The service itself never creates buckets.
 */
export async function ensureBucket(opts: S3Options): Promise<boolean> {
  const client = clientOf(opts);
  try {
    await client.send(new HeadBucketCommand({ Bucket: opts.bucket }));
    return false;
  } catch (error) {
    if (!isMissing(error)) throw error;
    await client.send(new CreateBucketCommand({ Bucket: opts.bucket }));
    return true;
  } finally {
    client.destroy();
  }
}

export function createS3Storage(opts: S3Options): Storage {
  const client = clientOf(opts);
  const Bucket = opts.bucket;

  return {
    async put(key, body, putOpts = {}): Promise<StoredObject> {
      const { source, meter, stored } = measuring(body);
      source.on("error", (error) => meter.destroy(error));
      source.pipe(meter);
      await new Upload({
        client,
        params: { Bucket, Key: checkKey(key), Body: meter, ContentType: putOpts.contentType },
      }).done();
      return stored(key);
    },

    async get(key, range) {
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: checkKey(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        return out.Body as Readable;
      } catch (error) {
        if (isMissing(error)) throw new StorageNotFound(key);
        throw error;
      }
    },

    async getInto(key, take) {
      let out: GetObjectCommandOutput;
      try {
        out = await client.send(new GetObjectCommand({ Bucket, Key: checkKey(key) }));
      } catch (error) {
        if (isMissing(error)) throw new StorageNotFound(key);
        throw error;
      }
      return readInto(out.Body as Readable, await take(out.ContentLength ?? 0), key);
    },

    openWriter(key, writerOpts) {
      return Promise.resolve(writerOverPut((body) => this.put(key, body, writerOpts)));
    },

    async getBuffer(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: checkKey(key) }));
        return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
      } catch (error) {
        if (isMissing(error)) throw new StorageNotFound(key);
        throw error;
      }
    },

    async stat(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: checkKey(key) }));
        return { bytes: out.ContentLength ?? 0, modifiedAt: out.LastModified ?? new Date(0) };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(key) }));
    },

    async deletePrefix(prefix) {
      const Prefix = `${checkKey(prefix.replace(/\/$/, ""))}/`;
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }),
        );
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length)
          await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
  };
}
