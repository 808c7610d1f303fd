import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { BroadcastPublisher } from "@livetranslate/core/ports";
import { countHttpRequests, countPublisher, newRequestCounts, tableRequestsSince } from "./metering.ts";

const channel = { sessionId: "s1", language: "es" };
const ended = { type: "sessionEnded", sessionId: "s1" } as Parameters<BroadcastPublisher["publish"]>[1];

describe("metering the listeners by broadcast", () => {
  it("counts a publish that reached the broker by message type, with its payload's bytes; a refused one not", async () => {
    // Arrange
    const counts = newRequestCounts();
    let refuse = false;
    const publisher = countPublisher({ publish: async () => (refuse ? Promise.reject(new Error("ThrottlingException")) : undefined) }, counts);
    const bytes = Buffer.byteLength(JSON.stringify(ended));
    // Act
    await publisher.publish(channel, ended);
    await publisher.publish(channel, ended);
    refuse = true;
    await expect(publisher.publish(channel, ended)).rejects.toThrow(/Throttling/);
    // Assess
    expect(counts.publishes).toEqual({ sessionEnded: { count: 2, bytes: 2 * bytes, largestBytes: bytes } });
  });

  it("counts the HTTP API's requests by the route that answered them", async () => {
    const counts = newRequestCounts();
    const app = new Hono();
    countHttpRequests(app, "/sessions", counts);
    app.post("/sessions/:sessionId/listeners", (c) => c.json({}, 201));
    app.put("/sessions/:sessionId/listeners/:listenerId", (c) => c.json({}));
    app.get("/health", (c) => c.json({ ok: true }));
    await app.request("/sessions/a/listeners", { method: "POST" });
    await app.request("/sessions/b/listeners", { method: "POST" });
    await app.request("/sessions/a/listeners/l1", { method: "PUT" });
    await app.request("/health");
    expect(counts.httpRequests).toEqual({ "POST /sessions/:sessionId/listeners": 2, "PUT /sessions/:sessionId/listeners/:listenerId": 1 });
  });

  it("gives the table requests made since a copy of the counts, leaving out the kinds that did not change", () => {
    const counts = newRequestCounts();
    counts.table["GetItem session"] = { requests: 3, items: 3, bytes: 600, consistent: 0 };
    counts.table["PutItem streamstate"] = { requests: 5, items: 5, bytes: 4000, consistent: 0 };
    const before = structuredClone(counts.table);
    counts.table["GetItem session"] = { requests: 4, items: 4, bytes: 800, consistent: 1 };
    counts.table["UpdateItem admission"] = { requests: 2, items: 0, bytes: 0, consistent: 0 };
    expect(tableRequestsSince(before, counts)).toEqual({
      "GetItem session": { requests: 1, items: 1, bytes: 200, consistent: 1 },
      "UpdateItem admission": { requests: 2, items: 0, bytes: 0, consistent: 0 },
    });
  });
});
