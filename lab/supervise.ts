/**
 * The adapter that runs the lab's control plane (components.ts decides): starts each component
 * detached as a `switchyard <component>` child inside its namespace with its log under the state
 * dir, records pid + start time, probes health from inside the namespace, waits for readiness,
 * and stops them again (SIGTERM, then SIGKILL).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { ErrorCode, messageOf, SwitchyardError } from '../lib/errors/index.js';
import { connectTcpIn, spawnInNetns } from '../lib/netns/index.js';
import {
  type ComponentAction,
  type ComponentObservation,
  type ComponentRecord,
  type ComponentSpec,
  type ComponentsFile,
  controlPlaneFiles,
  type HealthProbe,
  hostKubeconfig,
  labComponents,
  parseComponentsFile,
  planComponents,
} from './components.js';
import { isZombie, processStartTicks } from './owner.js';
import { type LabState, readJsonFile } from './state.js';

/** The answer of one health probe. */
export interface ProbeResult {
  readonly ok: boolean;
  /** `200`, or why there was no answer. */
  readonly detail: string;
}

async function open(ns: string | undefined, probe: HealthProbe, timeoutMs: number): Promise<Socket> {
  if (ns !== undefined) return connectTcpIn(ns, { host: probe.host, port: probe.port, timeoutMs });
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: probe.host, port: probe.port });
    const timer = setTimeout(
      () => s.destroy(new Error(`connect ${probe.host}:${probe.port}: timeout`)),
      timeoutMs,
    );
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * GETs the probe's path from inside `ns` (undefined: this namespace) over a raw HTTP/1.1
 * exchange and reports whether it answered 200. HTTPS verifies against `ca` with the SAN
 * `kubernetes`, which the API server's certificate always carries.
 */
