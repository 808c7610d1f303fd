import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { Session } from "@livetranslate/core/domain/session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../testing/harness.ts";

describe("the listeners' broker authorizer (IoT Core custom authorizer)", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const event = (password: string, clientId = "lt-x") => ({
    protocols: ["mqtt"],
    signatureVerified: false,
    protocolData: { mqtt: { username: "listener", password: Buffer.from(password).toString("base64"), clientId } },
    connectionMetadata: { id: "e56f08c3-c559-490f-aa9f-7e8427d0f57b" },
  });
  const context = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:livetranslate-test-BroadcastAuthorizerHandler" };

  it("grants a valid pass its session's topics, in the function's own account and region, and refuses anything else", async () => {
    // Prepare
    const session = await Session.create(h.adapters.db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
    const pass = await Broadcast.join(h.adapters.db, { sessionId: session.sessionId, language: "es" });
    // Act
    const granted = await h.handlers.BroadcastAuthorizerHandler(event(pass.token, `lt-${pass.listenerId}`), context);
    const refused = await h.handlers.BroadcastAuthorizerHandler(event(`${pass.listenerId}.forged`), context);
    // Assess
    expect(granted.isAuthenticated).toBe(true);
    expect(granted.policyDocuments[0]!.Statement).toContainEqual({
      Action: "iot:Receive",
      Effect: "Allow",
      Resource: `arn:aws:iot:eu-west-1:123456789012:topic/livetranslate/test/session/${session.sessionId}/*`,
    });
    expect(refused).toMatchObject({ isAuthenticated: false, policyDocuments: [] });
    expect(h.log.entries.map((e) => e.event)).toEqual(expect.arrayContaining(["broadcast.authorized", "broadcast.refused"]));
  });
});
