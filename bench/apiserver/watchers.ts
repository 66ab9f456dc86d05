/**
 * The watch half of `bench apiserver`, in a process of its own: the watchers must not share an
 * event loop with the writers (or with the server), or the benchmark measures its own client.
 * The child is `node -e` running `watcherChild`'s source, driven over an IPC channel; it records
 * when each event reaches each watcher (epoch ms, the same clock as the parent's) and, given
 * the parent's send and acknowledgement times, returns the delay percentiles.
 */
import { spawn } from 'node:child_process';

/** Where and how many. */
export interface WatcherSetup {
  readonly url: string;
  readonly ca: string;
  readonly token: string;
  /** The watch path, e.g. `/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=N`. */
  readonly path: string;
  readonly watchers: number;
  /** Events are objects named `e-0` … `e-(events−1)`. */
  readonly events: number;
}

/** Delivery delays over every (watcher, event) pair, in ms. */
export interface WatcherResult {
  readonly received: number;
  /** From the moment the write was sent (includes the write itself). */
  readonly fromSentP50: number;
  readonly fromSentP99: number;
  /** From the moment the writer got its 201 (an event that came first counts as 0). */
  readonly fromAckP50: number;
  readonly fromAckP99: number;
}

/** A running watcher process. */
export interface WatcherProcess {
  /** Resolves when all `received` events arrived, or after `timeoutMs`; then reports delays. */
  finish(times: { sent: Float64Array; acked: Float64Array; timeoutMs: number }): Promise<WatcherResult>;
  stop(): void;
}

type Msg =
  | { type: 'ready' }
  | { type: 'done' }
  | ({ type: 'result' } & WatcherResult)
  | { type: 'failed'; message: string };

/**
 * Runs in the child (stringified, so it may use nothing from this module's scope): opens the
 * watches, timestamps arrivals, computes the percentiles when told the writers' times.
 */
function watcherChild(load: (id: string) => unknown): void {
  const https = load('node:https') as typeof import('node:https');
  const now = (): number => performance.timeOrigin + performance.now();
  let arrivals = new Float64Array(0);
  let received = 0;
  let want = 0;
  let agent: import('node:https').Agent | undefined;
  const reply = (m: unknown): void => {
    process.send?.(m);
  };
  const start = (s: WatcherSetup): void => {
    want = s.watchers * s.events;
    arrivals = new Float64Array(want).fill(Number.NaN);
    agent = new https.Agent({ keepAlive: true, maxSockets: s.watchers + 1, ca: s.ca });
    let ready = 0;
    for (let w = 0; w < s.watchers; w++) {
      const req = https.request(
        new URL(s.path, s.url),
        { agent, headers: { Authorization: `Bearer ${s.token}` } },
        (res) => {
          if (++ready === s.watchers) reply({ type: 'ready' });
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = now();
            buf += chunk;
            let nl = buf.indexOf('\n');
            let from = 0;
            while (nl !== -1) {
              const m = /"name":"e-(\d+)"/.exec(buf.slice(from, nl));
              from = nl + 1;
              nl = buf.indexOf('\n', from);
              if (!m) continue;
              const slot = w * s.events + Number(m[1]);
              if (Number.isNaN(arrivals[slot])) {
                arrivals[slot] = at;
                if (++received === want) reply({ type: 'done' });
              }
            }
            buf = buf.slice(from);
          });
        },
      );
      req.on('error', (err) => reply({ type: 'failed', message: String(err) }));
      req.end();
    }
  };
  const pct = (xs: Float64Array, p: number): number =>
    xs.length === 0
      ? Number.NaN
      : (xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] as number);
  const finish = (sent: number[], acked: number[]): void => {
    const events = sent.length;
    const fromSent = new Float64Array(received);
    const fromAck = new Float64Array(received);
    let n = 0;
    for (let slot = 0; slot < arrivals.length; slot++) {
      const at = arrivals[slot] as number;
      if (Number.isNaN(at)) continue;
      const i = slot % events;
      fromSent[n] = at - (sent[i] as number);
      fromAck[n] = Math.max(0, at - (acked[i] as number));
      n++;
    }
    fromSent.sort();
    fromAck.sort();
    reply({
      type: 'result',
      received,
      fromSentP50: pct(fromSent, 50),
      fromSentP99: pct(fromSent, 99),
      fromAckP50: pct(fromAck, 50),
      fromAckP99: pct(fromAck, 99),
    });
    agent?.destroy();
    process.exit(0);
  };
  process.on('message', (m: { type: string; setup?: WatcherSetup; sent?: number[]; acked?: number[] }) => {
    if (m.type === 'start' && m.setup) start(m.setup);
    if (m.type === 'finish') finish(m.sent ?? [], m.acked ?? []);
  });
}

/** Starts the watcher process; resolves once every watch has its response headers. */
export function startWatchers(setup: WatcherSetup): Promise<WatcherProcess> {
  const child = spawn(process.execPath, ['-e', `(${watcherChild.toString()})(require)`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const listeners = new Set<(m: Msg) => void>();
  // 'done' may come before the writers have all their acknowledgements: remember it.
  let allReceived = false;
  child.on('message', (m: Msg) => {
    if (m.type === 'done') allReceived = true;
    for (const l of listeners) l(m);
  });
  const next = (types: readonly Msg['type'][], timeoutMs: number): Promise<Msg | undefined> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const onExit = (code: number | null): void => reject(new Error(`watcher process exited with ${code}`));
      const done = (m: Msg | undefined): void => {
        clearTimeout(timer);
        listeners.delete(listen);
        child.off('exit', onExit);
        resolve(m);
      };
      const listen = (m: Msg): void => {
        if (m.type === 'failed') {
          clearTimeout(timer);
          listeners.delete(listen);
          child.off('exit', onExit);
          reject(new Error(`watcher: ${m.message}`));
        } else if (types.includes(m.type)) done(m);
      };
      listeners.add(listen);
      child.once('exit', onExit);
    });
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const ready = next(['ready'], 60_000);
  child.send({ type: 'start', setup });
  return ready.then(
    (m) => {
      if (!m) {
        stop();
        throw new Error('watchers did not start within 60 s');
      }
      return {
        stop,
        async finish({ sent, acked, timeoutMs }) {
          if (!allReceived) await next(['done'], timeoutMs);
          const result = next(['result'], 60_000);
          child.send({ type: 'finish', sent: [...sent], acked: [...acked] });
          const r = await result;
          stop();
          if (r?.type !== 'result') throw new Error('watcher process gave no result');
          const { type: _t, ...out } = r;
          return out;
        },
      };
    },
    (err: unknown) => {
      stop();
      throw err;
    },
  );
}
