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

  const handlers = window.webkit.messageHandlers;
  const callHandler = handlers.atrium;
  const post = callHandler.postMessage.bind(callHandler);
  const stringify = JSON.stringify;
  const parse = JSON.parse;

  class AtriumError extends Error {
    constructor(code, message) {
      super(message);
      this.name = 'AtriumError';
      this.code = code;
    }
  }

  function toError(e) {
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
      post(message).then(
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

  const atrium = Object.freeze({
    call,
    AtriumError,
    __whenIdle: whenIdle,
  });

  Object.defineProperty(window, 'atrium', {
    value: atrium,
    writable: false,
    enumerable: true,
    configurable: false,
  });
})();
