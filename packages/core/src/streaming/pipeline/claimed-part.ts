/**
 * One part (caption, translation, audio, or a part's one message) to one group of recipients as an idempotent
 * delivery: claimed, sent, marked done; retried, given up or degraded under a quota as the batch's attempts go.
 */
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { BindingQuota } from "../../domain/quotas/index.ts";
import type { LanguageResult, PartOf } from "../../ports/segment-result.ts";
import { claimDelivery, completeDelivery, type DeliveryKey, type DeliveryPart, MAX_DELIVERY_ATTEMPTS } from "../delivery/index.ts";
import { metQuota } from "./degradation.ts";
import type { PipelineDeps, SegmentJob } from "./index.ts";

/** Who a delivery is for: a language's listeners of whole segments, or of one part of a segment. */
export function recipientsOf(language: string, part?: PartOf): string {
  return part ? `${language}#part${part.index}` : language;
}

/** "degraded": a quota refused the part past its retry budget; it is given up for this language, not retried. */
export type Outcome = "sent" | "done" | "failed" | "degraded";


/**
 * Which quota a part's throttled call met. A bundle's throttled call is its publish: a throttled translation or
 * synthesis only leaves that out of the message (`deliverBundle`), and a throttled post is dropped for its one
 * connection (`postAll`).
 */
const QUOTA_OF_PART: Record<DeliveryPart, BindingQuota> = { caption: "posts", translation: "translation", audio: "synthesis", bundle: "publishes" };

/**
 * One idempotent delivery of one part (caption, translation, audio, bundle) to one group: claimed, sent, then marked
 * done, unless `followed` (the group's next part is claimed next, which proves this one sent: delivery/index.ts).
 * A failure leaves the claim in progress, so the retried batch sends it (once); after too many attempts it
 * is given up, logged and counted. Parts go in order, so a retry repeats no message a listener already has
 * (short of a crash between two listeners of the same message).
 */
export async function deliverPart(
  settled: Promise<void>[],
  deps: PipelineDeps,
  job: SegmentJob,
  recipients: string,
  part: DeliveryPart,
  result: LanguageResult,
  send: () => Promise<void>,
  followed = false,
): Promise<Outcome> {
  const key: DeliveryKey = { sessionId: job.sessionId, sequenceNumber: job.sequenceNumber, recipients: recipientsOf(recipients, job.part), part };
  const detail = { sessionId: job.sessionId, sequenceNumber: job.sequenceNumber, recipients: key.recipients, part };
  const claim = await claimDelivery(deps.db, key, job.revision, (deps.now ?? Date.now)());
  if (claim.status === "done") return "done";
  if (claim.status === "busy") {
    deps.log({ level: "warn", event: "delivery.busy", ...detail });
    deps.measurements?.count("DeliveriesBusy");
    result.error = "held by another attempt";
    return "failed";
  }
  if (claim.status === "exhausted") {
    deps.log({ level: "error", event: "delivery.abandoned", ...detail, attempts: claim.attempt - 1 });
    deps.measurements?.count("DeliveriesAbandoned");
    await completeDelivery(deps.db, key, claim.claimedAt, true);
    return "done";
  }
  if (claim.attempt > 1) {
    deps.log({ level: "warn", event: "delivery.retried", ...detail, attempt: claim.attempt });
    deps.measurements?.count("DeliveriesRetried");
  }
  try {
    deps.probe?.("delivery.claimed", detail);
    await send();
  } catch (error) {
    if (isQuotaError(error)) {
      // Past the retry budget: this part is given up for this language (marked done, so no attempt sends it
      // later), and the batch goes on. Retrying the batch would only ask the same quota again.
      result.degraded = "captionsOnly";
      metQuota(result, QUOTA_OF_PART[part]);
      deps.log({ level: "warn", event: "quota.degraded", ...detail, language: recipients, to: "captionsOnly", errorName: (error as Error).name });
      deps.measurements?.count("QuotaDegradations");
      deps.measurements?.count(
        part === "audio" ? "AudioDegradedToCaptions" : part === "translation" ? "TranslationsDegradedToCaptions" : part === "bundle" ? "PartMessagesDegraded" : "CaptionsDegraded",
      );
      await completeDelivery(deps.db, key, claim.claimedAt, true);
      return "degraded";
    }
    // One language failing must not cost the others their captions and audio; this one is retried.
    result.error = error instanceof Error ? error.message : String(error);
    deps.log({ level: "error", event: "segment.language_failed", ...detail, language: recipients, errorName: (error as Error)?.name, error: result.error });
    deps.measurements?.count("DeliveryFailures");
    if (claim.attempt < MAX_DELIVERY_ATTEMPTS) return "failed";
    // The batch's last attempt: give this one up rather than fail the batch and lose everything else in it.
    result.abandoned = result.error;
    result.error = undefined;
    deps.log({ level: "error", event: "delivery.abandoned", ...detail, attempts: claim.attempt });
    deps.measurements?.count("DeliveriesAbandoned");
    await completeDelivery(deps.db, key, claim.claimedAt, true);
    return "done";
  }
  if (followed) return "sent";
  // Done is recorded beside the next part's work rather than before it (the caller awaits `settled`, which
  // rejects if the write fails; until then the rejection is held, not reported as unhandled).
  const recorded = completeDelivery(deps.db, key, claim.claimedAt).then((outcome) => {
    if (outcome === "superseded") {
      deps.log({ level: "warn", event: "delivery.superseded", ...detail });
      deps.measurements?.count("DeliveriesSuperseded");
    }
  });
  recorded.catch(() => undefined);
  settled.push(recorded);
  return "sent";
}
