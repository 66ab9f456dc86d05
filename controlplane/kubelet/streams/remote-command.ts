/**
 * exec and attach on the kubelet: the bridge from what the API server sends to containerd's
 * CRI streaming server (kubelet-streaming.md §2, §3).
 *
 * - A WebSocket offering `v5.channel.k8s.io` (GET; what our API server dials): CRI Exec or
 *   Attach gives a one-time URL; the kubelet upgrades to it over SPDY/3.1 with
 *   `X-Stream-Protocol-Version: v4.channel.k8s.io`, opens the streams containerd waits for
 *   (`streamType` error, then stdin/stdout/stderr as asked, resize with a tty), and only then
 *   accepts the WebSocket — so a failure so far is an HTTP status (CRI NotFound 404,
 *   ResourceExhausted 429, else 500). Then: channel 0 → stdin, `[255, 0]` → FIN on stdin (v4
 *   over WebSocket could not half-close; over SPDY it can), resize channel 4 → the resize stream
 *   (the same `{"Width","Height"}` JSON); stdout/stderr → channels 1/2; the v4 error stream's
 *   Status → channel 3 as it came, then close 1000. A tty drops stderr, as upstream's kubelet.
 * - A SPDY POST upgrade (kubectl's fallback, spliced through by the API server): proxied byte
 *   for byte to the CRI URL (`runtime.ts`).
 *
 * Backpressure both ways: a WebSocket that cannot take more pauses the SPDY stream (which
 * stops reopening its window, and past a window the socket), and a stdin stream that waits
 * pauses the WebSocket. The runtime ends a session by writing the Status and resetting the
 * streams (then GOAWAY and close); the first of those ends the bridge, after anything held
 * was delivered.
 */
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream, upgradeRequest, writeHttpError } from '../../../lib/spdy/index.js';
import {
  acceptUpgrade,
  Channel,
  ChannelSession,
  CloseCode,
  checkUpgrade,
  encodeStatus,
  V4_PROTOCOL,
  V5_PROTOCOL,
} from '../../../lib/streaming/index.js';
import type { RemoteCommandHandler, RemoteCommandTarget } from '../server/types.js';
import { criFailure, isSpdyUpgrade, runtimeDialer, type StreamDeps, spliceToRuntime } from './runtime.js';

/** Largest Status accepted on the error stream. */
const MAX_STATUS_BYTES = 64 * 1024;
/** kubectl's stdin chunks and resizes are small; the API server uses the same bound. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const IDLE_TIMEOUT_MS = 5 * 60_000;
const PING_INTERVAL_MS = 30_000;
/** How long a tty session waits for the client's first terminal size before starting without one. */
const RESIZE_WAIT_MS = 1000;

/** The streams asked for, after upstream's rule that a tty has no stderr. */
interface StreamOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

function streamOptions(t: RemoteCommandTarget): StreamOptions {
  return { stdin: t.stdin, stdout: t.stdout, stderr: t.stderr && !t.tty, tty: t.tty };
}

/** The CRI call of the target: the runtime's URL. */
async function runtimeUrl(deps: StreamDeps, t: RemoteCommandTarget, o: StreamOptions): Promise<string> {
  const common = { containerId: t.containerId, ...o };
  const res =
    t.kind === 'exec' ? await deps.cri.exec({ ...common, cmd: t.command }) : await deps.cri.attach(common);
  return res.url;
}

/** The exec/attach handler for the kubelet's server. */
export function remoteCommandHandler(deps: StreamDeps): RemoteCommandHandler {
  return async (req, socket, head, target) => {
    socket.on('error', () => undefined);
    const o = streamOptions(target);
    const websocket = !isSpdyUpgrade(req);
    const check = websocket ? checkUpgrade(req.method, req.headers, [V5_PROTOCOL]) : undefined;
    if (check && !check.ok) {
      writeHttpError(socket, check.status, check.message);
      return;
    }
    let url: string;
    try {
      url = await runtimeUrl(deps, target, o);
    } catch (err) {
      const f = criFailure(err);
      deps.log.info(`${target.kind} refused by the runtime`, {
        container: target.containerId,
        err: f.message,
      });
      writeHttpError(socket, f.status, f.message);
      return;
    }
    if (!check) {
      await spliceToRuntime(deps, req, socket, head, url);
      return;
    }
    const upstream = await dialRuntime(deps, url, socket);
    if (!upstream) return;
    const ws = acceptUpgrade(socket, check, {
      head,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      pingIntervalMs: PING_INTERVAL_MS,
    });
    await bridge(new ChannelSession(ws), upstream, o);
  };
}

