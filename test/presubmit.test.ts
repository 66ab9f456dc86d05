/**
 * Conventions as tests (docs/architecture.md §2). The dependency rules live in
 * .dependency-cruiser.cjs and are checked by dependency-cruiser over the whole repository; a
 * fixture tree that breaks every rule proves each one still fires. Every component folder has
 * the files of its kind's skeleton (the table below).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult, type IForbiddenRuleType, type IOptions } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** The repository's rules, as `depcruise --config .dependency-cruiser.cjs` reads them. */
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as {
  readonly forbidden: readonly IForbiddenRuleType[];
  readonly options: IOptions;
};

/** Each violation under `baseDir` as one line: `rule: from → to` (a cycle lists its path). */
async function violations(baseDir: string, paths: readonly string[]): Promise<string[]> {
  const result = await cruise(
    paths.filter((p) => existsSync(join(baseDir, p))),
    { ...config.options, baseDir, ruleSet: { forbidden: [...config.forbidden] }, validate: true },
    {},
    { tsConfig: extractTSConfig(join(baseDir, 'tsconfig.json')) },
  );
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => {
    const via = v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : '';
    return `${v.rule.name}: ${v.from} → ${v.to}${via}`;
  });
}

/** Everything with code in it: the layers, tests, benchmarks, build scripts, top-level config. */
const codeRoots = [
  'lib',
  'cni',
  'proxy',
  'dns',
  'ingress',
  'lb',
  'overlay',
  'lab',
  'controlplane',
  'cli',
  'test',
  'bench',
  'scripts',
  'vitest.config.ts',
];

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('hold over the repository', async () => {
    const found = await violations(root, codeRoots);
    if (found.length > 0) console.error(`dependency rules broken:\n${found.join('\n')}`);
    expect(found).toEqual([]);
  }, 180_000);

  describe('fire on a tree that breaks each of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-depcruise-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };

    it('reports every rule', async () => {
      write(
        'package.json',
        JSON.stringify({ name: 'fixture', type: 'module', devDependencies: { dev: '1' } }),
      );
      write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'nodenext', allowJs: true } }));
      for (const pkg of ['dev', 'undeclared']) {
        write(`node_modules/${pkg}/package.json`, JSON.stringify({ name: pkg, main: 'index.js' }));
        write(`node_modules/${pkg}/index.js`, 'export const x = 1;\n');
      }
      write('lib/util.ts', "import { a } from '../cni/a.js';\nexport const util = a;\n");
      write('lib/util.test.ts', "import { h } from '../test/harness/h.js';\nexport const t = h;\n");
      write('cni/a.ts', "import { s } from '../controlplane/scheduler/s.js';\nexport const a = s;\n");
      write(
        'controlplane/scheduler/s.ts',
        "import { c } from '../controllers/c.js';\nimport { store } from '../store/index.js';\nexport const s = c + store;\n",
      );
      write('controlplane/store/index.ts', 'export const store = 1;\n');
      write(
        'controlplane/apiserver/api.ts',
        "import { store } from '../store/index.js';\nexport const api = store;\n",
      );
      write(
        'controlplane/controllers/c.ts',
        "import { h } from '../../test/harness/h.js';\nexport const c = h;\n",
      );
      write(
        'controlplane/controllers/testing/f.ts',
        "import { h } from '../../../test/harness/h.js';\nexport const f = h;\n",
      );
      write(
        'controlplane/controllers/c.test.ts',
        "import { f } from './testing/f.js';\nexport const t = f;\n",
      );
      write('test/harness/h.ts', 'export const h = 1;\n');
      write('lab/x.ts', "import { y } from './y.js';\nexport const x = () => y;\n");
      write(
        'lab/y.ts',
        "import { x } from './x.js';\nimport { z } from './gone.js';\nexport const y = () => x + z;\n",
      );
      write(
        'lab/pkg.ts',
        "import { x } from 'dev';\nimport { x as u } from 'undeclared';\nexport const p = x + u;\n",
      );
      write('lab/bench-user.ts', "import { b } from '../bench/b.js';\nexport const l = b;\n");
      write('bench/b.ts', "import { h } from '../test/harness/h.js';\nexport const b = h;\n");

      const found = await violations(dir, ['lib', 'cni', 'controlplane', 'lab', 'test', 'bench']);
      expect(found.sort()).toEqual([
        'components-are-independent: cni/a.ts → controlplane/scheduler/s.ts',
        'components-are-independent: controlplane/scheduler/s.ts → controlplane/controllers/c.ts',
        'components-import-no-cli-or-bench: lab/bench-user.ts → bench/b.ts',
        'lib-is-the-bottom: lib/util.ts → cni/a.ts',
        'no-circular: lab/x.ts → lab/y.ts (lab/y.ts → lab/x.ts)',
        'no-non-package-json: lab/pkg.ts → node_modules/undeclared/index.js',
        'not-to-unresolvable: lab/y.ts → ./gone.js',
        'product-code-imports-no-tests: controlplane/controllers/c.ts → test/harness/h.ts',
        'product-code-uses-no-dev-dependency: lab/pkg.ts → node_modules/dev/index.js',
        'the-store-belongs-to-the-apiserver: controlplane/scheduler/s.ts → controlplane/store/index.ts',
      ]);
      // Every rule of the configuration is among them, so none of them is dead.
      const fired = new Set(found.map((line) => line.slice(0, line.indexOf(':'))));
      expect(config.forbidden.map((r) => r.name).filter((name) => !fired.has(name ?? ''))).toEqual([]);
    }, 60_000);
  });
});

/**
 * The files every component of a kind must have (docs/architecture.md §2, "A component's
 * files"); add a row for a new kind, or a folder to `componentKinds`.
 */
const skeletons = {
  /** Any component: what it does, and its public surface. */
  component: ['README.md', 'index.ts'],
  /** A long-running data-plane agent: flags → config → model → pure plan → thin apply. */
  agent: ['README.md', 'index.ts', 'main.ts', 'config.ts', 'model.ts', 'plan.ts', 'plan.test.ts', 'apply.ts'],
} as const;

/** Component folders and their kinds; every folder under controlplane/ is a component too. */
const componentKinds: Record<string, keyof typeof skeletons> = {
  cni: 'component',
  lab: 'component',
  proxy: 'agent',
  dns: 'agent',
  ingress: 'agent',
  lb: 'agent',
  overlay: 'agent',
  'controlplane/kubelet': 'agent',
};

function components(): [string, keyof typeof skeletons][] {
  const controlplane = join(root, 'controlplane');
  const planes = existsSync(controlplane)
    ? readdirSync(controlplane).filter((d) => statSync(join(controlplane, d)).isDirectory())
    : [];
  return [
    ...Object.entries(componentKinds),
    ...planes.map((d): [string, keyof typeof skeletons] => [`controlplane/${d}`, 'component']),
  ].filter(([folder]) => existsSync(join(root, folder)));
}

describe('component folders', () => {
  it('each has the files of its skeleton', () => {
    const missing = components().flatMap(([folder, kind]) =>
      skeletons[kind]
        .filter((file) => !existsSync(join(root, folder, file)))
        .map((file) => `${folder}/${file}`),
    );
    expect(missing).toEqual([]);
  });

  it('lib/ and controlplane/ have a README.md too', () => {
    const missing = ['lib', 'controlplane']
      .filter((folder) => existsSync(join(root, folder)))
      .filter((folder) => !existsSync(join(root, folder, 'README.md')));
    expect(missing).toEqual([]);
  });
});