export async function probeHealth(
  ns: string | undefined,
  probe: HealthProbe,
  options: {
    readonly ca?: Buffer;
    readonly timeoutMs?: number;
    /** Extra request headers, e.g. a bearer token. */
    readonly headers?: Readonly<Record<string, string>>;
  } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  let raw: Socket | undefined;
  try {
    raw = await open(ns, probe, timeoutMs);
    const sock: Socket =
      probe.scheme === 'https'
        ? tlsConnect({
            socket: raw,
            servername: 'kubernetes',
            ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
          })
        : raw;
    const status = await new Promise<string>((resolve, reject) => {
      let head = '';
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      sock.on('data', (b: Buffer) => {
        head += b.toString('latin1');
        const eol = head.indexOf('\r\n');
        if (eol !== -1) {
          clearTimeout(timer);
          resolve(head.slice(0, eol).split(' ')[1] ?? '');
        }
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      const extra = Object.entries(options.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      sock.write(`GET ${probe.path} HTTP/1.1\r\nHost: ${probe.host}\r\n${extra}Connection: close\r\n\r\n`);
    });
    sock.destroy();
    return { ok: status === '200', detail: status };
  } catch (err: unknown) {
    return { ok: false, detail: messageOf(err) };
  } finally {
    raw?.destroy();
  }
}

/** Reads the components file, or undefined when there is none. */
export function readComponents(path: string): ComponentsFile | undefined {
  const raw = readJsonFile(path);
  return raw === undefined ? undefined : parseComponentsFile(path, raw);
}

function writeComponents(path: string, file: ComponentsFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(tmp, path);
}

/** True while the recorded process runs (same pid and same start time). */
export function isRunning(rec: ComponentRecord): boolean {
  return processStartTicks(rec.pid) === rec.startTicks && !isZombie(rec.pid);
}

/** A process started by `startDetached`: its pid and start time (its identity, see owner.ts). */
export interface DetachedProcess {
  readonly pid: number;
  readonly startTicks: number;
}

/**
 * Starts `cmd args` detached inside network namespace `netns` (undefined: our own), stdout and
 * stderr appended to `log`; `name` is what an error calls it. nsenter without --fork execs the command, so the pid
 * is the command's own, and its start time does not change across that exec.
 */
export async function startDetached(
  name: string,
  netns: string | undefined,
  command: { readonly cmd: string; readonly args: readonly string[] },
  log: string,
): Promise<DetachedProcess> {
  mkdirSync(dirname(log), { recursive: true });
  const out = openSync(log, 'a');
  try {
    const child = spawnInNetns(netns, command, { detached: true, stdio: ['ignore', out, out] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    const startTicks = processStartTicks(pid);
    if (startTicks === undefined)
      throw new SwitchyardError(ErrorCode.System, `${name} exited at once; see ${log}`);
    return { pid, startTicks };
  } finally {
    closeSync(out);
  }
}

/** Starts a component detached, its output appended to its log; resolves with its record. */
export async function startComponent(spec: ComponentSpec, self: readonly string[]): Promise<ComponentRecord> {
  const [cmd, ...pre] = self;
  if (cmd === undefined) throw new SwitchyardError(ErrorCode.Invalid, 'self: how to run switchyard is empty');
  const started = await startDetached(
    spec.name,
    spec.namespace,
    { cmd, args: [...pre, ...spec.args] },
    spec.log,
  );
  return { ...started, args: spec.args };
}

/** Ends a recorded process: SIGTERM, then SIGKILL after `graceMs`. Gone already is fine. */
export async function stopProcess(rec: ComponentRecord, graceMs = 3000): Promise<void> {
  if (!isRunning(rec)) return;
  try {
    process.kill(rec.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(50);
    if (!isRunning(rec)) return;
  }
  try {
    process.kill(rec.pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
  while (isRunning(rec)) await sleep(20);
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function caOf(stateDir: string): Buffer | undefined {
  const file = controlPlaneFiles(stateDir).caCert;
  return existsSync(file) ? readFileSync(file) : undefined;
}

/** Waits until a component answers its probe; the error names the component and its log. */
export async function waitHealthy(
  spec: ComponentSpec,
  rec: ComponentRecord,
  options: { readonly stateDir: string; readonly timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last: ProbeResult = { ok: false, detail: 'not probed' };
  while (Date.now() < deadline) {
    if (!isRunning(rec)) {
      throw new SwitchyardError(ErrorCode.System, `${spec.name} (pid ${rec.pid}) exited; see ${spec.log}`);
    }
    const ca = caOf(options.stateDir);
    last = await probeHealth(spec.namespace, spec.health, { ...(ca ? { ca } : {}), timeoutMs: 2000 });
    if (last.ok) return;
    await sleep(100);
  }
  throw new SwitchyardError(
    ErrorCode.Timeout,
    `${spec.name} not healthy within ${options.timeoutMs} ms (${spec.health.path}: ${last.detail}); see ${spec.log}`,
  );
}

/** Options for {@link upComponents}. */
export interface UpComponentsOptions {
  readonly state: LabState;
  readonly stateDir: string;
  /** How to run `switchyard`: e.g. `[process.execPath, '/repo/dist/switchyard.mjs']`. */
  readonly self: readonly string[];
  /** Per component. Default 60 s. */
  readonly timeoutMs?: number;
}

/** What {@link upComponents} did. */
export interface UpComponentsReport {
  readonly actions: readonly ComponentAction[];
  readonly file: ComponentsFile;
  readonly kubeconfig: string;
}

async function observe(
  specs: readonly ComponentSpec[],
  file: ComponentsFile | undefined,
  stateDir: string,
): Promise<Map<string, ComponentObservation>> {
  const ca = caOf(stateDir);
  const out = new Map<string, ComponentObservation>();
  await Promise.all(
    specs.map(async (spec) => {
      const rec = file?.components[spec.name];
      if (!rec || !isRunning(rec)) {
        out.set(spec.name, { healthy: false });
        return;
      }
      const probe = await probeHealth(spec.namespace, spec.health, { ...(ca ? { ca } : {}) });
      out.set(spec.name, { running: rec, healthy: probe.ok });
    }),
  );
  return out;
}

/**
 * Converges the control plane: plans against what runs, then per component in order stops what
 * must go, starts what is missing and waits until each answers. Writes the host kubeconfig.
 */
export async function upComponents(options: UpComponentsOptions): Promise<UpComponentsReport> {
  const files = controlPlaneFiles(options.stateDir);
  const previous = readComponents(files.components);
  // The host port stays the same across `up` runs while it is ours or free.
  const prevPort = previous?.forwardPort;
  const forwarderAlive =
    previous?.components.forwarder !== undefined && isRunning(previous.components.forwarder);
  const forwardPort =
    prevPort !== undefined && (forwarderAlive || (await portFree(prevPort))) ? prevPort : await freePort();
  const specs = labComponents({ state: options.state, stateDir: options.stateDir, forwardPort });
  const actions = planComponents(specs, await observe(specs, previous, options.stateDir));
  const records: Record<string, ComponentRecord> = { ...(previous?.components ?? {}) };
  const save = (): ComponentsFile => {
    const file: ComponentsFile = { version: 1, forwardPort, components: { ...records } };
    writeComponents(files.components, file);
    return file;
  };
  let file = save();
  for (const [i, spec] of specs.entries()) {
    const action = actions[i] as ComponentAction;
    const old = records[spec.name];
    if (action.kind !== 'keep') {
      if (old) await stopProcess(old);
      records[spec.name] = await startComponent(spec, options.self);
      file = save();
    }
    await waitHealthy(spec, records[spec.name] as ComponentRecord, {
      stateDir: options.stateDir,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    if (spec.name === 'forwarder') writeHostKubeconfig(options.stateDir, forwardPort);
  }
  return { actions, file, kubeconfig: files.hostKubeconfig };
}

function writeHostKubeconfig(stateDir: string, port: number): void {
  const files = controlPlaneFiles(stateDir);
  // The serving certificate carries IP:127.0.0.1 (controlplane/apiserver/pki.ts), so kubectl
  // verifies https://127.0.0.1:PORT as is and no tls-server-name is needed.
  const text = hostKubeconfig({ admin: readFileSync(files.adminKubeconfig, 'utf8'), port });
  const tmp = `${files.hostKubeconfig}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, files.hostKubeconfig);
}

/** Stops every recorded component (last started first) and forgets them. */
export async function downComponents(stateDir: string): Promise<string[]> {
  const files = controlPlaneFiles(stateDir);
  const file = readComponents(files.components);
  if (!file) return [];
  const entries = Object.entries(file.components).reverse();
  for (const [, rec] of entries) await stopProcess(rec);
  return entries.map(([name]) => name);
}

/** One component in `switchyard status`. */
export interface ComponentStatus {
  readonly name: string;
  readonly target: string | undefined;
  /** The pid when it runs. */
  readonly pid?: number;
  readonly health: ProbeResult;
  readonly log: string;
}

/** Reads each recorded component's process and health (probed from inside its namespace). */
export async function readComponentStatus(
  state: LabState,
  stateDir: string,
): Promise<{ readonly forwardPort?: number; readonly components: readonly ComponentStatus[] }> {
  const file = readComponents(controlPlaneFiles(stateDir).components);
  if (!file) return { components: [] };
  const specs = labComponents({ state, stateDir, forwardPort: file.forwardPort });
  const ca = caOf(stateDir);
  const components = await Promise.all(
    specs.map(async (spec): Promise<ComponentStatus> => {
      const rec = file.components[spec.name];
      const running = rec !== undefined && isRunning(rec);
      const health = running
        ? await probeHealth(spec.namespace, spec.health, { ...(ca ? { ca } : {}) })
        : { ok: false, detail: 'not running' };
      return {
        name: spec.name,
        target: spec.target,
        ...(running ? { pid: rec.pid } : {}),
        health,
        log: spec.log,
      };
    }),
  );
  return { forwardPort: file.forwardPort, components };
}

/** Component lines for `switchyard status`. Pure. */
export function formatComponents(components: readonly ComponentStatus[], forwardPort?: number): string {
  if (components.length === 0) return '';
  const width = Math.max(...components.map((c) => c.name.length));
  const lines = components.map((c) => {
    const where = c.target ?? `host 127.0.0.1:${forwardPort ?? '?'}`;
    const proc = c.pid === undefined ? 'NOT RUNNING' : `pid ${c.pid}`;
    const health = c.health.ok ? 'healthy' : `UNHEALTHY (${c.health.detail}; see ${c.log})`;
    return `  ${c.name.padEnd(width)}  ${where}  ${proc}  ${health}`;
  });
  return `components:\n${lines.join('\n')}\n`;
}

/** What `up` prints about the control plane: one line per component, then how to reach it. Pure. */
export function formatUpComponents(report: UpComponentsReport): string {
  const width = Math.max(...report.actions.map((a) => a.name.length));
  const verb = { keep: 'kept', start: 'started', restart: 'restarted' } as const;
  const lines = report.actions.map((a) => {
    const pid = report.file.components[a.name]?.pid;
    return `  ${a.name.padEnd(width)}  ${verb[a.kind]} (${a.reason}), pid ${pid ?? '?'}`;
  });
  return [
    `control plane (API server at 127.0.0.1:${report.file.forwardPort} from the host):`,
    ...lines,
    '',
    `       kubectl:  kubectl --kubeconfig ${report.kubeconfig} get nodes`,
    '',
  ].join('\n');
}
