/**
 * Namespace references: a name under /run/netns (as `ip netns` uses) or an absolute path to a
 * namespace file (`/proc/PID/ns/net`, CNI_NETNS). Pure, no I/O.
 */
import { invalid } from '../errors/index.js';

/** Where named network namespaces are bind-mounted (iproute2's NETNS_RUN_DIR). */
export const NETNS_RUN_DIR = '/run/netns';

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Throws `invalid(field, …)` unless `name` is a usable namespace name. */
export function validateNetnsName(name: string, field = 'netns'): void {
  if (typeof name !== 'string' || name.length === 0) throw invalid(field, 'must be a non-empty name');
  if (name.length > 255) throw invalid(field, `must be at most 255 characters, got ${name.length}`);
  if (name === '.' || name === '..' || !NAME.test(name)) {
    throw invalid(field, `must use only letters, digits, "_", "." and "-", got "${name}"`);
  }
}

/**
 * The file of a namespace reference: absolute paths are returned as they are, names map to
 * `/run/netns/NAME`. Throws `invalid` for a malformed name.
 */
export function netnsPath(ref: string): string {
  if (ref.startsWith('/')) {
    if (ref.split('/').includes('..')) throw invalid('netns', `path must not contain "..", got "${ref}"`);
    return ref;
  }
  validateNetnsName(ref);
  return `${NETNS_RUN_DIR}/${ref}`;
}
