import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleEntry, bundlePath } from '../../controlplane/apiserver/testing/child-server.js';
import { runApiserverBench } from './runner.js';

const bundle = bundlePath('cli');

afterAll(() => rmSync(bundle, { force: true }));

const METRICS = [
  'creates',
  'create p99',
  'LIST 100 pods',
  'watch delivery p50 (from the 201)',
  'watch delivery p99 (from the 201)',
  'watch delivery p99 (from write sent)',
  'watch events delivered',
  'server resident memory',
];

describe('bench apiserver (small sizes)', () => {
  it('measures embedded and etcd side by side in this process', async () => {
    const lines: string[] = [];
    const r = await runApiserverBench({
      writers: 4,
      creates: 60,
      warmUp: 20,
      listPods: 100,
      watchers: 5,
      events: 40,
      log: (l) => lines.push(l),
    });
    expect(r.rows.map((x) => x.metric)).toEqual(METRICS);
    for (const row of r.rows) {
      expect(Number.isFinite(row.ours)).toBe(true);
      expect(Number.isFinite(row.reference)).toBe(true);
    }
    expect(r.rows[0]?.ours).toBeGreaterThan(0);
    const delivered = r.rows.find((x) => x.metric === 'watch events delivered');
    expect([delivered?.ours, delivered?.reference]).toEqual([1, 1]);
    expect(lines.filter((l) => l.includes('5 watchers × 40 events: 200/200 delivered'))).toHaveLength(2);
  });

  it('runs the servers as `switchyard apiserver` child processes when given a command', async () => {
    await bundleEntry(
      'cli',
      "import { apiserverCommand } from '../../cli/commands/apiserver.ts';\n" +
        'process.exitCode = await apiserverCommand.run(process.argv.slice(3), { root: process.cwd(), stdout: process.stdout, stderr: process.stderr });\n',
    );
    const r = await runApiserverBench({
      writers: 2,
      creates: 20,
      warmUp: 10,
      listPods: 100,
      watchers: 2,
      events: 10,
      serverCommand: [process.execPath, bundle],
    });
    const rss = r.rows.find((x) => x.metric === 'server resident memory');
    expect(rss?.ours).toBeGreaterThan(20);
    expect(rss?.reference).toBeGreaterThan(20);
    expect(r.notes.join(' ')).toContain('child processes');
  });
});
