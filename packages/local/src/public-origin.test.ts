import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { originOf, publicHost } from "./public-origin.ts";

const iface = (address: string, internal: boolean, family: "IPv4" | "IPv6" = "IPv4") =>
  ({ address, internal, family, netmask: "", mac: "", cidr: null }) as unknown as NetworkInterfaceInfo;

describe("the address clients are told to use", () => {
  const machine = { lo: [iface("127.0.0.1", true)], eth0: [iface("fe80::1", false, "IPv6"), iface("192.168.1.20", false)] };

  it("is the machine's network address when local mode listens on every address", () => {
    expect(publicHost("0.0.0.0", undefined, machine)).toBe("192.168.1.20");
    expect(publicHost("::", undefined, machine)).toBe("192.168.1.20");
  });

  it("is the address listened on, or the one the user names", () => {
    expect(publicHost("127.0.0.1", undefined, machine)).toBe("127.0.0.1");
    expect(publicHost("10.0.0.5", undefined, machine)).toBe("10.0.0.5");
    expect(publicHost("0.0.0.0", "venue.local", machine)).toBe("venue.local");
  });

  it("falls back to loopback on a machine with no network", () => {
    expect(publicHost("0.0.0.0", undefined, { lo: machine.lo })).toBe("127.0.0.1");
  });

  it("brackets IPv6 addresses in origins", () => {
    expect(originOf("https", "fe80::1", 8787)).toBe("https://[fe80::1]:8787");
  });
});
