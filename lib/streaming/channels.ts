/**
 * Kubernetes' channel protocol over a WebSocket, `v5.channel.k8s.io` and `v4.channel.k8s.io`
 * (what kubectl 1.32 speaks for exec and attach): every binary message starts with its channel
 * byte — 0 stdin, 1 stdout, 2 stderr, 3 error (the final Status), 4 resize (`{"Width":w,
 * "Height":h}`) — and v5 adds the close message `[255, ch]` (the sender is done with channel
 * `ch`; kubectl sends `[255, 0]` at stdin EOF). A session ends with one Status on channel 3
 * (`Success`, or `Failure` with reason `NonZeroExitCode` and an `ExitCode` cause) and a 1000 close.
 * `ChannelSession` wraps a connection in that vocabulary; the encoders are pure.
 */
import { CloseCode } from './frames.js';
import type { CloseInfo, WebSocket } from './websocket.js';

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const V4_PROTOCOL = 'v4.channel.k8s.io';

/** The channel numbers. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;

/** v5's close message marker. */
export const CLOSE_CHANNEL = 255;

/** One message decoded. */
export type ChannelMessage =
  | { readonly kind: 'data'; readonly channel: number; readonly data: Buffer }
  | { readonly kind: 'close'; readonly channel: number }
  | { readonly kind: 'empty' };

/** A data message for `channel`. */
export function encodeChannel(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** v5's close message for `channel`. */
export function encodeClose(channel: number): Buffer {
  return Buffer.from([CLOSE_CHANNEL, channel]);
}

/** Reads a message; `[255]` without a channel is empty, as upstream ignores it. */
export function decodeChannel(message: Buffer, protocol: string): ChannelMessage {
  if (message.length === 0) return { kind: 'empty' };
  const channel = message[0] as number;
  if (channel === CLOSE_CHANNEL && protocol === V5_PROTOCOL) {
    return message.length >= 2 ? { kind: 'close', channel: message[1] as number } : { kind: 'empty' };
  }
  return { kind: 'data', channel, data: message.subarray(1) };
}

/** A terminal size from a resize message, or undefined when it is not one. */
export function decodeResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const ok = (n: unknown): n is number =>
      typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
    return ok(v.Width) && ok(v.Height) ? { width: v.Width, height: v.Height } : undefined;
  } catch {
    return undefined;
  }
}

/** The metav1.Status a session ends with: Success, a NonZeroExitCode failure, or another failure. */
export type SessionOutcome =
  | { readonly exitCode: number; readonly message?: string }
  | { readonly error: string; readonly reason?: string };

/** The Status JSON sent on channel 3 for an outcome (as the kubelet's exec writes it). */
export function encodeStatus(outcome: SessionOutcome): string {
  if ('error' in outcome)
    return JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: outcome.error,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
  if (outcome.exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: outcome.message ?? `command terminated with non-zero exit code: exit status ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  });
}

/** What a Status on channel 3 says, as kubectl reads it (an unreadable one is an error). */
export function decodeStatus(data: Buffer): SessionOutcome {
  try {
    const s = JSON.parse(data.toString('utf8')) as {
      status?: unknown;
      message?: unknown;
      reason?: unknown;
      details?: { causes?: { reason?: unknown; message?: unknown }[] };
    };
    if (s.status === 'Success') return { exitCode: 0 };
    if (s.reason === 'NonZeroExitCode') {
      const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
      const code = Number(cause?.message);
      if (Number.isInteger(code)) return { exitCode: code };
    }
    return { error: typeof s.message === 'string' ? s.message : 'unknown error' };
  } catch {
    return { error: `error stream: ${data.toString('utf8').slice(0, 200)}` };
  }
}

/** A WebSocket spoken as channels: what the test kubelet and the kubelet's exec use. */
export class ChannelSession {
  /** Data for a channel arrived (stdin, resize …). */
  onData: (channel: number, data: Buffer) => void = () => undefined;
  /** The peer closed a channel (v5 `[255, ch]`). */
  onChannelClose: (channel: number) => void = () => undefined;
  /** The connection ended. */
  onClose: (info: CloseInfo) => void = () => undefined;

  constructor(readonly ws: WebSocket) {
    ws.onMessage = (message) => {
      const m = decodeChannel(message, ws.protocol);
      if (m.kind === 'data') this.onData(m.channel, m.data);
      else if (m.kind === 'close') this.onChannelClose(m.channel);
    };
    ws.onClose = (info) => this.onClose(info);
  }

  /** Sends data on a channel; false under backpressure (see `ws.onDrain`). */
  write(channel: number, data: Buffer | string): boolean {
    return this.ws.send(encodeChannel(channel, data));
  }

  /** Says this side is done with a channel (v5 only; a no-op on v4). */
  closeChannel(channel: number): void {
    if (this.ws.protocol === V5_PROTOCOL) this.ws.send(encodeClose(channel));
  }

  /** Sends the final Status on channel 3 and closes with 1000. */
  finish(outcome: SessionOutcome): void {
    this.write(Channel.error, encodeStatus(outcome));
    this.ws.close(CloseCode.normal);
  }
}
