// @ts-check
/// <reference path="../../assets/runtime/atrium.d.ts" />
//
// The vanilla example: window.atrium is injected by Atrium before this
// script runs, so there is nothing to import. The reference above gives
// editors its types (see README.md).

const { atrium } = window;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Shows a result, green or red. */
function show(/** @type {string} */ id, /** @type {string} */ text, ok = true) {
  const out = $(id);
  out.textContent = text;
  out.className = 'result ' + (ok ? 'ok' : 'bad');
}

// --- a call ---
$('echo-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = /** @type {HTMLInputElement} */ ($('echo-input')).value;
  const reply = await atrium.call('echo', text);
  show('echo-output', `C replied: ${JSON.stringify(reply)}`);
});

// --- events both ways ---
let pings = 0;
atrium.on('demo.pong', (data) => {
  show('pong-output', `demo.pong #${data.n} came back after ${(performance.now() - data.at).toFixed(2)} ms`);
});
function ping() {
  return atrium.emit('demo.ping', { n: ++pings, at: performance.now() });
}
$('ping').addEventListener('click', ping);

// --- a stream of events from a C worker ---
const bars = $('bars');
atrium.on('vanilla.tick', (data) => {
  const bar = document.createElement('span');
  bar.style.height = `${20 + ((data.seq * 37) % 80)}%`;
  bars.append(bar);
});
$('stream').addEventListener('click', async () => {
  bars.replaceChildren();
  await atrium.call('demo.emit', 'vanilla.tick', 8, 0);
});

// --- errors and cancelling ---
$('fail').addEventListener('click', async () => {
  try {
    await atrium.call('demo.fail', 'something went wrong in C');
  } catch (e) {
    if (!(e instanceof atrium.AtriumError)) throw e;
    show('error-output', `${e.name} ${e.code}: ${e.message}`, false);
  }
});
/** @type {ReturnType<typeof atrium.call> | null} */
let sleeping = null;
$('sleep').addEventListener('click', async () => {
  sleeping = atrium.call('demo.sleep', 5000);
  /** @type {HTMLButtonElement} */ ($('cancel')).disabled = false;
  show('error-output', 'sleeping on a worker thread…');
  try {
    show('error-output', `slept ${await sleeping} ms`);
  } catch (e) {
    if (!(e instanceof atrium.AtriumError)) throw e;
    show('error-output', `${e.code}: ${e.message}`, false);
  } finally {
    /** @type {HTMLButtonElement} */ ($('cancel')).disabled = true;
  }
});
$('cancel').addEventListener('click', () => sleeping?.cancel());

// --- start-up: one call and one event round trip, then fill the page ---
async function start() {
  const version = await atrium.call('app.version');
  $('version').textContent = String(version);

  const pong = new Promise((resolve) => atrium.once('demo.pong', resolve));
  await ping();
  const data = await pong;

  const reply = await atrium.call('echo', 'Hello from JavaScript');
  show('echo-output', `C replied: ${JSON.stringify(reply)}`);
  const streamed = new Promise((resolve) => {
    const off = atrium.on('vanilla.tick', (tick) => { if (tick.seq === 7) { off(); resolve(tick); } });
  });
  await atrium.call('demo.emit', 'vanilla.tick', 8, 0);
  await streamed;

  // The tests look for this line (atrium --log-console prints it).
  console.log(`vanilla example ready: call ok (libatrium ${version}), event ok (pong #${data.n})`);
}

// atrium --screenshot waits for this before it takes the picture.
window.atriumReady = start().catch((e) => {
  console.error('vanilla example failed:', e);
  throw e;
});
