// Builds the page for meson (web/meson.build):
//   node tools/build-frontend.mjs SOURCE_ROOT OUT_DIR BINDINGS.d.ts BINDINGS.js
// copies the bindings the app wrote into web/generated/, type-checks the page
// with tsc, and has Vite build it into OUT_DIR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

if (process.argv.length !== 6) {
  console.error('usage: build-frontend.mjs SOURCE_ROOT OUT_DIR BINDINGS.d.ts BINDINGS.js');
  process.exit(2);
}
// Meson gives paths relative to the build folder, where this runs.
const [root, outDir, dts, js] = process.argv.slice(2).map((arg) => path.resolve(arg));

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
if (!existsSync(bin('vite')) || !existsSync(bin('tsc'))) {
  console.error(`${root}/node_modules is missing Vite or TypeScript: run \`make deps\` (npm ci) first`);
  process.exit(1);
}

// Written only when they changed, so a running dev server does not reload
// for nothing.
const generated = path.join(root, 'web', 'generated');
mkdirSync(generated, { recursive: true });
for (const file of [dts, js]) {
  const target = path.join(generated, path.basename(file));
  const text = readFileSync(file, 'utf8');
  if (!existsSync(target) || readFileSync(target, 'utf8') !== text)
    writeFileSync(target, text);
}

const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${path.basename(command)} failed`);
    process.exit(1);
  }
};
run(bin('tsc'), ['--noEmit', '-p', root]);
run(bin('vite'), ['build', root, '--outDir', outDir, '--emptyOutDir', 'false', '--logLevel', 'warn']);
