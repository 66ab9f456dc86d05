import { describe, expect, it } from 'vitest';
import { isInvalid } from '../lib/errors/index.js';
import {
  type ComponentObservation,
  hostKubeconfig,
  labComponents,
  parseComponentsFile,
  planComponents,
} from './components.js';
import { planLab } from './plan.js';
import { labSpec } from './spec.js';
import type { LabState } from './state.js';
import { formatComponents, formatUpComponents } from './supervise.js';

function state(): LabState {
  const plan = planLab(labSpec({ labId: 'c1', nodes: 1 }));
  return {
    version: 1,
    labId: 'c1',
    prefix: plan.prefix,
    nodes: 1,
    lbMode: 'l2',
    namespaces: plan.namespaces.map((n) => ({ target: n.target, name: n.name })),
    createdAt: '',
  };
}

const specs = labComponents({ state: state(), stateDir: '/s', forwardPort: 40000 });

describe('labComponents', () => {
  it('lists the control plane in start order with flags, namespaces, probes and logs', () => {
    expect(specs.map((s) => [s.name, s.namespace ?? 'root', s.args.join(' '), s.log])).toEqual([
      [
        'apiserver',
        'sy-c1-control-plane',
        'apiserver --data-dir /s/apiserver --listen 172.30.0.2:6443 --advertise-address 172.30.0.2 --enable-admission-plugins ServiceAccount',
        '/s/logs/apiserver.log',
      ],
      [
        'forwarder',
        'root',
        'lab forward --listen 127.0.0.1:40000 --netns sy-c1-control-plane --to 172.30.0.2:6443',
        '/s/logs/forwarder.log',
      ],
      [
        'scheduler',
        'sy-c1-control-plane',
        'scheduler --kubeconfig /s/apiserver/scheduler.kubeconfig --metrics-addr 172.30.0.2:10259',
        '/s/logs/scheduler.log',
      ],
      [
        'controller-manager',
        'sy-c1-control-plane',
        'controller-manager --kubeconfig /s/apiserver/controller-manager.kubeconfig --use-service-account-credentials --metrics-addr 172.30.0.2:10257',
        '/s/logs/controller-manager.log',
      ],
    ]);
    expect(
      specs.map((s) => `${s.health.scheme}://${s.health.host}:${s.health.port}${s.health.path}`),
    ).toEqual([
      'https://172.30.0.2:6443/readyz',
      'https://127.0.0.1:40000/readyz',
      'http://172.30.0.2:10259/healthz',
      'http://172.30.0.2:10257/healthz',
    ]);
  });

  it('rejects a bad port and a lab without a control plane, naming the field', () => {
    expect(() => labComponents({ state: state(), stateDir: '/s', forwardPort: 0 })).toThrow(
      'forwardPort: must be 1–65535, got 0',
    );
    const none = { ...state(), namespaces: [] };
    expect(() => labComponents({ state: none, stateDir: '/s', forwardPort: 1 })).toThrow(
      'namespaces: lab c1 has no control-plane namespace',
    );
  });
});

describe('planComponents', () => {
  const rec = (pid: number, args: readonly string[]) => ({ pid, startTicks: 7, args });
  it('keeps healthy ones, starts dead ones, restarts changed or silent ones', () => {
    const [api, fwd, sched, cm] = specs;
    const observed = new Map<string, ComponentObservation>([
      ['apiserver', { running: rec(10, api?.args ?? []), healthy: true }],
      ['forwarder', { running: rec(11, ['lab', 'forward', '--listen', '127.0.0.1:1']), healthy: true }],
      ['scheduler', { healthy: false }],
      ['controller-manager', { running: rec(13, cm?.args ?? []), healthy: false }],
    ]);
    expect(fwd && sched).toBeDefined();
    expect(planComponents(specs, observed)).toEqual([
      { name: 'apiserver', kind: 'keep', reason: 'pid 10 running and healthy' },
      { name: 'forwarder', kind: 'restart', reason: 'pid 11 runs with other flags' },
      { name: 'scheduler', kind: 'start', reason: 'was not running' },
      { name: 'controller-manager', kind: 'restart', reason: 'pid 13 does not answer /healthz' },
    ]);
    expect(planComponents(specs, new Map()).map((a) => a.kind)).toEqual(['start', 'start', 'start', 'start']);
  });
});

