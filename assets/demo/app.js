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

// The Files and dialogs card: atrium.dialog and atrium.shell.
function setUpDialogs() {
  const report = (text, ok = true) => show('dialog-output', text, ok);
  let last = null;
  const attempt = (f) => async () => {
    try { await f(); } catch (e) { report(`${e.code}: ${e.message}`, false); }
  };
  $('dialog-open').addEventListener('click', attempt(async () => {
    const paths = await atrium.dialog.open({
      title: 'Open a file', multiple: true,
      filters: [{ name: 'Text', patterns: ['*.txt', '*.md'] }, { name: 'All files', patterns: ['*'] }],
    });
    if (paths) last = paths[0];
    report(paths ? paths.join('\n') : 'Cancelled');
  }));
  $('dialog-save').addEventListener('click', attempt(async () => {
    const path = await atrium.dialog.save({ title: 'Save a file', defaultName: 'notes.txt' });
    report(path ?? 'Cancelled');
  }));
  $('dialog-ask').addEventListener('click', attempt(async () => {
    const button = await atrium.dialog.message({
      kind: 'question', title: 'A question', message: 'Do you like native dialogs?',
      detail: 'The answer comes back to the page as the index of the button.',
      buttons: ['No', 'Yes'], defaultButton: 1, cancelButton: 0,
    });
    report(`Button ${button}: ${['No', 'Yes'][button]}`);
  }));
  $('dialog-folder').addEventListener('click', attempt(async () => {
    const path = last ?? (await atrium.path.home());
    await atrium.shell.showInFolder(path);
    report(`Showing ${path} in the file manager`);
  }));

  // atrium.shell on a file the demo makes itself, in its own cache
  // folder: this page as a PDF. Only that file is ever trashed.
  const scratch = async () => {
    const path = `${await atrium.path.cache()}/atrium-demo-page.pdf`;
    await atrium.print.toPdf(path, { paperSize: 'a4' });
    return path;
  };
  $('shell-url').addEventListener('click', attempt(async () => {
    const url = 'https://webkitgtk.org/';
    await atrium.shell.openUrl(url);
    report(`Opened ${url} in the browser`);
  }));
  $('shell-path').addEventListener('click', attempt(async () => {
    const path = await scratch();
    await atrium.shell.openPath(path);
    report(`Opened ${path} with its default application`);
  }));
  $('shell-trash').addEventListener('click', attempt(async () => {
    const path = await scratch();
    await atrium.shell.trash(path);
    report(`Wrote ${path}, then moved it to the trash`);
  }));
  report('Open a file, then show it in its folder');
}

// The Downloads card: a text file made in the page, downloaded through a
// blob: link as a user's click would; C's policy decides where it goes
// (the launcher's: a save dialog), the events say how it went.
function setUpDownloads() {
  const report = (text, ok = true) => show('download-output', text, ok);
  const lines = [];
  const log = (text, ok = true) => {
    lines.push(text);
    report(lines.slice(-4).join('\n'), ok);
  };
  atrium.on('atrium:download.progress', ({ id, received, total }) =>
    log(`#${id}: ${received} of ${total ?? '?'} bytes`));
  atrium.on('atrium:download.finished', ({ id, path }) => log(`#${id}: saved as ${path}`));
  atrium.on('atrium:download.failed', ({ id, message }) => log(`#${id}: ${message}`, false));
  $('download-start').addEventListener('click', () => {
    const text = `Made by the Atrium demo at ${new Date().toISOString()}\n`.repeat(200);
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'atrium-demo.txt';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    lines.length = 0;
    log(`Downloading ${text.length} bytes…`);
  });
  report('Progress, then the path or the reason');
}

