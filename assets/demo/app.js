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

// The Window card: atrium.window on this page's own window. Its size and
// state come back as events (atrium:window.resized, atrium:window.state).
async function setUpWindow() {
  const win = atrium.window;
  const state = { maximized: false, fullscreen: false };
  const showSize = ({ width, height }) => { $('window-size').textContent = `${width} × ${height}`; };
  const showState = () => {
    $('window-state').textContent = state.fullscreen ? 'content size, fullscreen'
      : state.maximized ? 'content size, maximised' : 'content size';
    $('window-maximize').textContent = state.maximized ? 'Unmaximise' : 'Maximise';
    $('window-fullscreen').textContent = state.fullscreen ? 'Leave fullscreen' : 'Fullscreen';
  };
  const report = (text, ok = true) => show('window-output', text, ok);
  const attempt = async (what, f) => {
    try { await f(); } catch (e) { report(`${what}: ${e.code}: ${e.message}`, false); }
  };

  atrium.on('atrium:window.resized', showSize);
  atrium.on('atrium:window.state', (s) => { Object.assign(state, s); showState(); });
  $('title-form').addEventListener('submit', (event) => {
    event.preventDefault();
    attempt('setTitle', async () => {
      await win.setTitle($('title-input').value);
      report(`The title is now ${JSON.stringify(await win.getTitle())}`);
    });
  });
  $('window-maximize').addEventListener('click', () =>
    attempt('maximize', () => (state.maximized ? win.unmaximize() : win.maximize())));
  $('window-fullscreen').addEventListener('click', () =>
    attempt('fullscreen', () => (state.fullscreen ? win.unfullscreen() : win.fullscreen())));
  $('window-open').addEventListener('click', () => attempt('open', async () => {
    const id = await win.open('/frameless.html',
                              { title: 'Frameless', width: 520, height: 320, frameless: true });
    report(`Opened frameless window ${id}; ${(await win.list()).length} windows are open`);
  }));
  win.onCloseRequested((event) => {
    if ($('window-dirty').checked) {
      event.preventDefault();
      report('Kept open: there are unsaved changes (untick the box to close)', false);
    }
  });

  showSize(await win.getSize());
  report(`Window ${await win.current()}, theme ${await atrium.theme.get()}`);
}

// The Screens card: the window's monitor, and the list when it changes.
async function setUpScreens() {
  const render = async () => {
    const screens = await atrium.screen.list();
    const here = (await atrium.screen.current()) ?? screens[0];
    if (here) {
      $('screen-size').textContent = `${here.width}×${here.height}`;
      $('screen-detail').textContent = `${here.name || 'screen'} at ${here.scale}×` +
        (here.primary ? ', primary' : '');
    }
    show('screen-output', screens.map((s) => `${s.name || 'screen'}: ${s.width}×${s.height}+${s.x}+${s.y}, ` +
      `work area ${s.workArea.width}×${s.workArea.height}`).join('\n'));
  };
  atrium.on('atrium:screen.changed', render);
  await render();
}

// The Notifications card: buttons on the notification come back as
// atrium:notification.action.
function setUpNotifications() {
  let shown = 0;
  const report = (text, ok = true) => show('notify-output', text, ok);
  atrium.on('atrium:notification.action', ({ id, action }) =>
    report(`Clicked ${action === 'default' ? 'the notification' : `“${action}”`} on ${id}`));
  $('notify-show').addEventListener('click', async () => {
    try {
      const id = await atrium.notification.show({
        id: 'demo', title: 'Hello from Atrium', body: `Notification ${++shown}, sent from the page`,
        icon: 'dialog-information', actions: [{ id: 'like', label: 'Like' }, { id: 'dismiss', label: 'Dismiss' }],
      });
      report(`Showing ${id}`);
    } catch (e) {
      report(`${e.code}: ${e.message}`, false);
    }
  });
  $('notify-close').addEventListener('click', async () =>
    report((await atrium.notification.close('demo')) ? 'Withdrawn' : 'Nothing to withdraw'));
  report('Its buttons answer here');
}

// The Printing card.
function setUpPrinting() {
  const report = (text, ok = true) => show('print-output', text, ok);
  $('print-dialog').addEventListener('click', async () => {
    try {
      report((await atrium.print()) ? 'Printed' : 'Not printed: the dialog was cancelled');
    } catch (e) {
      report(`${e.code}: ${e.message}`, false);
    }
  });
  $('print-pdf').addEventListener('click', async () => {
    try {
      const folder = (await atrium.path.downloads()) ?? (await atrium.path.temp());
      const path = `${folder}/atrium-demo.pdf`;
      await atrium.print.toPdf(path, { paperSize: 'a4' });
      report(`Wrote ${path}`);
    } catch (e) {
      report(`${e.code}: ${e.message}`, false);
    }
  });
  report('A4, portrait, into the downloads folder');
}

$('echo-form').addEventListener('submit', (event) => {
  event.preventDefault();
  echoInput();
});
$('latency-again').addEventListener('click', measure);

setUpNotifications();
setUpPrinting();
await Promise.all([showVersion(), echoInput(), echoStructured(), showError(), setUpWindow(),
                   setUpScreens()]);
await measure();
