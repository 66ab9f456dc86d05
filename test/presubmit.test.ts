/**
 * Conventions as tests (docs/architecture.md §2): the dependency arrow points down only — `lib/` imports
 * nothing else from the repo and components never import each other — and every top-level
 * component folder carries a README.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const components = ['cni', 'proxy', 'dns', 'ingress', 'lb', 'controlplane'];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith('.ts')) out.push(path);
  }
  return out;
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const spec = m[1];
    if (spec) found.push(relative(root, resolve(dirname(file), spec)));
  }
  return found;
}

function topFolder(path: string): string {
  return path.split('/')[0] ?? '';
}

describe('presubmit', () => {
  it('lib/ imports nothing outside lib/ (its tests may use test/harness)', () => {
    const bad = sourceFiles(join(root, 'lib')).flatMap((file) =>
      relativeImports(file)
        .filter((target) => topFolder(target) !== 'lib')
        .filter((target) => !(file.endsWith('.test.ts') && target.startsWith('test/harness/')))
        // until the API server's test support moves to test/harness/cluster/ (issue 11)
        .filter(
          (target) => !(file.endsWith('.test.ts') && target === 'controlplane/apiserver/test-helpers.js'),
        )
        .map((target) => `${relative(root, file)} → ${target}`),
    );
    expect(bad).toEqual([]);
  });

  it('components import only lib/ and themselves', () => {
    const bad = components.flatMap((component) =>
      sourceFiles(join(root, component))
        .filter((file) => !file.endsWith('.test.ts'))
        .flatMap((file) =>
          relativeImports(file)
            .filter((target) => ![component, 'lib'].includes(topFolder(target)))
            .map((target) => `${relative(root, file)} → ${target}`),
        ),
    );
    expect(bad).toEqual([]);
  });

  it('no library or component code imports test/ or bench/ (only cli, tests and benches do)', () => {
    const bad = [...components, 'lib'].flatMap((folder) =>
      sourceFiles(join(root, folder))
        .filter((file) => !file.endsWith('.test.ts'))
        .flatMap((file) =>
          relativeImports(file)
            .filter((target) => topFolder(target) === 'test' || topFolder(target) === 'bench')
            .map((target) => `${relative(root, file)} → ${target}`),
        ),
    );
    expect(bad).toEqual([]);
  });

  it('every top-level component that exists has a README.md', () => {
    const missing = [...components, 'lib']
      .filter((c) => existsSync(join(root, c)))
      .filter((c) => !existsSync(join(root, c, 'README.md')));
    expect(missing).toEqual([]);
  });
});
