/**
 * Escalation prevention (pkg/registry/rbac/validation/rule.go ConfirmNoEscalation and the
 * policybased storages of the four kinds): nobody writes a role granting, or a binding to a role
 * holding, a permission they do not hold themselves — unless they may `escalate` that role or
 * `bind` that role, or are in system:masters. Pure: the caller passes the decisions and rules.
 */
import type { PolicyRule } from '../../../lib/api/rbac-v1.js';
import type { Identity } from './rule-match.js';

const has = (list: readonly string[] | undefined, v: string): boolean => list?.includes(v) ?? false;
const hasAll = (set: readonly string[] | undefined, items: readonly string[] | undefined): boolean =>
  (items ?? []).every((i) => has(set, i));

/** Splits a rule into atoms: one group, resource, verb (and name) each, or one URL and verb. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        else
          for (const name of names)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function resourceCoversAll(
  set: readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): boolean {
  if (has(set, '*') || hasAll(set, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(set, path)) continue;
    const slash = path.indexOf('/');
    // A subresource is also covered by `*/<subresource>`.
    if (slash === -1 || !has(set, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlCovers(owner: string, wanted: string): boolean {
  return owner === wanted || (owner.endsWith('*') && wanted.startsWith(owner.replace(/\*+$/, '')));
}

/** Whether `owner` grants everything the atom `sub` does. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((u) =>
    (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, u)),
  );
  const ownerNames = owner.resourceNames ?? [];
  const names =
    (sub.resourceNames ?? []).length === 0
      ? ownerNames.length === 0
      : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resources && urls && names;
}

/** The atoms of `wanted` that no rule of `owner` covers (empty: `owner` covers `wanted`). */
export function uncovered(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of wanted) {
    for (const atom of breakdownRule(rule)) {
      if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
    }
  }
  return missing;
}

/**
 * Merges atoms on one group and resource (and at most one name) into one rule with all their
 * verbs, as rbac's CompactRules does for the error message.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const names = r.resourceNames ?? [];
    const isSimple =
      names.length <= 1 &&
      (r.nonResourceURLs ?? []).length === 0 &&
      (r.apiGroups ?? []).length === 1 &&
      (r.resources ?? []).length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups?.[0], r.resources?.[0], names[0] ?? null]);
    const have = simple.get(key);
    if (have) have.verbs.push(...r.verbs);
    else simple.set(key, { ...structuredClone(r), verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** Go's `%q` of a []string: `["a" "b"]`. */
function quoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** rbac's CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length > 0) parts.push(`APIGroups:${quoteList(r.apiGroups ?? [])}`);
  if ((r.resources ?? []).length > 0) parts.push(`Resources:${quoteList(r.resources ?? [])}`);
  if ((r.nonResourceURLs ?? []).length > 0)
    parts.push(`NonResourceURLs:${quoteList(r.nonResourceURLs ?? [])}`);
  if ((r.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${quoteList(r.resourceNames ?? [])}`);
  if (r.verbs.length > 0) parts.push(`Verbs:${quoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * The message of a refused grant, or undefined when `ownerRules` cover `wanted`:
 * `user "u" (groups=["a" "b"]) is attempting to grant RBAC permissions not currently held:`
 * followed by one sorted line per missing (compacted) rule.
 */
export function escalationMessage(
  user: Identity,
  ownerRules: readonly PolicyRule[],
  wanted: readonly PolicyRule[],
  resolutionErrors: readonly string[] = [],
): string | undefined {
  const missing = uncovered(ownerRules, wanted);
  if (missing.length === 0) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user "${user.name}" (groups=${quoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (resolutionErrors.length > 0) msg += `; resolution errors: [${resolutionErrors.join(' ')}]`;
  return msg;
}

/** `*` on `*.*` and on every URL: what an aggregationRule needs (it can gather anything). */
export const FULL_AUTHORITY: readonly PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];
