import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBucket, type StandIn, startS3rver } from "../standins/index.ts";
import { createS3Client } from "./clients.ts";
import { S3AudioStore } from "./s3.ts";

describe("S3AudioStore against s3rver", () => {
  let s3: StandIn;
  let store: S3AudioStore;
  beforeAll(async () => {
    s3 = await startS3rver();
    const client = createS3Client(s3);
    await ensureBucket(client, "audio");
    store = new S3AudioStore({ client, bucket: "audio" });
  });
  afterAll(() => s3.close());

  it("stores audio that anyone can fetch through the presigned URL, with its content type", async () => {
    const data = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4, 250]);
    await store.put("sessions/a-b-1/translated/es/000001.wav", data, "audio/wav");
    const url = await store.presignedUrl("sessions/a-b-1/translated/es/000001.wav", 600);
    expect(url).toContain("X-Amz-Expires=600");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("audio/wav");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(data);
  });

  it("signs each URL for one object and a limited time", async () => {
    const url = new URL(await store.presignedUrl("sessions/a-b-1/translated/fr/000001.wav", 600));
    expect(url.pathname).toBe("/audio/sessions/a-b-1/translated/fr/000001.wav");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("600");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });
});
