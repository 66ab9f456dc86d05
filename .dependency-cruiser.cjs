/**
 * The dependency rules of docs/architecture.md §2, checked by dependency-cruiser
 * (test/presubmit.test.ts runs it and expects no violation).
 *
 * Layers, top to bottom: cli (the `switchyard` command; may import anything, bench included)
 * → components → lib. A component is a top-level data-plane folder (cni, proxy, dns, ingress,
 * lb, overlay), the lab (product glue the CLI drives: it imports only lib and runs the control
 * plane as child processes) or one folder under controlplane/ (apiserver, store, scheduler,
 * controllers, …). Tests, test/ and bench/ sit beside the layers and may use any of them.
 */

/** A component folder; the capture group names it, so `$1` in a `to` means "the same one". */
const component = '^(cni|proxy|dns|ingress|lb|overlay|lab|controlplane/[^/]+)/';
/** Test code: unit and kernel tests, the cross-component tests and their harness, benchmarks. */
const testCode = ['\\.test\\.ts$', '^test/', '^bench/', '(^|/)testing/'];

module.exports = {
  forbidden: [
    {
      name: 'lib-is-the-bottom',
      comment: 'lib/ imports only lib/ (its tests may also use test/harness).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(?!lib/)[^/]+/', pathNot: ['^node_modules/', '^test/harness/'] },
    },
    {
      name: 'components-are-independent',
      comment:
        'A component imports lib/ and itself, never another component: two components meet ' +
        'through the API server or a protocol whose types live in lib/. Tests that span ' +
        'components may (they are the scenarios of docs/architecture.md §2).',
      severity: 'error',
      from: { path: component, pathNot: testCode },
      to: { path: component, pathNot: ['^$1/', '^controlplane/store/'] },
    },
    {
      name: 'the-store-belongs-to-the-apiserver',
      comment:
        "controlplane/store is the API server's storage layer, not a process: only the API " +
        'server (and tests and benchmarks) import it.',
      severity: 'error',
      from: { pathNot: ['^controlplane/(apiserver|store)/', ...testCode] },
      to: { path: '^controlplane/store/' },
    },
    {
      name: 'components-import-no-cli-or-bench',
      comment: 'Components and lib/ sit below the CLI and never import it or a benchmark.',
      severity: 'error',
      from: { path: [component, '^lib/'] },
      to: { path: '^(cli|bench|scripts)/' },
    },
    {
      name: 'product-code-imports-no-tests',
      comment: 'Only tests, test/ and bench/ import test/ or a testing/ folder.',
      severity: 'error',
      from: { pathNot: testCode },
      to: { path: ['^test/', '(^|/)testing/'] },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'Every package imported is declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'product-code-uses-no-dev-dependency',
      comment: 'devDependencies (vitest, esbuild, the official client, …) are for tests and scripts only.',
      severity: 'error',
      from: { pathNot: [...testCode, '^scripts/', '^[^/]+\\.ts$'] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or a package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: '^node_modules/' },
    // node_modules is a symbolic link in worktrees; keep its paths as written.
    preserveSymlinks: true,
    exclude: { path: '^(dist|\\.switchyard)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages through their `exports` maps, as Node does.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    skipAnalysisNotInRules: true,
  },
};
