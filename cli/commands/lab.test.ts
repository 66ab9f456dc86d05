import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { labCommands } from './lab.js';

function ctx() {
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  return { root: '/nonexistent', stdout: sink, stderr: sink };
}

function command(name: string) {
  const found = labCommands.find((c) => c.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

async function usageError(name: string, args: string[]): Promise<string> {
  try {
    await command(name).run(args, ctx());
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`${name} ${args.join(' ')} did not fail`);
}

describe('lab commands', () => {
  it('are the five of docs/architecture.md §3, each with usage text', () => {
    expect(labCommands.map((c) => c.name)).toEqual(['up', 'down', 'status', 'exec', 'lab clean']);
    for (const c of labCommands) expect(c.usage).toMatch(new RegExp(`^usage: switchyard ${c.name}`));
  });

  it('reject bad arguments with one line naming the flag or argument, before touching anything', async () => {
    expect(await usageError('up', ['--nodes', 'x'])).toBe('--nodes: must be an integer 1–89, got "x"');
    expect(await usageError('up', ['--lb-mode', 'ospf'])).toBe(
      '--lb-mode: must be "l2" or "bgp", got "ospf"',
    );
    expect(await usageError('up', ['--bogus'])).toBe('unknown flag --bogus');
    expect(await usageError('up', ['extra'])).toBe('up: unexpected argument "extra"');
    expect(await usageError('down', ['now'])).toBe('down: unexpected argument "now"');
    expect(await usageError('exec', [])).toBe('exec: missing TARGET (usage: switchyard exec TARGET -- CMD…)');
    expect(await usageError('exec', ['node-1', '--'])).toBe('exec: missing command after "--"');
    expect(await usageError('lab clean', ['--scope', 'foo-'])).toBe(
      '--scope: must start with "sy-", got "foo-"',
    );
  });
});
