// The Vite + TypeScript example. Two imports:
//  - ./generated/atrium-bindings.js, written by `atrium --emit-js` (its types
//    by `atrium --emit-dts`): a typed wrapper per method the app binds;
//  - @atrium/runtime, the runtime as an ES module with its own types
//    (assets/runtime/atrium.mjs + atrium.d.ts in the Atrium tree).
import { app, demo, echo, AtriumError } from './generated/atrium-bindings.js';
import { on, once, emit, type AtriumEvent } from '@atrium/runtime';

import logoUrl from './assets/logo.svg';
import chimeUrl from './assets/chime.wav';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface Ping { n: number; at: number }

// --- assets ---
const logo = $<HTMLImageElement>('logo');
const chime = $<HTMLAudioElement>('chime');
logo.src = logoUrl;
chime.src = chimeUrl;

// Resolves with a description once the clip's metadata has loaded.
function mediaReady(): Promise<string> {
  if (chime.readyState >= HTMLMediaElement.HAVE_METADATA)
    return Promise.resolve(`chime.wav, ${chime.duration.toFixed(2)} s`);
  return new Promise((resolve, reject) => {
    chime.addEventListener('loadedmetadata',
      () => resolve(`chime.wav, ${chime.duration.toFixed(2)} s`), { once: true });
    chime.addEventListener('error',
      () => reject(new Error(`the clip did not load (code ${chime.error?.code})`)), { once: true });
  });
}

// --- a typed call: demo.sleep(ms: number) => number ---
$('sleep').addEventListener('click', async () => {
  const started = performance.now();
  const ms: number = await demo.sleep(300);
  $('sleep-out').textContent =
    `slept ${ms} ms on a C worker (${(performance.now() - started).toFixed(0)} ms round trip)`;
});

// --- events ---
let pings = 0;
on<Ping>('demo.pong', (data: Ping, event: AtriumEvent) => {
  $('ping-out').textContent = `${event.name} #${data.n} after ${(performance.now() - data.at).toFixed(2)} ms`;
});
function ping(): Promise<Ping> {
  const pong = new Promise<Ping>((resolve) => once<Ping>('demo.pong', resolve));
  emit('demo.ping', { n: ++pings, at: performance.now() } satisfies Ping);
  return pong;
}
$('ping').addEventListener('click', () => { ping(); });

async function start(): Promise<void> {
  const version: string = await app.version();
  $('version').textContent = version;

  // A typed error: demo.fail always rejects with code "failed".
  try {
    await demo.fail('expected');
  } catch (e) {
    if (!(e instanceof AtriumError) || e.code !== 'failed')
      throw e;
  }

  const echoed = await echo('round trip');
  const pong = await ping();
  const media = await mediaReady();
  await logo.decode();
  $('media-out').textContent = `${media} · logo.svg`;
  const slept: number = await demo.sleep(20);
  $('sleep-out').textContent = `slept ${slept} ms on a C worker`;

  // The tests look for this line (atrium --log-console prints it).
  console.log(`vite-ts example ready: call ok (${String(echoed)}, libatrium ${version}), ` +
              `event ok (pong #${pong.n}), media ok (${media})`);
}

// atrium --screenshot waits for this before it takes the picture.
window.atriumReady = start().catch((e: unknown) => {
  console.error('vite-ts example failed:', e);
  throw e;
});
