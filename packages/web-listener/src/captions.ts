/**
 * Captions: each segment's source text and translation, in sequence order, newest last. A segment sent in parts
 * grows as its parts come (in any order: each part has its place). What a screen reader is told is only what is
 * new: each translation, or each part of one, once.
 */
import type { ServerMessage } from "@livetranslate/core/protocol";

export interface Caption {
  segmentId: string;
  sequenceNumber: number;
  source?: string;
  translation?: string;
  /** The texts of a segment sent in parts, by part. */
  sourceParts?: readonly string[];
  translationParts?: readonly string[];
}

export const MAX_CAPTIONS = 60;

function withPart(parts: readonly string[] | undefined, part: number, text: string): string[] {
  const next = [...(parts ?? [])];
  next[part] = text;
  return next;
}

function joined(parts: readonly string[]): string {
  return parts.filter((p) => p !== undefined && p.length > 0).join(" ");
}

/** Folds a server message into the caption list; returns the same list when the message is not a caption. */
export function applyCaption(captions: readonly Caption[], message: ServerMessage): readonly Caption[] {
  if (!((message.type === "transcript" && message.isFinal) || message.type === "translation")) return captions;
  const index = captions.findIndex((c) => c.segmentId === message.segmentId);
  const current: Caption = index >= 0 ? captions[index]! : { segmentId: message.segmentId, sequenceNumber: message.sequenceNumber };
  let caption: Caption;
  if (message.part === undefined) {
    caption = { ...current, ...(message.type === "transcript" ? { source: message.text } : { translation: message.text }) };
  } else if (message.type === "transcript") {
    const sourceParts = withPart(current.sourceParts, message.part, message.text);
    caption = { ...current, sourceParts, source: joined(sourceParts) };
  } else {
    const translationParts = withPart(current.translationParts, message.part, message.text);
    caption = { ...current, translationParts, translation: joined(translationParts) };
  }
  if (index >= 0) {
    const next = [...captions];
    next[index] = caption;
    return next;
  }
  const next = [...captions, caption];
  next.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  return next.slice(-MAX_CAPTIONS);
}

/** What a screen reader announces: one translation, or one part of a translation in parts. */
export interface Announcement {
  text: string;
}

/** Enough to follow along; older ones leave the live region (removals are not read out). */
export const MAX_ANNOUNCEMENTS = 20;

/**
 * The announcements after a server message: the translation's text, or the one part's, when it is new to the
 * captions (before the message is applied), so a repeated message and a part that grows a caption are not read
 * out with everything before them again.
 */
export function announce(announcements: readonly Announcement[], captions: readonly Caption[], message: ServerMessage): readonly Announcement[] {
  if (message.type !== "translation" || !message.text) return announcements;
  const current = captions.find((c) => c.segmentId === message.segmentId);
  const shown = message.part === undefined ? current?.translation : current?.translationParts?.[message.part];
  if (shown === message.text) return announcements;
  return [...announcements, { text: message.text }].slice(-MAX_ANNOUNCEMENTS);
}
