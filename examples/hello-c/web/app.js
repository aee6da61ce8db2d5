// The page of the Hello app. window.atrium is there before this runs:
// libatrium injects it into the app's own pages.
const { atrium } = window;
const $ = (id) => document.getElementById(id);

// C → page, every second (the page fills in the first second itself).
$('clock').textContent = new Date().toTimeString().slice(0, 8);
atrium.on('hello.clock', (time) => { $('clock').textContent = time; });

// hello.greet runs on the main thread.
async function greet() {
  $('greeting').textContent = await atrium.call('hello.greet', $('name').value);
}
$('greet-form').addEventListener('submit', (e) => { e.preventDefault(); greet(); });

// hello.count_primes runs on a worker and reports progress with events.
atrium.on('hello.progress', (fraction) => { $('progress').value = fraction; });
let counting = null;
async function countPrimes(limit) {
  counting = atrium.call('hello.count_primes', limit);
  $('cancel').disabled = false;
  $('primes').textContent = 'Counting on a worker thread…';
  try {
    const count = await counting;
    $('progress').value = 1;
    $('primes').textContent =
      `There are ${count.toLocaleString('en')} primes below ${limit.toLocaleString('en')}.`;
  } catch (e) {
    $('primes').textContent = `${e.code}: ${e.message}`;
  } finally {
    $('cancel').disabled = true;
  }
}
$('count').addEventListener('click', () => countPrimes(2000000));
$('cancel').addEventListener('click', () => counting?.cancel());

// hello.system_info is async: C reads a file without blocking the window.
async function systemInfo() {
  const info = await atrium.call('hello.system_info');
  $('system').textContent = `${info.os} · libatrium ${info.atrium} · GTK ${info.gtk}`;
  return info;
}

// page → C → page: emit hello.wave, C answers this window with hello.waved.
function wave() {
  const answer = new Promise((resolve) => atrium.once('hello.waved', resolve));
  atrium.emit('hello.wave', 'the page');
  return answer;
}
atrium.on('hello.waved', (data) => {
  $('waved').textContent = `${data.message} (wave #${data.count})`;
});
$('wave').addEventListener('click', wave);

// Deep links: hello://greet/Ada greets Ada. One given with the launch waits
// in libatrium until this listener is added, so none is lost.
atrium.on('atrium:app.open-url', ({ url }) => {
  const link = new URL(url);
  $('info').textContent = `Opened ${url}`;
  console.log(`hello opened ${url}`);
  if (link.host === 'greet' && link.pathname.length > 1) {
    $('name').value = decodeURIComponent(link.pathname.slice(1));
    greet();
  }
});

async function start() {
  await greet();
  await countPrimes(100000);
  const info = await systemInfo();
  const waved = await wave();
  // The tests look for this line.
  console.log(`hello ready: call ok (libatrium ${info.atrium}), event ok (wave #${waved.count})`);
}

// `hello --screenshot` waits for this (a test hook; see hello-screenshot.c).
window.atriumReady = start();