// The Permissions card: what the page gets when it asks. The launcher
// leaves every kind at its default, deny; an app allows or asks with
// atrium_app_set_permission_policy() in C.
function setUpPermissions() {
  const report = (text, ok = true) => show('permission-output', text, ok);
  $('permission-camera').addEventListener('click', async () => {
    if (!navigator.mediaDevices) {
      report('Denied: no navigator.mediaDevices, since C allows no capture\n' +
             '(ATRIUM_PERMISSION_CAMERA is at ATRIUM_POLICY_DENY)', false);
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      const [track] = stream.getVideoTracks();
      report(`Allowed: ${track ? track.label || 'a camera' : 'no video track'}`);
      stream.getTracks().forEach((t) => t.stop());
    } catch (e) {
      report(`${e.name}: ${e.message}`, false);
    }
  });
  $('permission-notify').addEventListener('click', async () => {
    const answer = await Notification.requestPermission();
    if (answer === 'granted')
      new Notification('Atrium demo', { body: 'Notifications are allowed' });
    report(`Notification.requestPermission(): ${answer}` +
           (answer === 'granted' ? '' : '\n(ATRIUM_PERMISSION_NOTIFICATIONS is not allowed)'),
           answer === 'granted');
  });
  report(`Notification.permission is ${Notification.permission}`);
}

// The Clipboard card: text, and a PNG drawn on a canvas.
function setUpClipboard() {
  const report = (text, ok = true) => show('clip-output', text, ok);
  const attempt = (f) => async () => {
    try { await f(); } catch (e) { report(`${e.code}: ${e.message}`, false); }
  };
  $('clip-text').addEventListener('click', attempt(async () => {
    const text = `Copied from Atrium at ${new Date().toLocaleTimeString()}`;
    await atrium.clipboard.writeText(text);
    report(`Copied: ${text}`);
  }));
  $('clip-image').addEventListener('click', attempt(async () => {
    const canvas = $('clip-canvas');
    const g = canvas.getContext('2d');
    g.fillStyle = '#3584e4'; g.fillRect(0, 0, 96, 48);
    g.fillStyle = '#fff'; g.font = 'bold 20px sans-serif'; g.fillText('Atrium', 12, 31);
    const png = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    await atrium.clipboard.writeImage(png);
    report(`Copied a ${canvas.width}×${canvas.height} PNG (${png.size} bytes)`);
  }));
  $('clip-paste').addEventListener('click', attempt(async () => {
    const image = await atrium.clipboard.readImage();
    if (image) {
      const bitmap = await createImageBitmap(new Blob([image]));
      report(`Pasted an image: ${bitmap.width}×${bitmap.height}, ${image.length} bytes of PNG`);
      return;
    }
    const text = await atrium.clipboard.readText();
    report(text === null ? 'The clipboard holds neither text nor an image' : `Pasted: ${text}`);
  }));
  report('Copy, then paste here or in another program');
}

