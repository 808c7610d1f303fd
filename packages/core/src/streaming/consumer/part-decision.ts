/**
 * Where a segment's parts end is decided once. Part k goes out under the delivery keys `<language>#part<k>`; a batch
 * that failed after part k went to some languages is retried from the checkpoint, perhaps in another environment
 * whose recognizer heard the phrase anew and would cut part k elsewhere. Listeners that already got part k would
 * then never hear the words between the two cuts (or hear some twice). So the first attempt records each part (its
 * words and audio) before anyone gets it, and a retry sends the part as recorded and goes on from its end.
 */
import { Entity } from "electrodb";
import { type DbConfig, DB_SERVICE, expiresAt, isConditionalFailure } from "../../domain/db/index.ts";

export namespace PartDecision {
  /** Part `index` of a segment: its words, its audio (session offsets) and whether it was the segment's last. */
  export interface Info {
    index: number;
    text: string;
    startSample: number;
    endSample: number;
    last: boolean;
  }

  export function entity(config: DbConfig) {
    return new Entity(
      {
        model: { entity: "partDecision", version: "1", service: DB_SERVICE },
        attributes: {
          sessionId: { type: "string", required: true },
          sequenceNumber: { type: "number", required: true },
          index: { type: "number", required: true },
          text: { type: "string", required: true },
          startSample: { type: "number", required: true },
          endSample: { type: "number", required: true },
          last: { type: "boolean", required: true },
          expiresAt: { type: "number", required: true },
        },
        indexes: {
          byId: {
            pk: { field: "pk", composite: ["sessionId"] },
            sk: { field: "sk", composite: ["sequenceNumber", "index"] },
          },
        },
      },
      config,
    );
  }
  export type Entity = ReturnType<typeof entity>;

  /**
   * Records `proposed` as part `proposed.index` of segment `sequenceNumber`, unless an earlier attempt recorded that
   * part already: then the recorded one, which is what listeners got or will get.
   */
  export async function decide(entity: Entity, sessionId: string, sequenceNumber: number, proposed: Info): Promise<Info> {
    // (ElectroDB keeps no empty strings: an empty last part is stored as a space.)
    const text = proposed.text || " ";
    try {
      await entity.create({ sessionId, sequenceNumber, ...proposed, text, expiresAt: expiresAt() }).go();
      return proposed;
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
    const { data } = await entity.get({ sessionId, sequenceNumber, index: proposed.index }).go({ consistent: true });
    if (!data) return decide(entity, sessionId, sequenceNumber, proposed);
    return { index: data.index, text: data.text.trim(), startSample: data.startSample, endSample: data.endSample, last: data.last };
  }

  export function same(a: Info, b: Info): boolean {
    return a.text === b.text && a.startSample === b.startSample && a.endSample === b.endSample && a.last === b.last;
  }
}
