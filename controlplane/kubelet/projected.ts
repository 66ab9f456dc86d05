/**
 * The files of `projected` and `downwardAPI` volumes (upstream pkg/volume/projected and
 * pkg/volume/downwardapi): the typed sources of such a volume, and — pure, from the pod, its
 * ConfigMaps and Secrets and the service-account tokens fetched for it — the files each source
 * contributes. A downward API item holds one pod field (metadata.name/namespace/uid, a label or
 * annotation, or all labels/annotations as sorted `key="value"` lines, as fieldpath.FormatMap);
 * a serviceAccountToken source holds the token the kubelet requested for this pod
 * (token-source.ts). Writing the files is volumes.ts's atomic writer.
 */
import { invalid, notFound } from '../../lib/errors/index.js';
import { fieldValue } from './env.js';
import type { KubeletPod, PodConfigObjects } from './model.js';

/** One key or field projected to a relative path. */
export interface KeyToPath {
  readonly key: string;
  readonly path: string;
  readonly mode?: number;
}

/** A downward API item: a pod field at a relative path. */
export interface DownwardItem {
  readonly path: string;
  readonly fieldPath: string;
  readonly mode?: number;
}

/** What a service-account token source asks the API server for. */
export interface TokenSpec {
  readonly audience: string;
  readonly expirationSeconds: number;
}

/** One source of a projected volume. */
export type ProjectionSource =
  | { readonly kind: 'serviceAccountToken'; readonly path: string; readonly token: TokenSpec }
  | {
      readonly kind: 'configMap' | 'secret';
      readonly name: string;
      readonly items?: readonly KeyToPath[];
      readonly optional: boolean;
    }
  | { readonly kind: 'downwardAPI'; readonly items: readonly DownwardItem[] };

/** A file's bytes and mode. */
export interface ProjectedFile {
  readonly data: Buffer;
  readonly mode: number;
}

/** The token lifetime when a source names none (upstream default: one hour). */
const DEFAULT_TOKEN_SECONDS = 3600;

