// Packages that ship no type declarations: the part of their API this project uses.
declare module "dynalite" {
  import type { Server } from "node:http";
  export default function dynalite(options?: Record<string, unknown>): Server;
}
declare module "kinesalite" {
  import type { Server } from "node:http";
  export default function kinesalite(options?: Record<string, unknown>): Server;
}
declare module "s3rver" {
  export default class S3rver {
    constructor(options?: Record<string, unknown>);
    run(): Promise<unknown>;
    close(): Promise<void>;
  }
}
