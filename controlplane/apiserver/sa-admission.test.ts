/** The ServiceAccount admission plugin: pure cases, then through a real server's pod creation. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lib/api/json.js';
import { parseAdmissionPlugins } from './main.js';
import type { AdmissionRequest } from './registry/types.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';
import {
  API_TOKEN_MOUNT_PATH,
  admitServiceAccount,
  apiAccessVolume,
  randomSuffix,
  type ServiceAccountLookup,
} from './sa-admission.js';
import { ApiError } from './status.js';
import { useTestServer } from './testing/harness.js';

const pods = BUILTIN_RESOURCES.find((x) => x.plural === 'pods') as ResourceInfo;

const create = (object: JsonObject): AdmissionRequest => ({
  operation: 'CREATE',
  info: pods,
  subresource: '',
  namespace: 'team',
  name: 'p',
  object,
});

const pod = (spec: JsonObject): JsonObject => ({ metadata: { name: 'p', namespace: 'team' }, spec });
const accounts =
  (sas: Record<string, JsonObject>): ServiceAccountLookup =>
  async (ns, name) =>
    ns === 'team' ? sas[name] : undefined;
const zero = (): number => 0;
const mount = { name: 'kube-api-access-bbbbb', readOnly: true, mountPath: API_TOKEN_MOUNT_PATH };

describe('admitServiceAccount', () => {
  it('defaults the account to default and mounts the API access volume in every container', async () => {
    const p = pod({
      initContainers: [{ name: 'init', image: 'i' }],
      containers: [{ name: 'a', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    });
    await admitServiceAccount(create(p), accounts({ default: { metadata: { name: 'default' } } }), zero);
    const spec = p.spec as JsonObject;
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.volumes).toEqual([{ name: 'data', emptyDir: {} }, apiAccessVolume('kube-api-access-bbbbb')]);
    expect(spec.initContainers).toEqual([{ name: 'init', image: 'i', volumeMounts: [mount] }]);
    expect(spec.containers).toEqual([
      { name: 'a', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/data' }, mount] },
    ]);
    expect(apiAccessVolume('v').projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    });
  });

  it('leaves containers that already mount the path, and adds no volume when none needs it', async () => {
    const own = { name: 'mine', mountPath: API_TOKEN_MOUNT_PATH };
    const p = pod({
      serviceAccountName: 'robot',
      containers: [{ name: 'a', image: 'i', volumeMounts: [own] }],
      volumes: [{ name: 'mine', secret: { secretName: 's' } }],
    });
    await admitServiceAccount(create(p), accounts({ robot: { metadata: { name: 'robot' } } }), zero);
    expect((p.spec as JsonObject).volumes).toEqual([{ name: 'mine', secret: { secretName: 's' } }]);
    expect((p.spec as JsonObject).containers).toEqual([{ name: 'a', image: 'i', volumeMounts: [own] }]);
  });

  it('honours automountServiceAccountToken: false on the pod, or on the account when the pod is silent', async () => {
    const optedOut = pod({ automountServiceAccountToken: false, containers: [{ name: 'a', image: 'i' }] });
    await admitServiceAccount(create(optedOut), accounts({ default: { metadata: {} } }), zero);
    expect((optedOut.spec as JsonObject).volumes).toBeUndefined();

    const sa = { metadata: {}, automountServiceAccountToken: false };
    const silent = pod({ containers: [{ name: 'a', image: 'i' }] });
    await admitServiceAccount(create(silent), accounts({ default: sa }), zero);
    expect((silent.spec as JsonObject).volumes).toBeUndefined();

    const optedIn = pod({ automountServiceAccountToken: true, containers: [{ name: 'a', image: 'i' }] });
    await admitServiceAccount(create(optedIn), accounts({ default: sa }), zero);
    expect((optedIn.spec as JsonObject).volumes).toHaveLength(1);
  });

  it('refuses a pod whose service account does not exist, as upstream words it', async () => {
    const p = pod({ serviceAccountName: 'ghost', containers: [{ name: 'a', image: 'i' }] });
    const err = await admitServiceAccount(create(p), accounts({}), zero).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).statusCode).toBe(403);
    expect((err as ApiError).message).toBe(
      'pods "p" is forbidden: error looking up service account team/ghost: serviceaccount "ghost" not found',
    );
  });

  it('leaves mirror pods, updates and other kinds alone', async () => {
    const mirror = pod({ containers: [{ name: 'a', image: 'i' }] });
    (mirror.metadata as JsonObject).annotations = { 'kubernetes.io/config.mirror': 'x' };
    await admitServiceAccount(create(mirror), accounts({}), zero);
    expect((mirror.spec as JsonObject).serviceAccountName).toBeUndefined();
    const update = { ...create(pod({ containers: [] })), operation: 'UPDATE' as const };
    await admitServiceAccount(update, accounts({}), zero);
  });

  it('names the volume with five characters of the name generator alphabet', () => {
    expect(randomSuffix()).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('ServiceAccount admission in the API server', () => {
  const h = useTestServer({ server: { serviceAccountAdmission: true } });

  it('mounts the token volume on a created pod and refuses one without its account', async () => {
    const ns = '/api/v1/namespaces/default';
    const body = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'sa-pod' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    const refused = await h.api('POST', `${ns}/pods`, body);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe(
      'pods "sa-pod" is forbidden: error looking up service account default/default: serviceaccount "default" not found',
    );
    const sa = await h.api('POST', `${ns}/serviceaccounts`, { metadata: { name: 'default' } });
    expect(sa.status).toBe(201);
    const made = await h.api('POST', `${ns}/pods`, body);
    expect(made.status).toBe(201);
    const spec = (made.json as JsonObject).spec as JsonObject;
    expect(spec.serviceAccountName).toBe('default');
    const volume = (spec.volumes as JsonObject[])[0] as JsonObject;
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume.projected).toEqual(apiAccessVolume('x').projected);
    const c = (spec.containers as JsonObject[])[0] as JsonObject;
    expect(c.volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: API_TOKEN_MOUNT_PATH }]);
  });
});

describe('--enable-admission-plugins', () => {
  it('names ServiceAccount, and refuses a plugin it does not know, naming the flag', () => {
    expect([...parseAdmissionPlugins('ServiceAccount')]).toEqual(['ServiceAccount']);
    expect(parseAdmissionPlugins(undefined).size).toBe(0);
    expect(() => parseAdmissionPlugins('ServiceAccount,Bogus')).toThrow(
      /--enable-admission-plugins: unknown plugin "Bogus"; known: ServiceAccount/,
    );
  });
});
