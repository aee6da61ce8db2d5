// make dev: Vite's dev server and the app loading it (--dev-url), together.
//   node tools/dev.mjs [APP OPTION…]      (make dev ARGS='--log-console')
// Edits to the page reload at once (Vite). When src/ or meson.build changes,
// the app is rebuilt, its typed bindings written again and the app
// relaunched; a build that fails leaves the running app alone. Ctrl+C (or the
// window closing) stops both.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const builddir = path.resolve(root, process.env.BUILDDIR ?? 'build');
const app = path.join(builddir, '{{NAME}}-dev');
const appArgs = process.argv.slice(2);

const log = (message) => console.log(`dev: ${message}`);

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => { console.error(`dev: ${command}: ${error.message}`); resolve(false); });
    child.on('exit', (code) => resolve(code === 0));
  });
}

// The app without its embedded page ({{NAME}}-dev), and the bindings it writes.
async function build() {
  if (!existsSync(path.join(builddir, 'build.ninja')) && !(await run('meson', ['setup', builddir])))
    return false;
  if (!(await run('meson', ['compile', '-C', builddir, '{{NAME}}-dev'])))
    return false;
  const tmp = await mkdtemp(path.join(os.tmpdir(), '{{NAME}}-bindings-'));
  try {
    const files = ['atrium-bindings.d.ts', 'atrium-bindings.js'];
    if (!(await run(app, ['--emit-dts', path.join(tmp, files[0]), '--emit-js', path.join(tmp, files[1])])))
      return false;
    const generated = path.join(root, 'web', 'generated');
    mkdirSync(generated, { recursive: true });
    for (const file of files) {
      const text = readFileSync(path.join(tmp, file), 'utf8');
      const target = path.join(generated, file);
      if (!existsSync(target) || readFileSync(target, 'utf8') !== text)
        writeFileSync(target, text);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return true;
}

let child = null;      // the app now running
let stopping = false;
let url = null;

function launch() {
  const current = spawn(app, ['--dev-url', url, ...appArgs], { cwd: root, stdio: 'inherit' });
  child = current;
  log(`app started (pid ${current.pid}) on ${url}`);
  current.on('exit', (code, signal) => {
    // An app stopped for a relaunch is not the end; one that quits is.
    if (current === child && !stopping) {
      log(`the app exited (${signal ?? code}): stopping`);
      shutdown(signal !== null ? 0 : code);
    }
  });
}

function stopApp() {
  const current = child;
  child = null;
  if (current === null || current.exitCode !== null || current.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    current.once('exit', resolve);
    current.kill('SIGTERM');
  });
}

let server = null;
const watchers = [];
let timer = null;
let rebuilding = false;
let again = false;

async function rebuild() {
  if (rebuilding) {
    again = true;
    return;
  }
  rebuilding = true;
  log('C sources changed: rebuilding');
  if (await build()) {
    if (!stopping) {
      await stopApp();
      if (!stopping)
        launch();
    }
  } else {
    log('the build failed: the app runs on as it was');
  }
  rebuilding = false;
  if (again && !stopping) {
    again = false;
    rebuild();
  }
}

async function shutdown(code) {
  if (stopping)
    return;
  stopping = true;
  clearTimeout(timer);
  for (const watcher of watchers)
    watcher.close();
  await stopApp();
  if (server !== null)
    await server.close();
  log('stopped');
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => shutdown(0));

if (!(await build())) {
  log('the first build failed');
  process.exit(1);
}
server = await createServer({
  root,
  configFile: path.join(root, 'vite.config.ts'),
  clearScreen: false,
});
await server.listen();
// Vite compiles a module the first time it is asked for. A page that asks
// for its entry while the server is still starting could be left with a
// module that never ran, and no error to show for it (the init tests saw
// it): the entry is compiled once before the app is launched.
try {
  await server.transformRequest('/web/main.ts');
} catch (error) {
  log(`web/main.ts does not compile yet: ${error.message}`);
}
url = server.resolvedUrls.local[0];
log(`vite on ${url}`);
if (!stopping)
  launch();

const changed = () => {
  clearTimeout(timer);
  timer = setTimeout(rebuild, 100);
};
watchers.push(watch(path.join(root, 'src'), changed));
watchers.push(watch(path.join(root, 'meson.build'), changed));
