// The Atrium runtime, injected by libatrium into the app's top-level frame at
// document start. The placeholders in @…@ are filled in per launch by C.
(() => {
  'use strict';

  if (Object.prototype.hasOwnProperty.call(window, 'atrium'))
    return;

  // The per-launch token proves to the native side that a message comes from
  // this script in an app frame: frames of other origins can reach the
  // message handler too, but cannot read this closure.
  const TOKEN = '@TOKEN@';
  const MAX_MESSAGE = @MAX_MESSAGE@;
  const LOG_CONSOLE = @LOG_CONSOLE@;
  const UPLOAD_MIN = @UPLOAD_MIN@;

  const handlers = window.webkit.messageHandlers;
  const callHandler = handlers.atrium;
  const post = callHandler.postMessage.bind(callHandler);
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;

  class AtriumError extends Error {
    constructor(code, message) {
      super(message);
      this.name = 'AtriumError';
      this.code = code;
    }
  }

  function toError(e) {
    if (e instanceof AtriumError)
      return e;
    // Native errors arrive as the JSON text {"code":…,"message":…}; anything
    // else is WebKit itself failing the message.
    const text = e && typeof e.message === 'string' ? e.message : String(e);
    try {
      const o = parse(text);
      if (o && typeof o.code === 'string')
        return new AtriumError(o.code, String(o.message));
    } catch (_) { /* not ours */ }
    return new AtriumError('failed', text);
  }

  const cancelHandler = handlers['atrium-cancel'];

  let pending = 0;
  let idleWaiters = [];
  let nextId = 1;

  function settled() {
    if (--pending === 0 && idleWaiters.length) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  // Large calls go up as the body of a POST to app://localhost/__atrium/
  // upload: C reads a body as bytes, where turning a JS string of 1 MiB
  // into C text costs WebKitGTK several milliseconds. A short call message
  // then names the upload by its random key. Only the app's own origin can
  // post there, and C keeps no body that does not start with the token.
  const uploadFetch = UPLOAD_MIN > 0 && location.protocol === 'app:' &&
    typeof window.fetch === 'function' ? window.fetch.bind(window) : null;

  function uploadKey() {
    const words = crypto.getRandomValues(new Uint32Array(4));
    return Array.from(words, (w) => w.toString(16).padStart(8, '0')).join('');
  }

  async function send(message) {
    if (uploadFetch === null || message.length < UPLOAD_MIN)
      return post(message);
    const key = uploadKey();
    let response;
    try {
      // A string body: WebKit encodes it as UTF-8 on its way out, which
      // costs less than TextEncoder's copy into a Uint8Array first.
      response = await uploadFetch('/__atrium/upload?' + key, { method: 'POST', body: message });
    } catch (_) {
      // Refused before C saw it (a page CSP without connect-src 'self',
      // say): the message goes the usual way.
      return post(message);
    }
    if (response.status === 204)
      return post(TOKEN + 'U' + key);
    let error = null;
    try { error = await response.json(); } catch (_) { /* not ours */ }
    if (error !== null && typeof error.code === 'string' && error.code !== 'queue-full')
      throw new AtriumError(error.code, String(error.message));
    return post(message);
  }

  function decodeReply(reply) {
    return typeof reply === 'string' ? parse(reply) : reply;
  }

  function call(method, ...args) {
    if (typeof method !== 'string' || method.length === 0)
      return Promise.reject(new AtriumError('bad-args', 'the method name must be a non-empty string'));
    const id = nextId++;
    let text;
    try {
      text = stringify([method, args, id]);
    } catch (e) {
      return Promise.reject(new AtriumError('bad-args', 'the arguments cannot be serialised: ' + e.message));
    }
    if (text === undefined)
      return Promise.reject(new AtriumError('bad-args', 'the arguments cannot be serialised'));
    // length counts UTF-16 units, never more than the UTF-8 bytes C will see,
    // so this only refuses what C would refuse too, without copying it there.
    if (text.length > MAX_MESSAGE)
      return Promise.reject(new AtriumError('too-large',
        `the message is ${text.length} characters, over the limit of ${MAX_MESSAGE} bytes`));

    const message = TOKEN + text;
    let settle;
    const promise = new Promise((resolve, reject) => {
      let done = false;
      settle = (ok, value) => {
        if (done) return false;
        done = true;
        settled();
        (ok ? resolve : reject)(value);
        return true;
      };
      pending++;
      send(message).then(
        (reply) => {
          let value;
          try { value = decodeReply(reply); } catch (e) {
            settle(false, new AtriumError('failed', 'the reply could not be decoded: ' + e.message));
            return;
          }
          settle(true, value);
        },
        (e) => settle(false, toError(e)));
    });
    // p.cancel() rejects at once and tells C, whose method may stop early;
    // whatever it answers later is dropped here.
    promise.cancel = () => {
      if (settle(false, new AtriumError('cancelled', `the call to ${method} was cancelled`))) {
        try { cancelHandler.postMessage(TOKEN + id); } catch (_) { /* window closing */ }
        return true;
      }
      return false;
    };
    return promise;
  }

  // Resolves once no call is in flight: the launcher's --screenshot waits for
  // it so the picture shows the page's answers, not its placeholders.
  function whenIdle() {
    return pending === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
  }

  if (LOG_CONSOLE) {
    const consoleHandler = handlers['atrium-console'];
    const format = (v) => {
      if (typeof v === 'string') return v;
      if (v instanceof Error) return v.stack ? `${v}\n${v.stack}` : String(v);
      if (v === null || typeof v !== 'object') return String(v);
      try { return stringify(v); } catch (_) { return String(v); }
    };
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      const original = console[level];
      console[level] = function (...values) {
        try {
          consoleHandler.postMessage(TOKEN + level + ':' + values.map(format).join(' '));
        } catch (_) { /* logging must never throw into the page */ }
        return original.apply(console, values);
      };
    }
  }

  // --- events ---
  // atrium.on/once/off/emit. The page pulls its events from C in batches:
  // two messages with reply to atrium-event-poll stay pending, with the
  // token and the id of the batch handled last; C answers each with a
  // batch, [id, [[name, data, sender], …]], once there is one (and answers
  // to an emit come with its reply). A short backlog comes instead as a
  // small script calling atrium.__deliver with the token and the events;
  // only C, which knows the token, can deliver them.
  const EVENT_NAME_MAX = 256;
  const eventHandler = handlers['atrium-event'];
  const postEvent = eventHandler.postMessage.bind(eventHandler);
  const pollHandler = handlers['atrium-event-poll'];
  const postPoll = pollHandler.postMessage.bind(pollHandler);
  const listeners = new Map();   // name → [{fn, once, removed}]
  let handled = 0;               // the id of the last batch handled
  const consoleError = (...args) => console.error(...args);

  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }

  // Returns why @name is not a valid event name, or null.
  function badName(name) {
    if (typeof name !== 'string' || name.length === 0)
      return 'the event name must be a non-empty string';
    if (utf8Length(name) > EVENT_NAME_MAX)
      return `the event name is longer than ${EVENT_NAME_MAX} bytes`;
    if (typeof name.isWellFormed === 'function' && !name.isWellFormed())
      return 'the event name holds a lone surrogate';
    if (name.startsWith('atrium:'))
      return 'event names starting with "atrium:" are reserved';
    return null;
  }

  function checkListener(name, fn) {
    const why = badName(name);
    if (why) throw new AtriumError('bad-args', why);
    if (typeof fn !== 'function')
      throw new AtriumError('bad-args', 'the listener must be a function');
  }

  function removeEntry(name, entry) {
    const list = listeners.get(name);
    entry.removed = true;
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) listeners.delete(name);
  }

  function addListener(name, fn, once) {
    checkListener(name, fn);
    let list = listeners.get(name);
    if (!list) listeners.set(name, list = []);
    const entry = { fn, once, removed: false };
    list.push(entry);
    return () => removeEntry(name, entry);
  }

  // atrium.on(name, fn): fn(data, {name, sender}) for each event of that
  // name; returns a function that removes the listener.
  const on = (name, fn) => addListener(name, fn, false);
  const once = (name, fn) => addListener(name, fn, true);

  // atrium.off(name, fn): removes fn; atrium.off(name): every listener of name.
  function off(name, fn) {
    const list = listeners.get(name);
    if (!list) return;
    for (const entry of list.slice())
      if (fn === undefined || entry.fn === fn) removeEntry(name, entry);
  }

  // atrium.emit(name, data): to C listeners, and to the other windows when
  // the app forwards the name. Resolves once C has taken the event.
  function emit(name, data) {
    const why = badName(name);
    if (why) return Promise.reject(new AtriumError('bad-args', why));
    let text;
    try {
      text = stringify([name, data === undefined ? null : data]);
    } catch (e) {
      return Promise.reject(new AtriumError('bad-args', 'the event data cannot be serialised: ' + e.message));
    }
    if (text === undefined)
      return Promise.reject(new AtriumError('bad-args', 'the event data cannot be serialised'));
    if (text.length > MAX_MESSAGE)
      return Promise.reject(new AtriumError('too-large',
        `the event is ${text.length} characters, over the limit of ${MAX_MESSAGE} bytes`));
    // The reply may carry the events C sent this window meanwhile (its
    // answer to this one, say): they are handled before the Promise settles.
    return postEvent(TOKEN + handled + ':' + text).then((reply) => {
      if (typeof reply === 'string') receive(reply);
    }, (e) => { throw toError(e); });
  }

  function dispatch(batch) {
    for (const [name, data, sender] of batch) {
      const list = listeners.get(name);
      if (!list) continue;
      const event = Object.freeze({ name, sender });
      for (const entry of list.slice()) {
        if (entry.removed) continue;
        if (entry.once) removeEntry(name, entry);
        try {
          entry.fn.call(undefined, data, event);
        } catch (e) {
          // One listener's failure is the page's to see, not the others'.
          try { consoleError(`atrium: a listener of "${name}" threw:`, e); } catch (_) { /* */ }
        }
      }
    }
  }

  // The first poll waits for DOMContentLoaded, so listeners added by the
  // page's own scripts get the events sent before they ran. The next goes
  // once a batch has been handled: a page that stops reading stops asking.
  // Batches come in the order C sent them, through polls and emit replies
  // alike; `handled` tells C which it may forget.
  function receive(reply) {
    const [id, batch] = parse(reply);
    handled = id;
    dispatch(batch);
  }

  // C sends a short backlog (a lone event, an answer) by script instead,
  // atrium.__deliver(["token", [[name, data, sender], …]]): a call with one
  // JSON argument, which JSC runs without compiling anything. That costs
  // less than a message reply, and the script's completion tells C it is
  // handled. A script without the token delivers nothing.
  function deliver(message) {
    const token = isArray(message) ? message[0] : undefined;
    const batch = isArray(message) ? message[1] : undefined;
    if (typeof token !== 'string' || token.length !== TOKEN.length || !isArray(batch))
      throw new AtriumError('bad-token', 'only Atrium delivers events');
    let diff = 0;
    for (let i = 0; i < TOKEN.length; i++)
      diff |= token.charCodeAt(i) ^ TOKEN.charCodeAt(i);
    if (diff !== 0)
      throw new AtriumError('bad-token', 'only Atrium delivers events');
    dispatch(batch);
  }

  function poll() {
    postPoll(TOKEN + handled).then((reply) => {
      try {
        receive(reply);
      } finally {
        poll();
      }
    }, () => { /* the window is closing */ });
  }
  // Two polls stay posted, so C builds the next batch while this one is
  // handled; batches still arrive, and are handled, in order.
  const startPolling = () => { poll(); poll(); };
  if (document.readyState === 'loading')
    document.addEventListener('DOMContentLoaded', startPolling, { once: true });
  else
    startPolling();
  // --- end events ---

  const atrium = Object.freeze({
    call,
    on,
    once,
    off,
    emit,
    AtriumError,
    __whenIdle: whenIdle,
    __deliver: deliver,
  });

  Object.defineProperty(window, 'atrium', {
    value: atrium,
    writable: false,
    enumerable: true,
    configurable: false,
  });
})();