// The Menus and settings card: a popup menu on right-click, a menu bar
// switched on and off, both remembered in atrium.store with a counter of
// launches.
async function setUpMenus() {
  const report = (text, ok = true) => show('menu-output', text, ok);
  const bar = [
    { label: '_File', type: 'submenu', submenu: [
      { id: 'file.hello', label: '_Say hello', accelerator: '<Control>h' },
      { type: 'separator' },
      { label: '_Quit', role: 'quit' },
    ] },
    { label: '_Edit', type: 'submenu', submenu: [
      { role: 'undo', label: '_Undo' }, { role: 'redo', label: '_Redo' }, { type: 'separator' },
      { role: 'cut', label: 'Cu_t' }, { role: 'copy', label: '_Copy' },
      { role: 'paste', label: '_Paste' }, { role: 'selectAll', label: 'Select _All' },
    ] },
    { label: '_View', type: 'submenu', submenu: [
      { role: 'zoomIn', label: 'Zoom _In' }, { role: 'zoomOut', label: 'Zoom _Out' },
      { role: 'zoomReset', label: '_Actual Size' }, { type: 'separator' },
      { role: 'toggleFullscreen', label: '_Fullscreen' },
    ] },
  ];
  const setBar = async (on) => {
    await atrium.menu.setApplicationMenu(on ? bar : null);
    await atrium.store.set('demo.menuBar', on);
  };
  atrium.on('atrium:menu.clicked', ({ id, checked, trayId: tray }) => {
    if (id === 'tray.show') atrium.window.show().then(() => atrium.window.focus());
    report(tray === undefined ? `Menu item ${id}`
      : `Tray menu: ${id}${id === 'tray.quiet' ? (checked ? ' (on)' : ' (off)') : ''}`);
  });
  $('menu-card').addEventListener('contextmenu', async (event) => {
    event.preventDefault();
    try {
      const id = await atrium.menu.popup([
        { id: 'popup.hello', label: 'Say _hello' },
        { id: 'popup.bar', label: 'Menu _bar', type: 'checkbox', checked: $('menu-bar').checked },
        { type: 'separator' },
        { label: '_Copy', role: 'copy' },
      ], { x: event.clientX, y: event.clientY });
      if (id === 'popup.bar') {
        $('menu-bar').checked = !$('menu-bar').checked;
        await setBar($('menu-bar').checked);
      }
      report(id === null ? 'The menu was dismissed' : `Chose ${id}`);
    } catch (e) {
      report(`${e.code}: ${e.message}`, false);
    }
  });
  $('menu-bar').addEventListener('change', async () => {
    try { await setBar($('menu-bar').checked); } catch (e) { report(`${e.code}: ${e.message}`, false); }
  });

  // A tray icon with a small menu; where no panel shows tray icons (no
  // StatusNotifierWatcher on the bus) create() says not-supported.
  let trayId = null;
  atrium.on('atrium:tray.activate', () => report('Tray icon clicked'));
  $('menu-tray').addEventListener('change', async () => {
    try {
      if ($('menu-tray').checked) {
        trayId = await atrium.tray.create({ icon: 'applications-internet', tooltip: 'Atrium demo',
          menu: [
            { id: 'tray.show', label: '_Show window' },
            { id: 'tray.quiet', label: '_Quiet', type: 'checkbox' },
            { type: 'separator' },
            { role: 'quit' },
          ] });
        report(`Tray icon ${trayId} is in the panel; right-click it`);
      } else if (trayId !== null) {
        await atrium.tray.destroy(trayId);
        trayId = null;
        report('Tray icon removed');
      }
    } catch (e) {
      $('menu-tray').checked = false;
      report(`${e.code}: ${e.message}`, false);
    }
  });

  const launches = ((await atrium.store.get('demo.launches')) ?? 0) + 1;
  await atrium.store.set('demo.launches', launches);
  $('store-launches').textContent = launches;
  $('menu-bar').checked = (await atrium.store.get('demo.menuBar')) === true;
  if ($('menu-bar').checked) await atrium.menu.setApplicationMenu(bar);
  report('Right-click this card');
}

// The Bytes card: 4 MiB as a Uint8Array from C and back, hashed in C.
async function measureBytes() {
  const size = 4 * 1024 * 1024;
  const start = performance.now();
  const bytes = await atrium.call('demo.bytes', size);
  const hash = await atrium.call('demo.sha256', bytes);
  const seconds = (performance.now() - start) / 1000;
  $('bytes-rate').textContent = ((2 * size) / seconds / 1e6).toFixed(0);
  show('bytes-output', `${bytes.constructor.name} of ${bytes.length} bytes\nSHA-256 ${hash.slice(0, 32)}…`,
       bytes instanceof Uint8Array && bytes.length === size);
}

$('echo-form').addEventListener('submit', (event) => {
  event.preventDefault();
  echoInput();
});
$('latency-again').addEventListener('click', measure);
$('bytes-again').addEventListener('click', measureBytes);

setUpNotifications();
setUpPrinting();
setUpDialogs();
setUpDownloads();
setUpPermissions();
setUpClipboard();
await Promise.all([showVersion(), echoInput(), echoStructured(), showError(), setUpWindow(),
                   setUpScreens(), setUpMenus().catch((e) => show('menu-output', `${e.code}: ${e.message}`, false))]);
await measure();
await measureBytes();   // a warm-up round first, then the one shown
await measureBytes();
