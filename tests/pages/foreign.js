// What a foreign frame tries: every message handler it can see, every
// message shape, and the parent's runtime. It reports what happened to the
// app page, which hands the list to the test.
(async () => {
  const kind = document.currentScript ? document.currentScript.dataset.kind : 'unknown';
  const results = [];
  const handlers = window.webkit && window.webkit.messageHandlers;
  const messages = [
    '["test.sentinel",[],1]',
    '0123456789abcdef0123456789abcdef["test.sentinel",[],1]',
    JSON.stringify(['test.sentinel', []]),
    { method: 'test.sentinel' },
  ];
  for (const name of ['atrium', 'atrium-cancel', 'atrium-console']) {
    let handler;
    try { handler = handlers && handlers[name]; } catch (_) { handler = undefined; }
    if (!handler) { results.push(name + ':absent'); continue; }
    for (const m of messages) {
      try {
        await handler.postMessage(m);
        results.push(name + ':resolved');
      } catch (e) {
        results.push(name + ':rejected');
      }
    }
  }
  let viaParent;
  try {
    await window.parent.atrium.call('test.sentinel');
    viaParent = 'called';
  } catch (e) {
    viaParent = 'blocked';
  }
  results.push('parent:' + viaParent);
  results.push('own-runtime:' + typeof window.atrium);
  window.parent.postMessage({ kind, results }, '*');
})();
