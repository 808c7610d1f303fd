/**
 * Which voice activity decision the segmenter uses in local mode and the benchmark: LIVETRANSLATE_VAD=silero
 * (Silero VAD through onnxruntime-node, 400 ms hangover) or energy (the frame-energy rule, 500 ms), the default
 * until the neural one measures better (docs/design/speech-detection.md: on the fixture talk it does not yet).
 */
import { SileroVoiceActivity } from "@livetranslate/core/adapters/vad";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";

export const VOICE_ACTIVITY_SETTINGS = ["energy", "silero"] as const;
export type VoiceActivitySetting = (typeof VOICE_ACTIVITY_SETTINGS)[number];

export function voiceActivitySetting(value: string | undefined): VoiceActivitySetting {
  const setting = value ?? "energy";
  if (!(VOICE_ACTIVITY_SETTINGS as readonly string[]).includes(setting)) {
    throw new Error(`LIVETRANSLATE_VAD must be ${VOICE_ACTIVITY_SETTINGS.map((s) => `"${s}"`).join(" or ")}, not "${setting}"`);
  }
  return setting as VoiceActivitySetting;
}

/** The detector for a setting (none for the energy rule, which is the segmenter's own). */
export async function voiceActivityFor(setting: VoiceActivitySetting): Promise<VoiceActivityDetector | undefined> {
  if (setting === "energy") return undefined;
  const silero = new SileroVoiceActivity();
  // Loaded before audio arrives: a missing native binding or model fails at start, not on the first segment.
  await silero.ready();
  return silero;
}
