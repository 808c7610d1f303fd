/**
 * What a part does under a service quota: the quotas it met are noted for the speaker's status, and its speech
 * degrades in a stated order rather than failing the batch.
 */
import type { BindingQuota } from "../../domain/quotas/index.ts";
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { SynthesizedAudio } from "../../ports/index.ts";
import type { LanguageResult } from "../../ports/segment-result.ts";
import type { PipelineDeps, SegmentJob } from "./index.ts";
import { withinQuota } from "./quota.ts";

export /** Notes that a quota was met delivering `result` (the speaker is told; see the consumer's status). */
function metQuota(result: LanguageResult, quota: BindingQuota): void {
  if (!result.quotas?.includes(quota)) result.quotas = [...(result.quotas ?? []), quota];
}

export function quotaRetried(deps: Pick<PipelineDeps, "measurements">, result: LanguageResult, quota: BindingQuota): void {
  metQuota(result, quota);
  deps.measurements?.count("QuotaRetries");
}

/**
 * The part's speech, degrading in order under Polly's quotas: the language's best voice within the retry budget,
 * then its standard voice (a quota ten times larger) within the budget; a quota error past both goes up, and the
 * part is captions only for this language (deliverPart).
 */
export async function synthesizeWithinQuota(
  deps: PipelineDeps,
  job: SegmentJob,
  recipients: string,
  text: string,
  language: string,
  result: LanguageResult,
): Promise<SynthesizedAudio> {
  const retry = { sleep: deps.sleep, onRetry: () => quotaRetried(deps, result, "synthesis") };
  try {
    return await withinQuota(() => deps.synthesizer.synthesize(text, language), retry);
  } catch (error) {
    if (!isQuotaError(error)) throw error;
    metQuota(result, "synthesis");
    deps.log({
      level: "warn",
      event: "quota.degraded",
      sessionId: job.sessionId,
      sequenceNumber: job.sequenceNumber,
      recipients,
      part: "audio",
      language,
      to: "standardVoice",
      errorName: (error as Error).name,
    });
    deps.measurements?.count("QuotaDegradations");
    deps.measurements?.count("AudioDegradedToStandardVoice");
    const audio = await withinQuota(() => deps.synthesizer.synthesize(text, language, { engine: "standard" }), retry);
    result.degraded = "standardVoice";
    return audio;
  }
}
