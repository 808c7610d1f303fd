/** Translated audio in S3: short-lived objects fetched by listeners through presigned GET URLs. */
import { PutObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
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

  presignedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}
