/**
 * Counts the AWS requests local mode makes (they are the same requests production makes), so the
 * benchmark can project a session-hour's AWS bill from a run.
 */
import type { AudioIngest, AudioStore, ConnectionNotifier } from "@livetranslate/core/ports";

export interface RequestCounts {
  kinesisPuts: number;
  postToConnection: number;
  s3Puts: number;
  presigns: number;
}

export function newRequestCounts(): RequestCounts {
  return { kinesisPuts: 0, postToConnection: 0, s3Puts: 0, presigns: 0 };
}

export function countIngest(ingest: AudioIngest, counts: RequestCounts): AudioIngest {
  return {
    put: (record) => {
      counts.kinesisPuts++;
      return ingest.put(record);
    },
  };
}

export function countNotifier(notifier: ConnectionNotifier, counts: RequestCounts): ConnectionNotifier {
  return {
    post: (connectionId, message) => {
      counts.postToConnection++;
      return notifier.post(connectionId, message);
    },
    disconnect: (connectionId) => notifier.disconnect(connectionId),
  };
}

export function countAudioStore(store: AudioStore, counts: RequestCounts): AudioStore {
  return {
    put: (key, data, contentType) => {
      counts.s3Puts++;
      return store.put(key, data, contentType);
    },
    presignedUrl: (key, expires) => {
      counts.presigns++;
      return store.presignedUrl(key, expires);
    },
  };
}