// --- media route ---
// WebKitGTK's media player cannot read app:// (MEDIA_ERR_SRC_NOT_SUPPORTED),
// so the app serves the same files on a private loopback route. This block
// makes that invisible to the page: the src of every <audio>, <video> and
// <source> that names an app:// file (relative URLs included) is pointed at
// the route before the player sees it — through the src property, through
// setAttribute, and for parsed or inserted markup through a MutationObserver.
(() => {
  'use strict';

  const MEDIA_BASE = '@MEDIA_BASE@';  // http://127.0.0.1:PORT/TOKEN, or '' without a route
  const APP_PREFIX = 'app://localhost/';

  if (!MEDIA_BASE || location.protocol !== 'app:' || window.__atriumMediaRoute)
    return;
  Object.defineProperty(window, '__atriumMediaRoute', { value: true });

  const toRoute = (value) => {
    if (typeof value !== 'string' && !(value instanceof URL))
      return value;
    let url;
    try { url = new URL(String(value), document.baseURI).href; } catch (_) { return value; }
    return url.startsWith(APP_PREFIX) ? MEDIA_BASE + url.slice(APP_PREFIX.length - 1) : value;
  };

  const isMedia = (node) =>
    node instanceof HTMLMediaElement || node instanceof HTMLSourceElement;

  for (const proto of [HTMLMediaElement.prototype, HTMLSourceElement.prototype]) {
    const d = Object.getOwnPropertyDescriptor(proto, 'src');
    if (!d || !d.set) continue;
    Object.defineProperty(proto, 'src', {
      configurable: true,
      enumerable: d.enumerable,
      get: d.get,
      set(value) { d.set.call(this, toRoute(value)); },
    });
  }

  const setAttribute = Element.prototype.setAttribute;
  const getAttribute = Element.prototype.getAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (isMedia(this) && String(name).toLowerCase() === 'src')
      value = toRoute(String(value));
    return setAttribute.call(this, name, value);
  };

  const fix = (node) => {
    if (!isMedia(node)) return;
    const value = getAttribute.call(node, 'src');
    if (value === null) return;
    const routed = toRoute(value);
    if (routed !== value) setAttribute.call(node, 'src', routed);
  };

  // new Audio(src) sets the attribute inside the engine, on an element that
  // is in no document for the observer to see.
  const NativeAudio = window.Audio;
  const Audio = function Audio(...args) {
    if (!new.target) throw new TypeError("Constructor Audio requires 'new'");
    return args.length ? new NativeAudio(toRoute(args[0])) : new NativeAudio();
  };
  Audio.prototype = NativeAudio.prototype;
  Object.defineProperty(window, 'Audio', { value: Audio, writable: true, configurable: true });

  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') {
        fix(r.target);
        continue;
      }
      for (const node of r.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        fix(node);
        if (node.querySelectorAll)
          for (const m of node.querySelectorAll('audio[src], video[src], source[src]')) fix(m);
      }
    }
  });
  observer.observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['src'],
  });
})();
// --- end media route ---
