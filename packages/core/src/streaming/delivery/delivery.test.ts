import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../domain/db/index.ts";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { claimDelivery, completeDelivery, type DeliveryKey } from "./index.ts";

describe("delivery claims on dynalite", () => {
  let dynamo: TestTable;
  let db: Db;
  beforeAll(async () => {
    dynamo = await startTestTable("deliveries");
    db = dynamo.db;
  });
  afterAll(() => dynamo.close());

  const key = (sequenceNumber: number): DeliveryKey => ({ sessionId: "calm-river-101", sequenceNumber, recipients: "es", part: "audio" });

  it("claims once, then reports it done once marked", async () => {
    // Prepare
    const claim = await claimDelivery(db, key(1), 1, 1_000);
    expect(claim).toMatchObject({ status: "claimed", attempt: 1 });
    // Act
    const outcome = await completeDelivery(db, key(1), (claim as { claimedAt: number }).claimedAt);
    // Assess
    expect(outcome).toBe("done");
    expect(await claimDelivery(db, key(1), 2, 2_000)).toEqual({ status: "done" });
  });

  it("says 'superseded', without throwing, when the attempt no longer holds the claim (a retried write, a takeover)", async () => {
    // Prepare: the first attempt's claim is taken over by a later batch's
    const first = await claimDelivery(db, key(2), 1, 1_000);
    const second = await claimDelivery(db, key(2), 1, 2_000);
    expect(second).toMatchObject({ status: "claimed", attempt: 2 });
    // Act
    const late = await completeDelivery(db, key(2), (first as { claimedAt: number }).claimedAt);
    const current = await completeDelivery(db, key(2), (second as { claimedAt: number }).claimedAt);
    const repeated = await completeDelivery(db, key(2), (second as { claimedAt: number }).claimedAt);
    // Assess
    expect([late, current, repeated]).toEqual(["superseded", "done", "superseded"]);
  });
});
