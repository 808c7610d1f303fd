/** Captions: each segment's source text and translation, in sequence order, newest last. */
import type { ServerMessage } from "@livetranslate/core/browser/protocol";

export interface Caption {
  segmentId: string;
  sequenceNumber: number;
  source?: string;
  translation?: string;
}

export const MAX_CAPTIONS = 60;

/** Folds a server message into the caption list; returns the same list when the message is not a caption. */
export function applyCaption(captions: readonly Caption[], message: ServerMessage): readonly Caption[] {
  let patch: Partial<Caption>;
  if (message.type === "transcript" && message.isFinal) patch = { source: message.text };
  else if (message.type === "translation") patch = { translation: message.text };
  else return captions;
  const index = captions.findIndex((c) => c.segmentId === message.segmentId);
  if (index >= 0) {
    const next = [...captions];
    next[index] = { ...next[index]!, ...patch };
    return next;
  }
  const next = [...captions, { segmentId: message.segmentId, sequenceNumber: message.sequenceNumber, ...patch }];
  next.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  return next.slice(-MAX_CAPTIONS);
}
