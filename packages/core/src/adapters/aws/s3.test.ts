import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBucket, type StandIn, startS3rver } from "@livetranslate/testing/standins";
import { createS3Client } from "./clients.ts";
import { guardDeclaredCalls } from "@livetranslate/testing/iam";
import { S3AudioStore } from "./s3.ts";

describe("S3AudioStore against s3rver", () => {
  let s3: StandIn;
  let store: S3AudioStore;
  beforeAll(async () => {
    s3 = await startS3rver();
    const client = createS3Client(s3);
    await ensureBucket(client, "audio");
    store = new S3AudioStore({ client: guardDeclaredCalls(createS3Client(s3), S3AudioStore.iamActions), bucket: "audio" });
  });
  afterAll(() => s3.close());

  it("stores audio that anyone can fetch through the presigned URL, with its content type", async () => {
    // Prepare
    const data = new Uint8Array([73, 68, 51, 4, 0, 0, 0, 0, 0, 255, 251, 144, 0, 1, 2, 250]);
    const key = "sessions/a-b-1/translated/es/000001.mp3";
    // Act
    await store.put(key, data, "audio/mpeg");
    const url = await store.presignedUrl(key, 600);
    const response = await fetch(url);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(data);
  });

  it("signs each URL for one object and the time asked for", async () => {
    // Prepare
    const key = "sessions/a-b-1/translated/fr/000001.wav";
    // Act
    const url = new URL(await store.presignedUrl(key, 600));
    // Assess
    expect(url.pathname).toBe(`/audio/${key}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("600");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("addresses the bucket in the path, which a stand-in on a host name needs", async () => {
    // Prepare
    const byName = new S3AudioStore({ client: createS3Client({ ...s3, endpoint: s3.endpoint.replace("127.0.0.1", "localhost") }), bucket: "audio" });
    // Act
    const url = new URL(await byName.presignedUrl("sessions/a-b-1/translated/es/000001.mp3", 60));
    // Assess
    expect(url.hostname).toBe("localhost");
    expect(url.pathname).toBe("/audio/sessions/a-b-1/translated/es/000001.mp3");
  });

  it("refuses a URL once it has expired", async () => {
    // Prepare
    const key = "sessions/a-b-1/translated/es/000002.wav";
    await store.put(key, new Uint8Array([1, 2]), "audio/wav");
    const url = await store.presignedUrl(key, 1);
    // Act
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await fetch(url);
    // Assess
    expect(response.status).toBe(403);
  });
});
