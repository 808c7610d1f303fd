/** Figures the run cannot measure, stated rather than hidden. */
export const ASSUMPTIONS = {
  /** A WebSocket handler invocation ($connect, a chunk, a ping), billed at the WebSocket functions' 512 MB. */
  handlerMs: 20,
  handlerGb: 0.5,
  /**
   * The consumer service: one Fargate task of this size (infra/consumer.ts), billed by the hour whatever the load and
   * shared by the venue's sessions, with the public IPv4 address it reaches AWS's APIs by.
   */
  consumerTask: { vcpu: 1, gb: 2 },
  /** The window a venue's listeners join in (the doors open a couple of minutes before the talk). */
  defaultJoinSeconds: 120,
  /** Topics a listener subscribes to when it connects to the broker: its pass's one (web-listener broadcast-feed.ts). */
  subscriptionsPerListener: 1,
  /** IoT Core lifecycle events of a listener's broker connection that reach the presence rule: connected, disconnected. */
  presenceEventsPerListener: 2,
  /**
   * For a metered run without listeners by broadcast (it measured no part message): its fields and its presigned
   * audio URL (signed with a Lambda role's session token) take at most this many bytes; its two texts are added from
   * the run's characters per part.
   */
  partMessageFixedBytes: 2048,
  /** UTF-8 takes at most this many bytes per character. */
  bytesPerChar: 4,
  /** IoT Core meters messaging in steps of this many bytes. */
  iotMessageMeteringBytes: 5 * 1024,
};
