// Bundles the CLI and each CNI plugin into single files under dist/ with esbuild.
// Native packages stay external to the CLI; everything else is bundled so start-up loads one file.
// `node scripts/build.mjs --cni-out DIR` builds only the CNI plugins, into DIR (tests use it).
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

// CNI plugins: one self-contained CommonJS file each (no externals, no node_modules at run time),
// with a shebang, so a runtime can exec it from any bin dir. CommonJS because an extensionless
// file is normally loaded as CommonJS, which starts a little faster than ESM.
const cniPlugins = ['bridge', 'host-local', 'loopback', 'portmap'];

/**
 * The executable around a bundle: compiles it with a V8 code cache kept beside the plugin
 * (`.NAME.HASH.v8cache`, written at exit by the first call that had none), which saves the
 * compilation of the bundle and of every function an ADD runs: about 6 ms CPU per call on
 * Node 20 (cni/README.md). The name carries a hash of the code because V8 only checks the
 * source's length before trusting a cache. The cache is written where the plugin itself lives
 * (mode 0644, temporary name then rename(2)), so nobody who cannot replace the plugin can plant
 * one; an unwritable directory just means no cache. `require` falls back to
 * process.getBuiltinModule (Node >= 20.16) in case Node loads the file as ESM: the bundle only
 * requires node: builtins.
 */
function cniExecutable(name, code) {
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const body = JSON.stringify(`(function (require) {${code}\n})`);
  return `#!/usr/bin/env node
'use strict';
const req = typeof require === 'function' ? require : (id) => process.getBuiltinModule(id);
const { readFileSync, renameSync, writeFileSync } = req('node:fs');
const { Script } = req('node:vm');
const file = process.argv[1];
const cacheFile = \`\${file.slice(0, file.lastIndexOf('/') + 1)}.${name}.${hash}.v8cache\`;
let cachedData;
try { cachedData = readFileSync(cacheFile); } catch {}
const script = new Script(${body}, { filename: file, ...(cachedData ? { cachedData } : {}) });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = \`\${cacheFile}.\${process.pid}\`;
      writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
      renameSync(tmp, cacheFile);
    } catch {}
  });
}
script.runInThisContext()(req);
`;
}

async function buildCni(outDir) {
  mkdirSync(outDir, { recursive: true });
  // Caches of earlier builds (their hash no longer matches any plugin).
  for (const f of readdirSync(outDir)) if (f.endsWith('.v8cache')) rmSync(`${outDir}/${f}`, { force: true });
  await Promise.all(
    cniPlugins
      .filter((name) => existsSync(`${root}cni/${name}/main.ts`))
      .map(async (name) => {
        const outfile = `${outDir}/${name}`;
        const out = await build({
          entryPoints: [`${root}cni/${name}/main.ts`],
          bundle: true,
          write: false,
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          minify: true,
          legalComments: 'none',
          logLevel: 'warning',
        });
        writeFileSync(outfile, cniExecutable(name, out.outputFiles[0].text));
        chmodSync(outfile, 0o755);
      }),
  );
  // Without this marker, a plugin dir inside this repo ("type": "module") makes Node load the
  // extensionless bundles through the ESM loader, which costs ~7 ms CPU per call over CommonJS
  // (measured, cni/README.md). Installed copies (no package.json above them) load as CommonJS anyway.
  writeFileSync(`${outDir}/package.json`, '{ "type": "commonjs" }\n');
}

const cniOutFlag = process.argv.indexOf('--cni-out');
if (cniOutFlag !== -1) {
  await buildCni(process.argv[cniOutFlag + 1] ?? `${root}dist/cni`);
  process.exit(0);
}
const external = [
  'koffi',
  'netlink',
  'better-sqlite3',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  'etcd3',
  'execa',
  'prom-client',
  'yaml',
];

mkdirSync(`${root}dist`, { recursive: true });
rmSync(`${root}dist/chunks`, { recursive: true, force: true });
await build({
  entryPoints: { switchyard: `${root}cli/main.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  // Each command is a chunk loaded when it runs (cli/commands/index.ts), so a light command
  // does not load the heavy packages of another.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __syCreateRequire } from 'node:module'; const require = __syCreateRequire(import.meta.url);",
  },
});
// lib/cri reads its protocol at run time from beside the module that holds it (criProtoPath):
// the entry file or one of its chunks, so both directories get a copy.
for (const dir of [`${root}dist`, `${root}dist/chunks`]) {
  copyFileSync(`${root}lib/cri/cri-api.proto`, `${dir}/cri-api.proto`);
}
await buildCni(`${root}dist/cni`);
writeFileSync(`${root}dist/.stamp`, `${new Date().toISOString()}\n`);
