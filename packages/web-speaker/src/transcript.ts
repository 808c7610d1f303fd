/** The speaker's live transcript: final lines, and the interim line being recognized. */
import type { TranscriptMessage } from "@livetranslate/core/protocol";

export interface Transcript {
  finals: { segmentId: string; sequenceNumber: number; text: string }[];
  interim?: { sequenceNumber: number; text: string };
}

export const MAX_LINES = 40;

export function applyTranscript(transcript: Transcript, message: TranscriptMessage): Transcript {
  if (!message.isFinal) {
    // An interim for a segment already final is late: ignore it.
    if (transcript.finals.some((f) => f.sequenceNumber >= message.sequenceNumber)) return transcript;
    return { ...transcript, interim: { sequenceNumber: message.sequenceNumber, text: message.text } };
  }
  if (transcript.finals.some((f) => f.segmentId === message.segmentId)) return transcript;
  const finals = [...transcript.finals, { segmentId: message.segmentId, sequenceNumber: message.sequenceNumber, text: message.text }]
    .sort((a, b) => a.sequenceNumber - b.sequenceNumber)
    .slice(-MAX_LINES);
  const interim = transcript.interim && transcript.interim.sequenceNumber > message.sequenceNumber ? transcript.interim : undefined;
  return { finals, interim };
}
