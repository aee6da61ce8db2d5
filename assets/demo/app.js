// The demo frontend: every number and answer on the page comes from C.
const $ = (id) => document.getElementById(id);

function show(id, text, ok = true) {
  const el = $(id);
  el.textContent = text;
  el.className = 'output ' + (ok ? 'ok' : 'err');
}

async function showVersion() {
  const version = await atrium.call('app.version');
  $('version').textContent = `libatrium ${version}`;
}

async function echoInput() {
  const text = $('echo-input').value;
  try {
    const answer = await atrium.call('echo', text);
    show('echo-output', `C answered: ${JSON.stringify(answer)}`, answer === text);
  } catch (e) {
    show('echo-output', `${e.code}: ${e.message}`, false);
  }
}

async function echoStructured() {
  const value = { id: 42, ratio: 0.75, tags: ['gtk', 'webkit', 'c'], nested: { ok: true, none: null } };
  const answer = await atrium.call('echo', value);
  const same = JSON.stringify(answer) === JSON.stringify(value);
  show('struct-output', JSON.stringify(answer, null, 1) + (same ? '\n✓ identical' : '\n✗ changed'), same);
}

async function measure() {
  const rounds = 100;
  const start = performance.now();
  for (let i = 0; i < rounds; i++)
    await atrium.call('echo', { i, text: 'ping' });
  $('latency').textContent = ((performance.now() - start) / rounds).toFixed(3);
}

async function showError() {
  try {
    await atrium.call('no.such.method', 1);
    show('error-output', 'unexpectedly resolved', false);
  } catch (e) {
    show('error-output', `rejected with code "${e.code}"\n${e.message}`, e.code === 'not-found');
  }
}

$('echo-form').addEventListener('submit', (event) => {
  event.preventDefault();
  echoInput();
});
$('latency-again').addEventListener('click', measure);

await Promise.all([showVersion(), echoInput(), echoStructured(), showError()]);
await measure();
