// Builds the page for meson (web/meson.build):
//   node tools/build-frontend.mjs SOURCE_ROOT OUT_DIR BINDINGS.d.ts BINDINGS.js DEPFILE TARGET
// copies the bindings the app wrote into web/generated/, type-checks the page
// with tsc, has Vite build it into OUT_DIR, and lists what it read in
// DEPFILE, so that an edit to any file of web/ rebuilds it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

if (process.argv.length !== 8) {
  console.error('usage: build-frontend.mjs SOURCE_ROOT OUT_DIR BINDINGS.d.ts BINDINGS.js DEPFILE TARGET');
  process.exit(2);
}
const target = process.argv[7];
// Meson gives paths relative to the build folder, where this runs.
const [root, outDir, dts, js, depfile] = process.argv.slice(2, 7).map((arg) => path.resolve(arg));

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

// Every file of web/ but the generated ones, and the files around it.
const inputs = ['index.html', 'vite.config.ts', 'tsconfig.json', 'package-lock.json']
  .map((name) => path.join(root, name));
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (file !== generated)
        walk(file);
    } else {
      inputs.push(file);
    }
  }
};
walk(path.join(root, 'web'));
// Make's rules, which ninja reads: a backslash before ' ' and '#', '$$' for '$'.
const escape = (file) => file.replace(/\$/g, '$$$$').replace(/([ #])/g, '\\$1');
writeFileSync(depfile, `${escape(target)}: ${inputs.map(escape).join(' ')}\n`);
