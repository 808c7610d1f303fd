/**
 * Where phones reach local mode: the address it listens on, or, when it listens on every address, this machine's
 * address on its network. URLs handed to clients (translated audio, the links printed at start) use it, since a
 * phone cannot reach this machine's loopback address.
 */
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/**
 * The host clients are told to use. With a wildcard `host`, the first non-internal IPv4 address (a machine on
 * several networks names the right one with `preferred`); loopback when the machine has none.
 */
export function publicHost(
  host: string,
  preferred?: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  if (preferred) return preferred;
  if (!WILDCARDS.has(host)) return host;
  for (const addresses of Object.values(interfaces)) {
    const external = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (external) return external.address;
  }
  return "127.0.0.1";
}

/** `http://host:port`, IPv6 addresses bracketed. */
export function originOf(scheme: "http" | "https", host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
