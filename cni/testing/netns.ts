/** Namespaces for plugin kernel tests: each made with a unique `sy-` name and removed afterwards. */
import { execFileSync } from 'node:child_process';
import { createNetns, deleteNetns, netnsPath } from '../../lib/netns/index.js';

/** Creates a network namespace `name` with `lo` up; returns its path under /run/netns. */
export function addNetns(name: string): string {
  createNetns(name);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

/** Deletes a namespace; a missing one is fine. */
export function delNetns(name: string): void {
  deleteNetns(name, { ignoreMissing: true });
}

/** Runs `ip -json ARGS` in a namespace and parses it. */
export function ipJsonIn<T>(name: string, args: readonly string[]): T[] {
  const out = execFileSync('ip', ['-n', name, '-json', ...args], { encoding: 'utf8' }).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

/** Runs a command inside a namespace; returns its stdout. */
export function execIn(name: string, cmd: string, args: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8' });
}
