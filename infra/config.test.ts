/** The deploy-time settings of infra/config.ts, read from the environment of `sst deploy`. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { HTTP_ROUTES, WS_ACTIONS } from "../packages/functions/src/deployment";

const load = async (env: Record<string, string>) => {
  vi.resetModules();
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import("./config")).config;
};

describe("deploy settings", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("stops the deploy on a setting that is not a whole number, naming it", async () => {
    await expect(load({ LIVETRANSLATE_MESSAGE_CONCURRENCY: "lots" })).rejects.toThrow('LIVETRANSLATE_MESSAGE_CONCURRENCY must be a whole number, not "lots"');
    await expect(load({ LIVETRANSLATE_MESSAGE_CONCURRENCY: "2.5" })).rejects.toThrow("LIVETRANSLATE_MESSAGE_CONCURRENCY");
  });

  it("reserves concurrency for the Message function, as set; 0 reserves nothing (the consumer is a service)", async () => {
    // Act
    const defaults = await load({});
    const set = await load({ LIVETRANSLATE_MESSAGE_CONCURRENCY: "20" });
    const { reservedConcurrency } = await import("./config");
    // Assess
    expect(defaults.reservedConcurrency).toEqual({ Message: 50 });
    expect(set.reservedConcurrency).toEqual({ Message: 20 });
    expect([reservedConcurrency(0), reservedConcurrency(20)]).toEqual([undefined, { reserved: 20 }]);
    await expect(load({ LIVETRANSLATE_MESSAGE_CONCURRENCY: "-1" })).rejects.toThrow('LIVETRANSLATE_MESSAGE_CONCURRENCY must be a whole number, not "-1"');
  });

  it("caps a session's listeners at the default unless set, refusing a cap that is not a whole number from 1 to 10000", async () => {
    expect((await load({})).maxListenersPerSession).toBe(1000);
    expect((await load({ LIVETRANSLATE_MAX_LISTENERS_PER_SESSION: "300" })).maxListenersPerSession).toBe(300);
    await expect(load({ LIVETRANSLATE_MAX_LISTENERS_PER_SESSION: "0" })).rejects.toThrow(/LIVETRANSLATE_MAX_LISTENERS_PER_SESSION must be a whole number from 1 to 10000 .*not "0"/);
    await expect(load({ LIVETRANSLATE_MAX_LISTENERS_PER_SESSION: "20000" })).rejects.toThrow(/not "20000"/);
    await expect(load({ LIVETRANSLATE_MAX_LISTENERS_PER_SESSION: "lots" })).rejects.toThrow("LIVETRANSLATE_MAX_LISTENERS_PER_SESSION");
  });

  it("throttles only routes the APIs have, each named one below its API's default", async () => {
    const { throttle } = await load({});
    const routes = { http: HTTP_ROUTES.map((r) => r.route), websocket: ["$connect", "$disconnect", "$default", ...WS_ACTIONS] };
    for (const api of ["http", "websocket"] as const) {
      const limits = throttle[api];
      expect(Object.keys(limits.routes).length, api).toBeGreaterThan(0);
      for (const [route, limit] of Object.entries(limits.routes)) {
        expect(routes[api], `${api} ${route}`).toContain(route);
        expect(limit.rate, route).toBeLessThan(limits.default.rate);
        expect(limit.burst, route).toBeLessThanOrEqual(limits.default.burst);
        expect(limit.burst, route).toBeGreaterThanOrEqual(limit.rate);
      }
    }
    expect(Object.keys(throttle.http.routes).sort()).toEqual(["GET /sessions/{sessionId}", "POST /listener-reports", "POST /sessions"]);
    expect(Object.keys(throttle.websocket.routes)).toEqual(["$connect"]);
  });
});