describe('parseComponentsFile', () => {
  it('round-trips and names the broken field', () => {
    const file = {
      version: 1,
      forwardPort: 5,
      components: { apiserver: { pid: 1, startTicks: 2, args: ['a'] } },
    };
    expect(parseComponentsFile('/f', JSON.parse(JSON.stringify(file)))).toEqual(file);
    expect(() => parseComponentsFile('/f', { version: 2 })).toThrow('/f: version: must be 1');
    const bad = { version: 1, forwardPort: 5, components: { x: { pid: '1' } } };
    expect(() => parseComponentsFile('/f', bad)).toThrow('/f: components.x: must be {pid, startTicks, args}');
  });
});

describe('hostKubeconfig', () => {
  const admin = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'switchyard',
        cluster: { server: 'https://172.30.0.2:6443', 'certificate-authority-data': 'Q0E=' },
      },
    ],
    users: [{ name: 'admin', user: { token: 't' } }],
  });

  it('moves the server to the forwarder and keeps everything else', () => {
    const out = JSON.parse(hostKubeconfig({ admin, port: 4321 }));
    expect(out.clusters).toEqual([
      {
        name: 'switchyard',
        cluster: { server: 'https://127.0.0.1:4321', 'certificate-authority-data': 'Q0E=' },
      },
    ]);
    expect(out.users).toEqual([{ name: 'admin', user: { token: 't' } }]);
    const named = JSON.parse(hostKubeconfig({ admin, port: 1, serverName: 'kubernetes' }));
    expect(named.clusters[0].cluster['tls-server-name']).toBe('kubernetes');
  });

  it('rejects what the API server would not have written', () => {
    let err: unknown;
    try {
      hostKubeconfig({ admin: '{"clusters": []}', port: 1 });
    } catch (e: unknown) {
      err = e;
    }
    expect(isInvalid(err)).toBe(true);
    expect(() => hostKubeconfig({ admin: 'nope', port: 1 })).toThrow('admin kubeconfig: not JSON');
  });
});

describe('formatting', () => {
  it('formats what up did and what status saw', () => {
    const text = formatUpComponents({
      actions: [
        { name: 'apiserver', kind: 'keep', reason: 'pid 3 running and healthy' },
        { name: 'scheduler', kind: 'start', reason: 'was not running' },
      ],
      file: {
        version: 1,
        forwardPort: 9,
        components: {
          apiserver: { pid: 3, startTicks: 1, args: [] },
          scheduler: { pid: 4, startTicks: 1, args: [] },
        },
      },
      kubeconfig: '/s/kubeconfig',
    });
    expect(text).toBe(
      [
        'control plane (API server at 127.0.0.1:9 from the host):',
        '  apiserver  kept (pid 3 running and healthy), pid 3',
        '  scheduler  started (was not running), pid 4',
        '',
        '       kubectl:  kubectl --kubeconfig /s/kubeconfig get nodes',
        '',
      ].join('\n'),
    );
    expect(
      formatComponents(
        [
          { name: 'forwarder', target: undefined, pid: 5, health: { ok: true, detail: '200' }, log: '/l/f' },
          {
            name: 'scheduler',
            target: 'control-plane',
            health: { ok: false, detail: 'not running' },
            log: '/l/s',
          },
        ],
        9,
      ),
    ).toBe(
      'components:\n  forwarder  host 127.0.0.1:9  pid 5  healthy\n  scheduler  control-plane  NOT RUNNING  UNHEALTHY (not running; see /l/s)\n',
    );
    expect(formatComponents([])).toBe('');
  });
});