/** Upgrades to the runtime's URL over SPDY (v4); on failure answers the client and returns undefined. */
async function dialRuntime(
  deps: StreamDeps,
  runtime: string,
  client: Duplex,
): Promise<SpdySession | undefined> {
  const url = new URL(runtime);
  try {
    const answer = await upgradeRequest({
      dial: runtimeDialer(deps, url),
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      host: url.host,
      headers: { 'X-Stream-Protocol-Version': V4_PROTOCOL },
    });
    if (!answer.upgraded) {
      writeHttpError(
        client,
        answer.status,
        answer.body.toString('utf8') || `the runtime answered ${answer.status}`,
      );
      return undefined;
    }
    return new SpdySession(answer.socket, { role: 'client', head: answer.head });
  } catch (err) {
    const message = `error dialing the runtime's streaming server: ${err instanceof Error ? err.message : String(err)}`;
    deps.log.warn('exec/attach upgrade to the runtime failed', { url: url.origin, err: message });
    writeHttpError(client, 500, message);
    return undefined;
  }
}

/** Relays a v5 channel session and a v4 SPDY session until either ends. */
function bridge(client: ChannelSession, runtime: SpdySession, o: StreamOptions): Promise<void> {
  return new Promise((resolve) => {
    const open = (type: string): SpdyStream => runtime.openStream({ streamType: type });
    // containerd waits for the error stream and then the ones asked for (and resize with a tty).
    const error = open('error');
    const stdin = o.stdin ? open('stdin') : undefined;
    const stdout = o.stdout ? open('stdout') : undefined;
    const stderr = o.stderr ? open('stderr') : undefined;
    // With a tty, containerd waits for the resize stream before it starts the process; opening it
    // with the client's first size (kubectl sends one at once) lets the terminal have its size
    // before the command runs. A client that sends none gets the stream after RESIZE_WAIT_MS.
    let resize: SpdyStream | undefined;
    const openResize = (first?: Buffer): void => {
      clearTimeout(resizeTimer);
      resize ??= open('resize');
      if (first) resize.write(first);
    };
    const resizeTimer = o.tty ? setTimeout(() => openResize(), RESIZE_WAIT_MS) : undefined;
    const outputs = [stdout, stderr].filter((s): s is SpdyStream => s !== undefined);

    const status: Buffer[] = [];
    let statusBytes = 0;
    let over = false;
    const finish = (failure?: string): void => {
      if (over) return;
      over = true;
      clearTimeout(resizeTimer);
      // Everything held under backpressure goes out before the Status (the socket buffers it).
      for (const s of outputs) {
        s.onData = (d) => client.write(s === stdout ? Channel.stdout : Channel.stderr, d);
        s.resume();
      }
      const text = Buffer.concat(status);
      if (client.ws.open) {
        if (text.length > 0) client.write(Channel.error, text);
        else client.write(Channel.error, encodeStatus(failure ? { error: failure } : { exitCode: 0 }));
        client.ws.close(CloseCode.normal);
      }
      runtime.close();
      resolve();
    };

    error.onData = (d) => {
      statusBytes += d.length;
      if (statusBytes <= MAX_STATUS_BYTES) status.push(d);
    };
    error.onEnd = () => finish();
    // Status 0: the session itself ended; its onClose says how.
    error.onReset = (code) => {
      if (code !== 0) finish();
    };
    runtime.onGoAway = () => finish();
    runtime.onClose = (err) => finish(err ? `error from the runtime's stream: ${err.message}` : undefined);

    const relayOut = (s: SpdyStream, channel: number): void => {
      s.onData = (d) => {
        if (!client.write(channel, d)) s.pause();
      };
    };
    if (stdout) relayOut(stdout, Channel.stdout);
    if (stderr) relayOut(stderr, Channel.stderr);
    client.ws.onDrain = () => {
      for (const s of outputs) s.resume();
    };

    client.onData = (channel, data) => {
      if (channel === Channel.stdin && stdin) {
        if (!stdin.write(data)) client.ws.pause();
      } else if (channel === Channel.resize && o.tty) openResize(data);
    };
    if (stdin) stdin.onDrain = () => client.ws.resume();
    client.onChannelClose = (channel) => {
      if (channel === Channel.stdin) stdin?.end();
    };
    client.onClose = () => {
      // The caller left: tear the runtime's session down (upstream closes the connection too).
      over = true;
      clearTimeout(resizeTimer);
      runtime.destroy();
      resolve();
    };
  });
}
