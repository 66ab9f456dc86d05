/**
 * The Deployment controller's pure core (pkg/controller/deployment: sync.go, rolling.go,
 * recreate.go, util/deployment_util.go): which ReplicaSet is new, how far to scale it and the old
 * ones under maxSurge/maxUnavailable, revisions and history, and the status to report.
 */
import type { Deployment, IntOrString, ReplicaSet, WorkloadCondition } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import { invalid } from '../../lib/errors/index.js';

/** Label carrying the template hash on ReplicaSets and their pods. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Annotation with the revision number (on Deployments and ReplicaSets). */
export const REVISION = 'deployment.kubernetes.io/revision';
/** Annotations recording the Deployment size a ReplicaSet was scaled for. */
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The pod-template-hash: FNV-1a (32 bit) of the template, decimal, each digit mapped to a
 * consonant/digit alphabet that cannot spell words (rand.SafeEncodeString in apimachinery).
 */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = canonical(template) + (collisionCount > 0 ? String(collisionCount) : '');
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

/** Resolves an int-or-percent against `total` (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(
  v: IntOrString | undefined,
  total: number,
  roundUp: boolean,
  field: string,
): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0)
      throw invalid(field, `must be a non-negative integer or percentage, got ${v}`);
    return v;
  }
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw invalid(field, `must be an integer or a percentage like "25%", got "${v}"`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge (rounded up) and maxUnavailable (rounded down); both 0 means maxUnavailable 1. */
export function surgeAndUnavailable(d: Deployment): {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
} {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return { maxSurge: 0, maxUnavailable: replicas };
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge ?? '25%', replicas, true, 'spec.strategy.rollingUpdate.maxSurge');
  let maxUnavailable = scaledValue(
    ru.maxUnavailable ?? '25%',
    replicas,
    false,
    'spec.strategy.rollingUpdate.maxUnavailable',
  );
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/** Revision number of a ReplicaSet (0 when unset). */
export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number(o.metadata.annotations?.[REVISION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

/** One ReplicaSet update: new size and/or annotations. */
export interface ScaleAction {
  readonly name: string;
  readonly replicas: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Deployment status fields the controller owns. */
export type DeploymentStatus = NonNullable<Deployment['status']>;

/** What one sync should do. */
export interface DeploymentPlan {
  /** The new ReplicaSet to create, if none matches the template. */
  readonly create: ReplicaSet | undefined;
  readonly scale: readonly ScaleAction[];
  /** Old, empty ReplicaSets beyond `revisionHistoryLimit`, oldest first. */
  readonly deleteOld: readonly string[];
  readonly revision: string;
  readonly status: DeploymentStatus;
}

/** Inputs of `planDeployment`. */
export interface DeploymentInputs {
  readonly deployment: Deployment;
  /** ReplicaSets controlled by the Deployment. */
  readonly replicaSets: readonly ReplicaSet[];
  /** Available pods of a ReplicaSet, as observed (never more than its spec.replicas is used). */
  readonly available: (rs: ReplicaSet) => number;
  readonly now: number;
}

const replicasOf = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;

function condition(
  type: string,
  status: WorkloadCondition['status'],
  reason: string,
  message: string,
  now: string,
  prev?: WorkloadCondition[],
): WorkloadCondition {
  const old = prev?.find((c) => c.type === type);
  const same = old?.status === status;
  return {
    type,
    status,
    lastUpdateTime: old && old.reason === reason && same ? (old.lastUpdateTime ?? now) : now,
    lastTransitionTime: same && old?.lastTransitionTime ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

/** Pure: the next step of a Deployment's rollout. */
export function planDeployment(input: DeploymentInputs): DeploymentPlan {
  const d = input.deployment;
  const name = d.metadata.name ?? '';
  const replicas = d.spec.replicas ?? 1;
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(d);
  const hash = templateHash(d.spec.template);
  const byAge = [...input.replicaSets].sort(
    (a, b) =>
      (Date.parse(a.metadata.creationTimestamp ?? '') || 0) -
        (Date.parse(b.metadata.creationTimestamp ?? '') || 0) ||
      ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1),
  );
  const existingNew = byAge.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
  const olds = byAge.filter((rs) => rs !== existingNew);
  const maxOldRevision = Math.max(0, ...olds.map(revisionOf));
  const revision =
    existingNew && revisionOf(existingNew) > maxOldRevision
      ? String(revisionOf(existingNew))
      : d.spec.paused === true && !existingNew
        ? String(maxOldRevision) // paused: the new template gets no revision until resumed
        : String(maxOldRevision + 1);
  const annotations = {
    [REVISION]: revision,
    [DESIRED_REPLICAS]: String(replicas),
    [MAX_REPLICAS]: String(replicas + maxSurge),
  };
  const avail = (rs: ReplicaSet): number => Math.min(input.available(rs), replicasOf(rs));
  const scale: ScaleAction[] = [];
  const sizes = new Map<ReplicaSet, number>(byAge.map((rs) => [rs, replicasOf(rs)]));
  const total = (): number => [...sizes.values()].reduce((a, b) => a + b, 0) + (existingNew ? 0 : newSize);
  let newSize = existingNew ? replicasOf(existingNew) : 0;
  const recreate = d.spec.strategy?.type === 'Recreate';
  // A paused Deployment only scales (sync.go `sync`): no new ReplicaSet, no rollout step.
  const paused = d.spec.paused === true;

  // 1. The new ReplicaSet's size.
  const oldActive = olds.reduce((a, rs) => a + replicasOf(rs), 0);
  if (paused) {
    const active = byAge.filter((rs) => replicasOf(rs) > 0);
    const target = active.length <= 1 ? (active[0] ?? existingNew ?? byAge.at(-1)) : undefined;
    if (target) sizes.set(target, replicas);
    if (existingNew) newSize = sizes.get(existingNew) ?? newSize;
  } else if (recreate) {
    newSize = oldActive > 0 || olds.some((rs) => (rs.status?.replicas ?? 0) > 0) ? newSize : replicas;
  } else if (newSize > replicas || oldActive === 0) {
    newSize = replicas;
  } else if (newSize < replicas) {
    const room = replicas + maxSurge - total();
    if (room > 0) newSize += Math.min(room, replicas - newSize);
  }
  if (existingNew) sizes.set(existingNew, newSize);

  // 2. Old ReplicaSets: Recreate drops them at once; RollingUpdate keeps minAvailable.
  if (paused) {
    // sizes already set above
  } else if (recreate) {
    for (const rs of olds) sizes.set(rs, 0);
  } else if (!(existingNew ? newSize > replicasOf(existingNew) : newSize > 0)) {
    // Scale down only in a sync that did not scale the new ReplicaSet up (rolling.go).
    const minAvailable = replicas - maxUnavailable;
    const newUnavailable = existingNew ? replicasOf(existingNew) - avail(existingNew) : 0;
    let budget = total() - minAvailable - newUnavailable;
    // cleanupUnhealthyReplicas: unavailable old pods go first, they cost no availability.
    for (const rs of olds) {
      if (budget <= 0) break;
      const unhealthy = (sizes.get(rs) ?? 0) - avail(rs);
      const cut = Math.min(budget, Math.max(0, unhealthy));
      if (cut > 0) {
        sizes.set(rs, (sizes.get(rs) ?? 0) - cut);
        budget -= cut;
      }
    }
    // Then available old pods, as long as availability stays above minAvailable.
    const availableNow = byAge.reduce((a, rs) => a + Math.min(avail(rs), sizes.get(rs) ?? 0), 0);
    let surplus = Math.min(availableNow - minAvailable, Math.max(0, budget));
    for (const rs of olds) {
      if (surplus <= 0) break;
      const cut = Math.min(surplus, sizes.get(rs) ?? 0);
      sizes.set(rs, (sizes.get(rs) ?? 0) - cut);
      surplus -= cut;
    }
  }

  for (const rs of byAge) {
    const want = sizes.get(rs) ?? 0;
    const isNew = rs === existingNew;
    const wantAnn = isNew ? annotations : { [REVISION]: rs.metadata.annotations?.[REVISION] ?? '0' };
    const annChanged = Object.entries(wantAnn).some(([k, v]) => rs.metadata.annotations?.[k] !== v);
    if (want !== replicasOf(rs) || annChanged)
      scale.push({ name: rs.metadata.name ?? '', replicas: want, annotations: wantAnn });
  }

  let create: ReplicaSet | undefined;
  if (!existingNew && !paused) {
    const template = structuredClone(d.spec.template);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash },
    };
    create = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${name}-${hash}`,
        namespace: d.metadata.namespace ?? 'default',
        labels: { ...d.spec.template.metadata?.labels, [POD_TEMPLATE_HASH]: hash },
        annotations,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name,
            uid: d.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: newSize,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector: {
          ...d.spec.selector,
          matchLabels: { ...d.spec.selector.matchLabels, [POD_TEMPLATE_HASH]: hash },
        },
        template,
      },
    };
  }

  // 3. History: old ReplicaSets that are empty, beyond revisionHistoryLimit, oldest revision first.
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const empty = olds
    .filter((rs) => (sizes.get(rs) ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  const deleteOld = empty.slice(0, Math.max(0, empty.length - limit)).map((rs) => rs.metadata.name ?? '');

  // 4. Status (sync.go calculateStatus).
  const sum = (f: (rs: ReplicaSet) => number): number => byAge.reduce((a, rs) => a + f(rs), 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const updated = existingNew?.status?.replicas ?? 0;
  const total_ = sum((rs) => rs.status?.replicas ?? 0);
  const now = formatTime(input.now);
  const prev = d.status?.conditions;
  const rsName = existingNew?.metadata.name ?? create?.metadata.name ?? '';
  const complete =
    updated === replicas &&
    total_ === replicas &&
    available >= replicas &&
    (existingNew?.status?.observedGeneration ?? -1) >= (existingNew?.metadata.generation ?? 0);
  const conditions: WorkloadCondition[] = [
    available >= replicas - maxUnavailable
      ? condition(
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
          now,
          prev,
        )
      : condition(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          now,
          prev,
        ),
    paused
      ? condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now, prev)
      : complete
        ? condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
            now,
            prev,
          )
        : create
          ? condition(
              'Progressing',
              'True',
              'NewReplicaSetCreated',
              `Created new replica set "${rsName}"`,
              now,
              prev,
            )
          : condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${rsName}" is progressing.`,
              now,
              prev,
            ),
  ];
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: total_,
    updatedReplicas: updated,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total_ - available, replicas - available),
    conditions,
  };
  return { create, scale, deleteOld, revision, status };
}
