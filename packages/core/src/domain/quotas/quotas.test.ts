import { describe, expect, it } from "vitest";
import { AWS_QUOTAS, isQuotaError, quota } from "./index.ts";

describe("AWS_QUOTAS", () => {
  it("names, for every quota, the AWS page it comes from, its unit, whether it can be raised and how", () => {
    for (const q of AWS_QUOTAS) {
      expect(q.source.url, q.id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(q.source.page.length, q.id).toBeGreaterThan(10);
      expect(q.value, q.id).toBeGreaterThan(0);
      expect(q.increase.length, q.id).toBeGreaterThan(5);
      if (!q.adjustable) expect(q.increase, q.id).toMatch(/^not adjustable/);
    }
    expect(new Set(AWS_QUOTAS.map((q) => q.id)).size).toBe(AWS_QUOTAS.length);
  });

  it("holds the defaults the design is checked against", () => {
    expect(quota("synthesisNeural")).toMatchObject({ value: 8, burst: 10, answer: { name: "ThrottlingException", httpStatusCode: 400 } });
    expect(quota("synthesisStandard")).toMatchObject({ value: 80, burst: 100 });
    expect(quota("apiGatewayRequests")).toMatchObject({ value: 10_000, answer: { httpStatusCode: 429 } });
    expect(quota("recognizerStreams")).toMatchObject({ value: 25, unit: "concurrent streams", answer: { name: "LimitExceededException" } });
    expect(quota("lambdaConcurrency").value).toBe(1_000);
    expect(quota("broadcastInbound")).toMatchObject({ service: "AWS IoT Core", value: 20_000, answer: { name: "ThrottlingException", httpStatusCode: 429 } });
    expect(quota("broadcastOutbound")).toMatchObject({ value: 20_000, unit: "publishes/s", adjustable: true });
    expect(quota("broadcastConnects").value).toBe(500);
    expect(quota("broadcastSubscriptions").value).toBe(500);
    expect(quota("broadcastPerConnection")).toMatchObject({ value: 100, adjustable: false });
  });

  it("names an unknown quota", () => {
    expect(() => quota("nope" as never)).toThrow(/"nope"/);
  });
});

describe("isQuotaError", () => {
  it("knows a quota's answer by its name, not by its message", () => {
    expect(isQuotaError(Object.assign(new Error("x"), { name: "ThrottlingException" }))).toBe(true);
    expect(isQuotaError(Object.assign(new Error("x"), { name: "ProvisionedThroughputExceededException" }))).toBe(true);
    expect(isQuotaError(new Error("ThrottlingException: rate exceeded"))).toBe(false);
    expect(isQuotaError(Object.assign(new Error("x"), { name: "ServiceUnavailableException" }))).toBe(false);
    expect(isQuotaError(undefined)).toBe(false);
  });
});
