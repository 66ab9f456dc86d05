/** One resource type the server serves, from its discovery. */
export interface FuzzResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly subresources: readonly string[];
}

/** What the generator knows of the server. */
export interface FuzzTarget {
  readonly adminToken: string;
  readonly resources: readonly FuzzResource[];
  /** A namespace no request may name: objects there must come through unchanged. */
  readonly protectedNamespace: string;
}

/** A request and how to send it. */
export interface FuzzRequest {
  readonly bytes: Buffer;
  /** HEAD: the answer has no body. */
  readonly head: boolean;
  /** Needs a connection of its own (framing hazards, streams, broken request lines). */
  readonly solo: boolean;
  /** Complete and well framed: an answer must come. */
  readonly mustAnswer: boolean;
  /** May be answered with a stream that does not end (a watch). */
  readonly streaming: boolean;
  /** Sent with the admin token. */
  readonly admin: boolean;
  /** Short description for reports: the request line, cut. */
  readonly label: string;
  /** A large chunked body, streamed by the sender after `bytes` (size in bytes). */
  readonly streamBody?: number;
}
