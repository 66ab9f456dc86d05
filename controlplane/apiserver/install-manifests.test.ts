/**
 * Real projects' install manifests (testdata/manifests, unchanged; sources and commits in its
 * README) with the real kubectl 1.32 against the real API server and a controller manager (the
 * namespace controller empties and finalizes a deleted namespace): `kubectl apply -f` and,
 * separately, `kubectl apply --server-side` create every object; a second apply changes nothing;
 * `kubectl diff` right after is empty; `kubectl get -f` finds every object; `kubectl delete -f`
 * succeeds and everything is gone.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubectl } from '../../test/harness/cluster/apiserver.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { ControllerManager } from '../controllers/manager.js';

interface Manifest {
  readonly file: string;
  /**
   * Objects a second client-side apply reports `configured` against kube-apiserver too, because
   * kubectl's own three-way patch is never empty for them (the server then changes nothing):
   * - a field the file sets to null that the server never stores (`creationTimestamp: null`,
   *   ConfigMap `data: null`): kubectl sends the null again each time;
   * - webhook `rules`, an atomic list, whose items the server defaults (`scope: "*"`): the
   *   live list never equals the file's, so kubectl resends the whole list;
   * - a Deployment `strategy` without `type`, which the server defaults: kubectl sends
   *   `$retainKeys` because the live map has a key the file lacks.
   */
  readonly alwaysConfigured: readonly string[];
}

const MANIFESTS: readonly Manifest[] = [
  {
    file: 'metallb-native.yaml',
    alwaysConfigured: [
      'validatingwebhookconfiguration.admissionregistration.k8s.io/metallb-webhook-configuration',
    ],
  },
  {
    file: 'ingress-nginx-baremetal-deploy.yaml',
    alwaysConfigured: [
      'configmap/ingress-nginx-controller',
      'validatingwebhookconfiguration.admissionregistration.k8s.io/ingress-nginx-admission',
    ],
  },
  {
    file: 'metrics-server-components.yaml',
    alwaysConfigured: ['deployment.apps/metrics-server'],
  },
];

let env: TestEnv;
let home: string;
let stopManager: (() => Promise<void>) | undefined;
const k = (...args: string[]) =>
  kubectl({ kubeconfig: env.server.server.kubeconfigPath, home }, args, { timeoutMs: 180_000 });
const pathOf = (file: string) => join(import.meta.dirname, 'testdata', 'manifests', file);

beforeAll(async () => {
  env = await startTestEnv();
  home = join(env.server.dir, 'home');
  mkdirSync(home, { recursive: true });
  const client = env.newClient();
  const manager = new ControllerManager({
    client,
    leaderElection: false,
    controllers: ['namespace', 'garbagecollector'],
  });
  const ac = new AbortController();
  const done = manager.run(ac.signal);
  stopManager = async () => {
    ac.abort();
    await done;
    client.close();
  };
});

afterAll(async () => {
  await stopManager?.();
  await env?.stop();
});

/** `kind/namespace/name` of every document in the file. */
function objectsIn(file: string): string[] {
  return parseAllDocuments(readFileSync(pathOf(file), 'utf8'))
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null)
    .filter((o) => o?.kind !== undefined)
    .map((o) => `${o?.kind}/${o?.metadata?.namespace ?? ''}/${o?.metadata?.name}`)
    .sort();
}

interface Live {
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion: string;
    readonly generation?: number;
  };
}

/** Every object of the file as the server has it now (`kubectl get -f -o json`). */
async function live(file: string): Promise<Live[]> {
  const r = await k('get', '-f', pathOf(file), '-o', 'json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { kind: string; items?: Live[] } & Live;
  return out.kind === 'List' ? (out.items ?? []) : [out];
}

const idOf = (o: Live) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const versions = (objs: readonly Live[]) =>
  Object.fromEntries(objs.map((o) => [idOf(o), [o.metadata.resourceVersion, o.metadata.generation]]));

/** Lines of kubectl's apply output, `resource/name verb`, split into [resource/name, verb]. */
function applyLines(stdout: string): [string, string][] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => {
      const i = l.lastIndexOf(' ');
      return [l.slice(0, i), l.slice(i + 1)];
    });
}

/** `kubectl delete -f` (waiting, as by default), then nothing of the file is left. */
async function deleteAll(file: string, count: number): Promise<void> {
  const del = await k('delete', '-f', pathOf(file));
  expect(del.stderr).toBe('');
  expect(del.code).toBe(0);
  expect(
    del.stdout
      .trim()
      .split('\n')
      .filter((l) => l.endsWith(' deleted')),
  ).toHaveLength(count);
  await eventually(
    `every object of ${file} gone`,
    async () => {
      const r = await k('get', '-f', pathOf(file), '--ignore-not-found', '-o', 'name');
      return r.code === 0 && r.stdout.trim() === '';
    },
    60_000,
  );
  const gone = await k('get', '-f', pathOf(file));
  expect(gone.code).toBe(1);
  expect(
    gone.stderr
      .trim()
      .split('\n')
      .filter((l) => l.includes('(NotFound)')),
  ).toHaveLength(count);
}

describe.each(MANIFESTS)('$file with kubectl', ({ file, alwaysConfigured }) => {
  const expected = objectsIn(file);

  it('apply -f creates every object; the second apply changes nothing; diff is empty; get -f finds all; delete -f removes all', async () => {
    const first = await k('apply', '-f', pathOf(file));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(applyLines(first.stdout).map(([, verb]) => verb)).toEqual(expected.map(() => 'created'));
    const before = await live(file);
    expect(before.map(idOf).sort()).toEqual(expected);

    const second = await k('apply', '-f', pathOf(file));
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const lines = applyLines(second.stdout);
    expect(lines).toHaveLength(expected.length);
    expect(lines.filter(([, verb]) => verb !== 'unchanged')).toEqual(
      alwaysConfigured.map((name) => [name, 'configured']),
    );
    // What kubectl resends anyway leaves the objects as they were.
    expect(versions(await live(file))).toEqual(versions(before));

    const diff = await k('diff', '-f', pathOf(file));
    expect([diff.code, diff.stdout, diff.stderr]).toEqual([0, '', '']);
    await deleteAll(file, expected.length);
  });

  it('apply --server-side creates every object; the second changes nothing; diff is empty; get -f finds all; delete -f removes all', async () => {
    const ssa = () => k('apply', '--server-side', '-f', pathOf(file));
    const first = await ssa();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(applyLines(first.stdout).map(([, verb]) => verb)).toEqual(
      expected.map(() => 'serverside-applied'),
    );
    const before = await live(file);
    expect(before.map(idOf).sort()).toEqual(expected);

    // kubectl reports every server-side apply as `serverside-applied`; the objects tell.
    const second = await ssa();
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(applyLines(second.stdout).map(([, verb]) => verb)).toEqual(
      expected.map(() => 'serverside-applied'),
    );
    expect(versions(await live(file))).toEqual(versions(before));

    const diff = await k('diff', '--server-side', '-f', pathOf(file));
    expect([diff.code, diff.stdout, diff.stderr]).toEqual([0, '', '']);
    await deleteAll(file, expected.length);
  });
});
