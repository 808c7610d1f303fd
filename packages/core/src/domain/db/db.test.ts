import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { Connection } from "../connection/index.ts";
import { Session } from "../session/index.ts";
import { createDynamoClient } from "../../adapters/aws/clients.ts";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { guardDeclaredCalls } from "@livetranslate/testing/iam";
import { createDb, DB_IAM_ACTIONS, type Db, ensureTable, isConditionalFailure } from "./index.ts";

describe("entities on dynalite", () => {
  let dynamo: TestTable;
  let db: Db;
  beforeAll(async () => {
    dynamo = await startTestTable("entities");
    await ensureTable(dynamo.client, "entities"); // idempotent
    // The entities send only what DB_IAM_ACTIONS declares (the grants infra gives the functions).
    db = createDb({ table: "entities", client: guardDeclaredCalls(createDynamoClient(dynamo.dynamo), DB_IAM_ACTIONS) });
  });
  afterAll(() => dynamo.close());

  it("creates a delivery once", async () => {
    const key = { sessionId: "claim-test-1", sequenceNumber: 3, recipients: "es", part: "audio" as const };
    const claim = () => db.entities.delivery.create({ ...key, status: "in_progress", revision: 1, claimedAt: 1, inProgressUntil: 2, attempts: 1, expiresAt: 2 }).go();
    await claim();
    expect(isConditionalFailure(await claim().catch((error: unknown) => error))).toBe(true);
    expect(isConditionalFailure(new Error("The conditional request failed"))).toBe(false);
  });
});

/**
 * One description per concept: the zod `Info` says what a record is; the ElectroDB entity stores it. They are
 * written apart (ElectroDB needs its own attribute syntax), so this holds each entity to its `Info`: the same
 * attributes, the same required ones, the same types and enum values. `expiresAt` is storage's own (DynamoDB TTL).
 */
describe("entities match the domain's Info", () => {
  const db = createDb({ table: "t", client: new DynamoDBClient({ region: "local" }) });
  type Attribute = { type: string | readonly string[]; required?: boolean; items?: { type: string } };
  const cases: [string, { schema: { attributes: Record<string, Attribute> } }, z.ZodObject][] = [
    ["session", db.entities.session as never, Session.Info],
    ["connection", db.entities.connection as never, Connection.Info],
  ];

  function describeZod(field: z.ZodType): { type: string; required: boolean; values?: readonly string[]; items?: string } {
    const def = (field as unknown as { def: { type: string; innerType?: z.ZodType; element?: z.ZodType } }).def;
    if (def.type === "optional") return { ...describeZod(def.innerType!), required: false };
    if (def.type === "enum") return { type: "enum", required: true, values: (field as z.ZodEnum).options.map(String).sort() };
    // A list of objects is stored as JSON (ElectroDB "any"); a list of strings as a list.
    if (def.type === "array" && describeZod(def.element!).type === "object") return { type: "json", required: true };
    if (def.type === "array") return { type: "list", required: true, items: describeZod(def.element!).type };
    return { type: def.type, required: true };
  }

  function describeAttribute(attribute: Attribute): ReturnType<typeof describeZod> {
    const required = attribute.required === true;
    if (Array.isArray(attribute.type)) return { type: "enum", required, values: [...attribute.type].sort() };
    if (attribute.type === "list") return { type: "list", required, items: attribute.items!.type };
    if (attribute.type === "any") return { type: "json", required };
    return { type: attribute.type as string, required };
  }

  it.each(cases)("%s", (_name, entity, info) => {
    const attributes = Object.fromEntries(
      Object.entries(entity.schema.attributes)
        .filter(([name]) => name !== "expiresAt")
        .map(([name, attribute]) => [name, describeAttribute(attribute)]),
    );
    const fields = Object.fromEntries(Object.entries(info.shape).map(([name, field]) => [name, describeZod(field as z.ZodType)]));
    expect(attributes).toEqual(fields);
  });
});
