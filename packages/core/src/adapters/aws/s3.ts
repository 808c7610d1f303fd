/** Translated audio in S3: short-lived objects fetched by listeners through presigned GET URLs. */
import { PutObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { timingSafeEqual } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { AudioStore } from "../../ports/index.ts";
import type { IamAction } from "../../ports/iam.ts";

export class S3AudioStore implements AudioStore {
  /** GetObject: a presigned URL only works if its signer (the function's role) may read the object. */
  static readonly iamActions: readonly IamAction[] = [
    { action: "s3:PutObject", resource: "bucketObject" },
    { action: "s3:GetObject", resource: "bucketObject" },
  ];

  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentType: contentType,
        // Each object is written once and never changes: browsers may cache it for its whole life.
        CacheControl: "private, max-age=600, immutable",
      }),
    );
  }

  presignedUrl(key: string, expiresInSeconds: number, signingDate?: Date): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds, signingDate });
  }

  /**
   * Whether `url` is a GET of `key` this store presigned and has not expired: signed again with the date and
   * lifetime it states, it must carry the same signature. For local mode, whose embedded S3 checks none.
   */
  async isPresignedUrl(key: string, url: URL, now = Date.now()): Promise<boolean> {
    const stamp = url.searchParams.get("X-Amz-Date")?.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
    const expires = Number(url.searchParams.get("X-Amz-Expires"));
    const given = url.searchParams.get("X-Amz-Signature");
    if (!stamp || !given || !Number.isInteger(expires) || expires <= 0) return false;
    const signedAt = new Date(`${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}Z`);
    if (!(signedAt.getTime() <= now && now <= signedAt.getTime() + expires * 1000)) return false;
    const expected = new URL(await this.presignedUrl(key, expires, signedAt)).searchParams.get("X-Amz-Signature");
    return expected !== null && expected.length === given.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));
  }
}
