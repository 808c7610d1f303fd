/**
 * Stands in for the SST CLI's local server (`SST_SERVER`), which SST's components call over JSON-RPC while the
 * program runs: `Runtime.Build` (bundle a function: here a one-line handler file, since the mocked run deploys
 * nothing), `Provider.Aws.Bootstrap` (the asset and state bucket names), and in `sst dev` `Runtime.AddTarget` and
 * `Provider.Aws.Appsync`. Every call is recorded. A function's links reach it as its build's `resource.enc` (as the
 * CLI writes it: the links' JSON sealed with AES-256-GCM under the function's SST_KEY, zero nonce, tag appended),
 * not as environment variables; the stand-in writes that file the same way.
 */
import { createCipheriv } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface RpcCall {
  method: string;
  args: any;
  result?: any;
}

export class UnknownRpcMethodError extends Error {
  constructor(readonly method: string) {
    super(`the SST CLI stand-in does not answer ${method}`);
  }
}

function sealLinks(base64Key: string, links: unknown): Buffer {
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(base64Key, "base64"), Buffer.alloc(12, 0));
  return Buffer.concat([cipher.update(JSON.stringify(links)), cipher.final(), cipher.getAuthTag()]);
}

export async function startSstCliStandin(workDir: string): Promise<{ url: string; calls: RpcCall[]; close(): Promise<void> }> {
  const calls: RpcCall[] = [];
  const answer = (method: string, args: any): unknown => {
    switch (method) {
      case "Runtime.Build": {
        const out = path.join(workDir, "artifacts", `${args.functionID}-src`);
        const [file, exported] = String(args.handler).split(/\.(?=[^.]+$)/) as [string, string];
        mkdirSync(path.join(out, path.dirname(file)), { recursive: true });
        writeFileSync(path.join(out, `${file}.mjs`), `export const ${exported} = async () => ({});\n`);
        if (args.encryptionKey) writeFileSync(path.join(out, "resource.enc"), sealLinks(args.encryptionKey, args.links ?? {}));
        return { handler: args.handler, out, errors: [], sourcemaps: [] };
      }
      case "Provider.Aws.Bootstrap":
        return {
          asset: `sst-asset-${args.region}`,
          assetEcrRegistryId: "123456789012",
          assetEcrUrl: `123456789012.dkr.ecr.${args.region}.amazonaws.com/sst-asset`,
          state: `sst-state-${args.region}`,
          appsyncHttp: `appsync-http.${args.region}.amazonaws.com`,
          appsyncRealtime: `appsync-realtime.${args.region}.amazonaws.com`,
        };
      case "Provider.Aws.Appsync":
        return { http: "appsync-http.example", realtime: "appsync-realtime.example" };
      case "Runtime.AddTarget":
        return {};
      default:
        throw new UnknownRpcMethodError(method);
    }
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: unknown[] };
      const call: RpcCall = { method, args: params[0] };
      calls.push(call);
      res.setHeader("content-type", "application/json");
      // No keep-alive: an idle connection would hold the run open until it times out.
      res.setHeader("connection", "close");
      try {
        call.result = answer(method, params[0]);
        res.end(JSON.stringify({ result: call.result, error: null }));
      } catch (error) {
        // SST's client treats "rpc: can't find ..." as a method that does not exist (optional calls).
        res.end(JSON.stringify({ result: null, error: error instanceof UnknownRpcMethodError ? `rpc: can't find ${method}` : String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Open requests keep the process alive, the idle server does not: the run ends when the program's work does.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
