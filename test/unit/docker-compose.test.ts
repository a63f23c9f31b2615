/**
 * docker-compose.yml is the whole system on one machine: it is read here as Compose reads it
 * (no Docker daemon runs in CI), and its settings go through the service's own config loader.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config.ts";

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const app = ["api", "worker"].map((name) => [name, services[name] as Service] as const);

describe("docker-compose.yml", () => {
  it("runs PostgreSQL, Redis, MinIO, the migrations, the API and the workers", () => {
    expect(Object.keys(services).sort()).toEqual(
      ["api", "migrate", "minio", "postgres", "redis", "worker"].sort(),
    );
    expect(services.migrate?.command).toEqual(["node", "bin/cardmerge.js", "setup"]);
  });

  it.each(app)("gives %s S3 storage on MinIO, with MinIO's own credentials", (_name, s) => {
    const env = s.environment ?? {};
    const config = loadConfig(env);
    expect(config.s3?.bucket).toBe("cardmerge");
    expect(new URL(config.s3?.endpoint ?? "").hostname).toBe("minio");
    expect(config.s3?.forcePathStyle).toBe(true);
    const minio = services.minio?.environment ?? {};
    expect(env.S3_ACCESS_KEY_ID).toBe(minio.MINIO_ROOT_USER);
    expect(env.S3_SECRET_ACCESS_KEY).toBe(minio.MINIO_ROOT_PASSWORD);
  });

  it.each(app)("shares no folder between %s containers: files go through S3 only", (_n, s) => {
    expect(s.volumes ?? []).toEqual([]);
  });

  it("lets `--scale worker=N` start N workers: no fixed name or host port", () => {
    expect(services.worker?.container_name).toBeUndefined();
    expect(services.worker?.ports).toBeUndefined();
    expect(services.worker?.environment?.WORKER_PROCESSES).toBe("1");
  });

  it.each(app)("starts %s after the migrations and the bucket exist", (_name, s) => {
    expect(s.depends_on?.migrate?.condition).toBe("service_completed_successfully");
    expect(s.depends_on?.minio?.condition).toBe("service_healthy");
    expect(services.migrate?.environment?.STORAGE_DRIVER).toBe("s3");
    expect(services.migrate?.depends_on?.minio?.condition).toBe("service_healthy");
  });
});
