/**
 * Probing an install manifest's RBAC against a real server: the manifest's documents, every
 * (group, resource, verb, name) a rule grants (`atoms`), the grants of a service account through
 * the manifest's bindings (`grantsOf`), and a prober that sends each as a real request with the
 * account's token (manifests.test.ts).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PolicyRule } from '../../../../lib/api/rbac-v1.js';

/** The server a probe goes to. */
export interface ProbeServer {
  readonly url: string;
  readonly caCertPath: string;
}

const cas = new Map<string, Buffer>();
function caOf(server: ProbeServer): Buffer {
  let ca = cas.get(server.caCertPath);
  if (!ca) {
    ca = readFileSync(server.caCertPath);
    cas.set(server.caCertPath, ca);
  }
  return ca;
}

/** A file in rbac/testdata. */
export const testdata = (name: string): string => join(import.meta.dirname, '..', 'testdata', name);

export interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

export function docs(file: string): Doc[] {
  return readFileSync(testdata(file), 'utf8')
    .split(/^---\s*$/m)
    .map((d) => parse(d) as Doc | null)
    .filter((d): d is Doc => d !== null && typeof d === 'object');
}

/** One request: what, where, and whether the manifest grants it. */
export interface Probe {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
}

const HTTP_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** Cluster-scoped types the manifests name: probed without a namespace. */
const CLUSTER_SCOPED = new Set([
  'nodes',
  'namespaces',
  'customresourcedefinitions',
  'validatingwebhookconfigurations',
  'podsecuritypolicies',
  'ingressclasses',
]);

/** The URL of a probe (core group under /api/v1, others at their usual version). */
function urlOf(p: Probe): string {
  const [resource, sub] = p.resource.split('/') as [string, string | undefined];
  const version: Record<string, string> = { policy: 'v1beta1', 'metallb.io': 'v1beta1' };
  const base = p.group === '' ? '/api/v1' : `/apis/${p.group}/${version[p.group] ?? 'v1'}`;
  const one = ['get', 'update', 'patch', 'delete'].includes(p.verb) || sub !== undefined;
  const query: string[] = [];
  if (p.verb === 'watch') query.push('watch=true', 'timeoutSeconds=1');
  if ((p.verb === 'list' || p.verb === 'watch') && p.name)
    query.push(`fieldSelector=metadata.name%3D${p.name}`);
  const q = query.length > 0 ? `?${query.join('&')}` : '';
  if (p.group === '' && resource === 'namespaces') {
    // A Namespace is addressed by its name, and a request for it is in that namespace.
    const name = p.name || (one ? p.namespace || 'probe-missing' : '');
    return `${base}/namespaces${name && one ? `/${name}` : ''}${sub ? `/${sub}` : ''}${q}`;
  }
  const ns = p.namespace && !CLUSTER_SCOPED.has(resource) ? `/namespaces/${p.namespace}` : '';
  const name = one ? p.name || 'probe-missing' : '';
  return `${base}${ns}/${resource}${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}${q}`;
}

const METHOD: Record<string, string> = {
  get: 'GET',
  list: 'GET',
  watch: 'GET',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETE',
};

/**
 * Sends the probe with `token`; resolves to the status and, for an error, its message. Answers
 * are not read past the headers (an allowed watch would stream until its timeout).
 */
function send(server: ProbeServer, token: string, p: Probe): Promise<{ status: number; message: string }> {
  const method = METHOD[p.verb] ?? 'GET';
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    headers['Content-Length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = request(new URL(urlOf(p), server.url), { method, headers, ca: caOf(server) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 400) {
        res.destroy();
        resolve({ status, message: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let message = '';
        try {
          message = String(
            (JSON.parse(Buffer.concat(chunks).toString()) as { message?: unknown }).message ?? '',
          );
        } catch {
          message = Buffer.concat(chunks).toString();
        }
        resolve({ status, message });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every (group, resource, verb, name) a rule grants, for the verbs a request can carry. */
function atoms(rule: PolicyRule, namespace: string): Probe[] {
  const verbs = rule.verbs.includes('*')
    ? ['get', 'list', 'create']
    : rule.verbs.filter((v) => HTTP_VERBS.includes(v));
  const names = rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : [''];
  const out: Probe[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of verbs)
        for (const name of names) {
          // A create never carries a name, so a named rule cannot grant one.
          if (name !== '' && (verb === 'create' || verb === 'deletecollection')) continue;
          out.push({ verb, group, resource, namespace, name });
        }
  return out;
}

/** The grants of `sa` by the manifest's bindings: each rule with the namespaces it applies in. */
export function grantsOf(
  all: Doc[],
  sa: { namespace: string; name: string },
  probeNamespace: string,
): Probe[] {
  const out: Probe[] = [];
  for (const b of all.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')) {
    const bound = (b.subjects ?? []).some(
      (s) =>
        s.kind === 'ServiceAccount' &&
        s.name === sa.name &&
        (s.namespace ?? b.metadata.namespace) === sa.namespace,
    );
    if (!bound || !b.roleRef) continue;
    const role = all.find(
      (d) =>
        d.kind === b.roleRef?.kind &&
        d.metadata.name === b.roleRef.name &&
        (d.kind === 'ClusterRole' || d.metadata.namespace === b.metadata.namespace),
    );
    // A ClusterRoleBinding grants everywhere (probed in another namespace); a RoleBinding only in its own.
    const ns = b.kind === 'ClusterRoleBinding' ? probeNamespace : (b.metadata.namespace ?? '');
    for (const rule of role?.rules ?? []) out.push(...atoms(rule, ns));
  }
  return out;
}

/** Sends every probe; returns the ones whose outcome differs from `allowed`. */
async function mismatches(
  server: ProbeServer,
  token: string,
  probes: Probe[],
  allowed: boolean,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const p of probes) {
    const r = await send(server, token, p);
    if ((r.status !== 403) !== allowed) wrong.push(`${p.verb} ${urlOf(p)} → ${r.status} ${r.message}`);
  }
  return wrong;
}

/** `send` and `mismatches` bound to the server `server()` returns when called. */
export function prober(server: () => ProbeServer): {
  send(token: string, p: Probe): Promise<{ status: number; message: string }>;
  mismatches(token: string, probes: Probe[], allowed: boolean): Promise<string[]>;
} {
  return {
    send: (token, p) => send(server(), token, p),
    mismatches: (token, probes, allowed) => mismatches(server(), token, probes, allowed),
  };
}