export const record = (v: unknown): Readonly<Record<string, unknown>> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** A relative path without `..` elements (items' paths, subPath). */
export function relativePath(field: string, path: string): string {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.includes('..'))
    throw invalid(field, `must be a relative path without "..", got "${path}"`);
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** `items` of a configMap or secret source. */
export function keyToPaths(field: string, v: unknown): KeyToPath[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((item, i) => {
    const o = record(item) ?? {};
    return {
      key: String(o.key ?? ''),
      path: relativePath(`${field}.items[${i}].path`, String(o.path ?? '')),
      ...(typeof o.mode === 'number' ? { mode: o.mode } : {}),
    };
  });
}

/** `items` of a downwardAPI source; resourceFieldRef is not supported yet. */
export function downwardItems(field: string, v: unknown): DownwardItem[] {
  if (!Array.isArray(v)) return [];
  return v.map((item, i) => {
    const o = record(item) ?? {};
    const at = `${field}.items[${i}]`;
    const fieldPath = record(o.fieldRef)?.fieldPath;
    if (typeof fieldPath !== 'string') {
      const what = record(o.resourceFieldRef)
        ? 'resourceFieldRef is not supported yet'
        : 'fieldRef is required';
      throw invalid(at, what);
    }
    return {
      path: relativePath(`${at}.path`, String(o.path ?? '')),
      fieldPath,
      ...(typeof o.mode === 'number' ? { mode: o.mode } : {}),
    };
  });
}

/** The typed sources of `projected.sources`. */
export function projectionSources(field: string, v: unknown): ProjectionSource[] {
  if (!Array.isArray(v)) return [];
  return v.map((s, i): ProjectionSource => {
    const o = record(s) ?? {};
    const at = `${field}.sources[${i}]`;
    const token = record(o.serviceAccountToken);
    if (token)
      return {
        kind: 'serviceAccountToken',
        path: relativePath(`${at}.serviceAccountToken.path`, String(token.path ?? '')),
        token: {
          audience: typeof token.audience === 'string' ? token.audience : '',
          expirationSeconds:
            typeof token.expirationSeconds === 'number' ? token.expirationSeconds : DEFAULT_TOKEN_SECONDS,
        },
      };
    for (const kind of ['configMap', 'secret'] as const) {
      const ref = record(o[kind]);
      if (!ref) continue;
      const items = keyToPaths(`${at}.${kind}`, ref.items);
      return {
        kind,
        name: String(ref.name ?? ''),
        ...(items ? { items } : {}),
        optional: ref.optional === true,
      };
    }
    const downward = record(o.downwardAPI);
    if (downward) return { kind: 'downwardAPI', items: downwardItems(`${at}.downwardAPI`, downward.items) };
    throw invalid(at, `unsupported projection ${Object.keys(o).join(', ') || '(none)'}`);
  });
}

/** The key of a token in `PodConfigObjects.tokens`. */
export function tokenKey(t: TokenSpec): string {
  return `${t.audience}|${t.expirationSeconds}`;
}

/** All labels or annotations as one file: sorted `key="value"` lines (fieldpath.FormatMap). */
function formatMap(m: Readonly<Record<string, string>>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

/** The value of a downward API volume item (ExtractFieldPathAsString). */
export function downwardValue(fieldPath: string, pod: KubeletPod): string {
  if (fieldPath === 'metadata.labels') return formatMap(pod.labels);
  if (fieldPath === 'metadata.annotations') return formatMap(pod.annotations);
  if (
    /^(metadata\.(name|namespace|uid|(labels|annotations)\['.*'\])|spec\.(nodeName|serviceAccountName))$/.test(
      fieldPath,
    )
  )
    return fieldValue(fieldPath, pod, { podIPs: [], hostIPs: [] });
  throw invalid('fieldRef.fieldPath', `unsupported fieldPath in a volume: ${fieldPath}`);
}

/** A downward API source's files. */
export function downwardFiles(
  items: readonly DownwardItem[],
  pod: KubeletPod,
  defaultMode: number,
): Map<string, ProjectedFile> {
  const files = new Map<string, ProjectedFile>();
  for (const item of items)
    files.set(item.path, {
      data: Buffer.from(downwardValue(item.fieldPath, pod), 'utf8'),
      mode: item.mode ?? defaultMode,
    });
  return files;
}

/**
 * A configMap or secret source's files by relative path; undefined when the object is absent
 * and the source optional. A missing object or item key throws.
 */
export function objectFiles(
  source: Extract<ProjectionSource, { kind: 'configMap' | 'secret' }>,
  objects: PodConfigObjects,
  defaultMode: number,
): Map<string, ProjectedFile> | undefined {
  const what = source.kind === 'configMap' ? 'configmap' : 'secret';
  const data = new Map<string, Buffer>();
  if (source.kind === 'configMap') {
    const cm = objects.configMaps.get(source.name);
    if (!cm) {
      if (source.optional) return undefined;
      throw notFound(what, source.name);
    }
    for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  } else {
    const secret = objects.secrets.get(source.name);
    if (!secret) {
      if (source.optional) return undefined;
      throw notFound(what, source.name);
    }
    for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  }
  const files = new Map<string, ProjectedFile>();
  if (!source.items) {
    for (const [k, v] of data) files.set(k, { data: v, mode: defaultMode });
    return files;
  }
  for (const item of source.items) {
    const v = data.get(item.key);
    if (v === undefined) {
      if (source.optional) continue;
      throw invalid(`${what} "${source.name}"`, `references non-existent key ${item.key}`);
    }
    files.set(item.path, { data: v, mode: item.mode ?? defaultMode });
  }
  return files;
}

/** A projected volume's files: every source's, later sources winning a shared path. */
export function projectionFiles(
  sources: readonly ProjectionSource[],
  pod: KubeletPod,
  objects: PodConfigObjects,
  defaultMode: number,
): Map<string, ProjectedFile> {
  const files = new Map<string, ProjectedFile>();
  for (const s of sources) {
    if (s.kind === 'serviceAccountToken') {
      const key = tokenKey(s.token);
      const token = objects.tokens?.get(key);
      if (token === undefined)
        throw invalid(
          'serviceAccountToken',
          objects.tokenErrors?.get(key) ?? `no token for service account "${pod.serviceAccountName}"`,
        );
      files.set(s.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode });
    } else if (s.kind === 'downwardAPI') {
      for (const [k, v] of downwardFiles(s.items, pod, defaultMode)) files.set(k, v);
    } else {
      for (const [k, v] of objectFiles(s, objects, defaultMode) ?? []) files.set(k, v);
    }
  }
  return files;
}
