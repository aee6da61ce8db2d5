// The Atrium runtime, injected by libatrium into the app's top-level frame at
// document start. Each placeholder (a NAME between two at signs) is filled in
// per launch by C (atrium-runtime.c); the script holds no other at sign.
(() => {
  'use strict';

  if (Object.prototype.hasOwnProperty.call(window, 'atrium'))
    return;

  // The per-launch token proves to the native side that a message comes from
  // this script in an app frame: frames of other origins can reach the
  // message handlers too, but cannot read this closure.
  //
  // The page's own scripts share this realm, and may replace any built-in
  // they can reach: String.prototype.charCodeAt, Array.prototype.push,
  // Promise.prototype.then, JSON.parse, fetch, crypto, a getter on
  // Object.prototype. So the token is only ever handed to functions captured
  // here, before any page script has run, and never to anything looked up
  // later: it is concatenated (no calls), posted through postMessage bound
  // now, sent as a fetch body whose options object has no prototype to
  // look a getter up on, and compared with ===. Everything else the runtime
  // needs to keep working is captured here too, so a page that breaks a
  // built-in breaks its own use of it, not the bridge.
  const TOKEN = '@TOKEN@';
  const MAX_MESSAGE = @MAX_MESSAGE@;
  const LOG_CONSOLE = @LOG_CONSOLE@;
  const UPLOAD_MIN = @UPLOAD_MIN@;
  const STREAM_BASE = '@STREAM_BASE@';  // the loopback route, or '' without one
  const TRANSPORT = '@TRANSPORT@';  // auto, script or extension (README, ATRIUM_TRANSPORT)

  // The web process extension's native function (shell/extension/), which
  // it defines in the app's top frame only: taken into this closure and
  // deleted before any page script runs, so the page never reaches it.
  // Calls then go through it as bytes; without it (not installed, or
  // ATRIUM_TRANSPORT=script), as script messages.
  let native = null;
  if (Object.prototype.hasOwnProperty.call(window, '__atriumNative')) {
    if (TRANSPORT !== 'script' && typeof window.__atriumNative === 'function')
      native = window.__atriumNative;
    delete window.__atriumNative;
  }

  // --- built-ins, captured before any page script runs ---
  // uncurry(f)(self, ...args) calls f with this = self through bound
  // functions only, so nothing is looked up on a prototype at call time.
  const uncurry = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto, name) => uncurry(Object.getOwnPropertyDescriptor(proto, name).get);
  const apply = Reflect.apply;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const NativeError = Error;
  const NativeMap = Map;
  const NativeSet = Set;
  const NativePromise = Promise;
  const NativeUint32Array = Uint32Array;
  const nativeThen = uncurry(Promise.prototype.then);
  // then() looks up its promise's `constructor` (and that one's
  // Symbol.species) to make the promise it returns: the page could put a
  // getter or a broken species there. An own `constructor` of undefined on
  // each promise the runtime chains makes then() use the captured Promise.
  const promiseThen = (promise, onValue, onError) => {
    defineProperty(promise, 'constructor', { __proto__: null, value: undefined });
    return nativeThen(promise, onValue, onError);
  };
  const promiseReject = Promise.reject.bind(Promise);
  const mapGet = uncurry(Map.prototype.get);
  const mapSet = uncurry(Map.prototype.set);
  const mapDelete = uncurry(Map.prototype.delete);
  const setAdd = uncurry(Set.prototype.add);
  const setDelete = uncurry(Set.prototype.delete);
  const setForEach = uncurry(Set.prototype.forEach);
  const setSize = getter(Set.prototype, 'size');
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const startsWith = uncurry(String.prototype.startsWith);
  const padStart = uncurry(String.prototype.padStart);
  const isWellFormed = typeof String.prototype.isWellFormed === 'function'
    ? uncurry(String.prototype.isWellFormed) : null;
  const numberToString = uncurry(Number.prototype.toString);
  const String_ = String;
  const consoleObject = console;
  const getRandomValues = crypto.getRandomValues.bind(crypto);
  const stringSlice = uncurry(String.prototype.slice);
  const objectKeys = Object.keys;
  const hasOwn = uncurry(Object.prototype.hasOwnProperty);
  const getPrototypeOf = Object.getPrototypeOf;

  // --- binary values ---
  // An ArrayBuffer, a typed array, a DataView, a Blob or a File anywhere in
  // a call's arguments or an event's data reaches C as bytes, and C's bytes
  // reach the page as a Uint8Array (shell/atrium-bytes.c has the wire
  // format). JSON.stringify finds them for the runtime: each of their
  // prototypes gets a toJSON, defined here before any page script runs and
  // neither writable nor configurable. Outside the runtime's own
  // serialising it returns its value unchanged, so the page's
  // JSON.stringify writes what it always wrote; while the runtime
  // serialises a message, it notes the value and writes the marker
  // {"$atrium-bytes": i} in its place, and the i-th base64 text follows the
  // JSON. A message without binary values costs nothing more, and only the
  // runtime fills the list the markers point into: C refuses a message
  // whose markers do not match it one to one, or whose own data uses the
  // name.
  const BYTES_KEY = '$atrium-bytes';
  const NativeUint8Array = Uint8Array;
  const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
  const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
  const typedArrayLength = getter(TypedArrayPrototype, 'byteLength');
  const typedArraySubarray = uncurry(TypedArrayPrototype.subarray);
  const dataViewBuffer = getter(DataView.prototype, 'buffer');
  const dataViewOffset = getter(DataView.prototype, 'byteOffset');
  const dataViewLength = getter(DataView.prototype, 'byteLength');
  const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
  const hasBlob = typeof Blob === 'function';
  const blobSize = hasBlob ? getter(Blob.prototype, 'size') : null;
  const blobArrayBuffer = hasBlob ? uncurry(Blob.prototype.arrayBuffer) : null;
  const fromCharCode = String.fromCharCode;
  const nativeToBase64 = typeof NativeUint8Array.prototype.toBase64 === 'function'
    ? uncurry(NativeUint8Array.prototype.toBase64) : null;
  const nativeFromBase64 = typeof NativeUint8Array.fromBase64 === 'function'
    ? NativeUint8Array.fromBase64.bind(NativeUint8Array) : null;
  const btoa_ = window.btoa.bind(window);
  const atob_ = window.atob.bind(window);

  // JavaScriptCore has Uint8Array.prototype.toBase64 and
  // Uint8Array.fromBase64 (native, several hundred MB/s); the fallbacks go
  // through a binary string.
  function toBase64(view) {
    if (nativeToBase64 !== null)
      return nativeToBase64(view);
    const n = typedArrayLength(view);
    let binary = '';
    for (let i = 0; i < n; i += 0x8000)
      binary += apply(fromCharCode, null, typedArraySubarray(view, i, i + 0x8000 < n ? i + 0x8000 : n));
    return btoa_(binary);
  }

  function fromBase64(text) {
    if (nativeFromBase64 !== null)
      return nativeFromBase64(text);
    const binary = atob_(text);
    const bytes = new NativeUint8Array(binary.length);
    for (let i = 0; i < binary.length; i++)
      bytes[i] = charCodeAt(binary, i);
    return bytes;
  }

  // While the runtime serialises a message: the binary values met so far,
  // {n, 0: entry, 1: entry, …} without a prototype, each entry
  // {view, blob, size, base64}. null otherwise.
  let collecting = null;

  function noteBytes(view, blob, size) {
    const index = collecting.n++;
    collecting[index] = { __proto__: null, view, blob, size, base64: null };
    return { __proto__: null, [BYTES_KEY]: index };
  }

  // Each reads its value through getters captured above, which throw for
  // anything else (a toJSON called on a foreign object): the message is
  // then refused with bad-args. A view sends only its own bytes.
  function typedArrayToJSON() {
    if (collecting === null) return this;
    const size = typedArrayLength(this);
    return noteBytes(new NativeUint8Array(typedArrayBuffer(this), typedArrayOffset(this), size),
      null, size);
  }
  function dataViewToJSON() {
    if (collecting === null) return this;
    const size = dataViewLength(this);
    return noteBytes(new NativeUint8Array(dataViewBuffer(this), dataViewOffset(this), size),
      null, size);
  }
  function arrayBufferToJSON() {
    if (collecting === null) return this;
    const size = arrayBufferLength(this);
    return noteBytes(new NativeUint8Array(this, 0, size), null, size);
  }
  function blobToJSON() {
    if (collecting === null) return this;
    return noteBytes(null, this, blobSize(this));
  }

  // atrium.stream(blob): the Blob goes up as a stream (C reads it with
  // atrium_call_get_stream() as it arrives, never whole) instead of being
  // read here and sent as bytes. The wrapper is an object of the runtime's
  // own, frozen, that holds nothing the page can change; its Blob is kept
  // in a WeakMap only the runtime reaches. In the message it is a marker
  // like a binary value's, whose segment is '~', a random key and the size
  // instead of base64; once the call message has gone, the Blob is POSTed
  // to the loopback route under that key (startUploads). Without a route
  // it is sent as bytes.
  const NativeWeakMap = WeakMap;
  const weakMapGet = uncurry(WeakMap.prototype.get);
  const weakMapSet = uncurry(WeakMap.prototype.set);
  const blobSlice = hasBlob ? uncurry(Blob.prototype.slice) : null;
  const streamBlobs = new NativeWeakMap();
  const StreamPrototype = { __proto__: null };
  function streamToJSON() {
    const blob = weakMapGet(streamBlobs, this);
    if (collecting === null || blob === undefined) return this;
    const size = blobSize(blob);
    if (STREAM_BASE === '')
      return noteBytes(null, blob, size);
    const index = collecting.n++;
    collecting[index] = {
      __proto__: null, view: null, blob: null, size: 0, base64: null, stream: blob, streamSize: size,
      key: uploadKey(),
    };
    return { __proto__: null, [BYTES_KEY]: index };
  }
  defineProperty(StreamPrototype, 'toJSON', {
    __proto__: null, value: streamToJSON, writable: false, enumerable: false, configurable: false,
  });
  freeze(StreamPrototype);
  function stream(blob) {
    try {
      blobSize(blob);
    } catch (_) {
      throw new AtriumError('bad-args', 'atrium.stream() takes a Blob or a File');
    }
    const wrapper = { __proto__: StreamPrototype };
    weakMapSet(streamBlobs, wrapper, blob);
    return freeze(wrapper);
  }
  {
    const install = (proto, toJSON) => defineProperty(proto, 'toJSON', {
      __proto__: null, value: toJSON, writable: false, enumerable: false, configurable: false,
    });
    install(TypedArrayPrototype, typedArrayToJSON);
    // Each kind too, so that the page cannot put a toJSON of its own
    // between a typed array and the runtime's.
    for (const name of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
      'Uint16Array', 'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array',
      'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
      if (typeof window[name] === 'function')
        install(window[name].prototype, typedArrayToJSON);
    }
    install(DataView.prototype, dataViewToJSON);
    install(ArrayBuffer.prototype, arrayBufferToJSON);
    if (hasBlob) {
      install(Blob.prototype, blobToJSON);
      if (typeof File === 'function') install(File.prototype, blobToJSON);
    }
  }

  // JSON.stringify with the binary values noted: {text, found}. Re-entered
  // (a getter in the value calls atrium.call), the inner message keeps its
  // own list.
  function serialise(value) {
    const saved = collecting;
    const found = { __proto__: null, n: 0 };
    collecting = found;
    let text;
    try {
      text = stringify(value);
    } finally {
      collecting = saved;
    }
    return { __proto__: null, text, found };
  }

  // What a serialised message with binary values will be: its size as C
  // counts it (the JSON and the decoded bytes), its length as sent, and
  // whether Blobs must be read first. Views are encoded now, so the
  // message holds their bytes as they were when it was made.
  function measure(text, found) {
    let size = text.length;
    let length = text.length + 1;
    let blobs = 0;
    let streams = 0;
    for (let i = 0; i < found.n; i++) {
      const entry = found[i];
      if (entry.stream !== undefined) {
        streams++;
        length += 36 + numberToString(entry.streamSize, 10).length;
        continue;
      }
      size += entry.size;
      length += 1 + 4 * ((entry.size + 2 - (entry.size + 2) % 3) / 3);
      if (entry.blob !== null) blobs++;
    }
    return { __proto__: null, size, length, blobs, streams };
  }

  function encodeViews(found) {
    for (let i = 0; i < found.n; i++) {
      const entry = found[i];
      if (entry.view !== null) {
        entry.base64 = toBase64(entry.view);
        entry.view = null;
      }
    }
  }

  // 'B', the JSON, then each value's base64 after a newline (which
  // JSON.stringify never writes).
  function frame(text, found) {
    let message = 'B' + text;
    for (let i = 0; i < found.n; i++) {
      const entry = found[i];
      message += entry.stream !== undefined
        ? '\n~' + entry.key + ':' + numberToString(entry.streamSize, 10) : '\n' + entry.base64;
    }
    return message;
  }

  // Reads the Blobs (Blob.prototype.arrayBuffer, captured), then
  // done(); failed(error) at the first that cannot be read.
  function readBlobs(found, done, failed, asBytes = false) {
    let waiting = 1;
    let failedOnce = false;
    const one = () => {
      if (--waiting === 0 && !failedOnce) done();
    };
    for (let i = 0; i < found.n; i++) {
      const entry = found[i];
      if (entry.blob === null) continue;
      waiting++;
      try {
        promiseThen(blobArrayBuffer(entry.blob), (buffer) => {
          if (failedOnce) return;
          try {
            if (asBytes) entry.view = new NativeUint8Array(buffer);
            else entry.base64 = toBase64(new NativeUint8Array(buffer));
          } catch (e) {
            failedOnce = true;
            failed(e);
            return;
          }
          entry.blob = null;
          one();
        }, (e) => {
          if (!failedOnce) { failedOnce = true; failed(e); }
        });
      } catch (e) {
        if (!failedOnce) { failedOnce = true; failed(e); }
      }
    }
    one();
  }

  // The bytes a marker from C stands for, or null: C sends a binary value
  // as {"$atrium-bytes": "BASE64"}, and says where it sent any.
  // From the extension, the marker holds the index of its bytes in
  // the reply's Uint8Arrays instead.
  function bytesOf(value, parts) {
    if (value === null || typeof value !== 'object' || isArray(value) || !hasOwn(value, BYTES_KEY))
      return null;
    const text = value[BYTES_KEY];
    if (objectKeys(value).length !== 1)
      return null;
    if (parts !== null)
      return typeof text === 'number' && text >= 0 && text < parts.length ? parts[text] : null;
    if (typeof text !== 'string')
      return null;
    return fromBase64(text);
  }

  // Replaces every marker in a value JSON.parse made by its Uint8Array,
  // without recursion. Throws (SyntaxError) for base64 that is not.
  function revive(root, parts = null) {
    const top = bytesOf(root, parts);
    if (top !== null) return top;
    const stack = { __proto__: null };
    let n = 0;
    stack[n++] = root;
    while (n > 0) {
      const node = stack[--n];
      if (node === null || typeof node !== 'object') continue;
      const keys = isArray(node) ? null : objectKeys(node);
      const count = keys === null ? node.length : keys.length;
      for (let i = 0; i < count; i++) {
        const key = keys === null ? i : keys[i];
        const value = node[key];
        if (value === null || typeof value !== 'object') continue;
        const bytes = bytesOf(value, parts);
        if (bytes !== null) node[key] = bytes;
        else stack[n++] = value;
      }
    }
    return root;
  }

  const handlers = window.webkit.messageHandlers;
  const bindPost = (name) => {
    const handler = handlers[name];
    return handler.postMessage.bind(handler);
  };
  const post = bindPost('atrium');
  const postCancel = bindPost('atrium-cancel');
  const postEvent = bindPost('atrium-event');
  const postPoll = bindPost('atrium-event-poll');
  const postConsole = LOG_CONSOLE ? bindPost('atrium-console') : null;

  class AtriumError extends NativeError {
    constructor(code, message) {
      super(message);
      // Defined, not assigned: a setter the page put on a prototype
      // would otherwise take the values.
      defineProperty(this, 'name', { __proto__: null, value: 'AtriumError', writable: true, configurable: true });
      defineProperty(this, 'code', { __proto__: null, value: code, writable: true, enumerable: true, configurable: true });
    }
  }

  function toError(e) {
    if (e instanceof AtriumError)
      return e;
    // Native errors arrive as the JSON text {"code":…,"message":…}; anything
    // else is WebKit itself failing the message.
    const text = e && typeof e.message === 'string' ? e.message : String_(e);
    try {
      const o = parse(text);
      if (o && typeof o.code === 'string')
        return new AtriumError(o.code, String_(o.message));
    } catch (_) { /* not ours */ }
    return new AtriumError('failed', text);
  }

  // --- back-pressure from the page ---
  // Calls and emits each go through a lane: at most maxInFlight messages
  // (and IN_FLIGHT_BYTES of them) are on their way to C or waiting for its
  // answer; the rest wait here, in order, up to QUEUE_MAX messages and
  // QUEUE_BYTES, and past that the caller gets `queue-full` at once. So a
  // page that emits in a loop cannot flood the UI process, and a call is
  // never stuck behind more than a lane's worth of events.
  const IN_FLIGHT_BYTES = 2 * MAX_MESSAGE;
  const QUEUE_MAX = 100000;
  const QUEUE_BYTES = 4 * MAX_MESSAGE;

  function newLane(maxInFlight) {
    return {
      __proto__: null, waiting: new NativeMap(), head: 0, tail: 0, waitingBytes: 0,
      inFlight: 0, inFlightBytes: 0, maxInFlight, draining: false,
    };
  }
  const callLane = newLane(4096);
  const eventLane = newLane(64);

  function hasRoom(lane, size) {
    return lane.inFlight === 0 ||
      (lane.inFlight < lane.maxInFlight && lane.inFlightBytes + size <= IN_FLIGHT_BYTES);
  }

  // Never inside itself: a job the native function refuses is answered
  // before post() returns, and its finish() drains again. The loop that is
  // already running takes the freed slot instead, so jobs answered at once
  // settle in order and the stack stays flat however long the queue.
  function drain(lane) {
    if (lane.draining) return;
    lane.draining = true;
    try {
      while (lane.head < lane.tail) {
        const job = mapGet(lane.waiting, lane.head);
        // A job whose Blobs are still being read holds the ones behind it:
        // a lane's messages leave in order.
        if (!job.cancelled && (job.ready === false || !hasRoom(lane, job.size)))
          return;
        mapDelete(lane.waiting, lane.head++);
        lane.waitingBytes -= job.size;
        if (job.cancelled)
          continue;
        lane.inFlight++;
        lane.inFlightBytes += job.size;
        start(lane, job);
      }
    } finally {
      lane.draining = false;
    }
  }

  // Posts the job's message: job.post(answer) calls answer(ok, value) once
  // it is answered. However it ends (an answer, a rejection, a throw), the
  // lane gets the slot back exactly once, and then the job hears of it
  // through done(value) or failed(error). A callback, not a Promise: a
  // call through the native function then settles its own Promise straight
  // from the reply, with no Promise and no microtask in between.
  function start(lane, job) {
    let answered = false;
    const answer = (ok, value) => {
      if (answered) return;
      answered = true;
      try {
        finish(lane, job);
      } finally {
        if (ok) job.done(value);
        else job.failed(value);
      }
    };
    try {
      job.post(answer);
    } catch (e) {
      answer(false, e);
    }
  }

  // answer(ok, value) once the promise settles.
  function whenSettled(promise, answer) {
    promiseThen(promise, (value) => answer(true, value), (e) => answer(false, e));
  }

  // job: {size, cancelled, ready, post(answer), done(value), failed(error)};
  // ready is false until its Blobs are read (see prepare()). Returns false
  // when the lane's queue is full.
  function submit(lane, job) {
    if (lane.tail - lane.head >= QUEUE_MAX || lane.waitingBytes + job.size > QUEUE_BYTES)
      return false;
    mapSet(lane.waiting, lane.tail++, job);
    lane.waitingBytes += job.size;
    drain(lane);
    return true;
  }

  function finish(lane, job) {
    lane.inFlight--;
    lane.inFlightBytes -= job.size;
    drain(lane);
  }

  function queueFull(what) {
    return promiseReject(new AtriumError('queue-full',
      `too many ${what} are waiting for the app; try again once some have finished`));
  }

  // --- calls ---
  let pending = 0;
  const idleWaiters = new NativeSet();
  let nextId = 1;

  function settled() {
    if (--pending === 0 && setSize(idleWaiters) > 0) {
      setForEach(idleWaiters, (w) => { setDelete(idleWaiters, w); w(); });
    }
  }

  // Large calls go up as the body of a POST to app://localhost/__atrium/
  // upload: C reads a body as bytes, where turning a JS string of 1 MiB
  // into C text costs WebKitGTK several milliseconds. A short call message
  // then names the upload by its random key. The URL is absolute, so a
  // <base href> in the page cannot send the body (token first) elsewhere,
  // and the response counts only if it comes from that URL.
  const UPLOAD_URL = 'app://localhost/__atrium/upload?';
  // fetch() and Response as they were before the page ran: the uploads,
  // the streams and the downloads of app files all go through these.
  const nativeFetch = typeof window.fetch === 'function' ? window.fetch.bind(window) : null;
  const responseStatus = nativeFetch ? getter(Response.prototype, 'status') : null;
  const responseText = nativeFetch ? uncurry(Response.prototype.text) : null;
  const uploadFetch = UPLOAD_MIN > 0 && location.protocol === 'app:' ? nativeFetch : null;
  const responseUrl = uploadFetch ? getter(Response.prototype, 'url') : null;

  function uploadKey() {
    const words = getRandomValues(new NativeUint32Array(4));
    let key = '';
    for (let i = 0; i < 4; i++)
      key += padStart(numberToString(words[i], 16), 8, '0');
    return key;
  }

  function uploadRefused(message, text) {
    let error = null;
    try { error = parse(text); } catch (_) { /* not ours */ }
    if (error !== null && typeof error === 'object' && typeof error.code === 'string' &&
        error.code !== 'queue-full')
      throw new AtriumError(error.code, String_(error.message));
    return post(message);
  }

  function send(message) {
    if (uploadFetch === null || message.length < UPLOAD_MIN)
      return post(message);
    const key = uploadKey();
    const url = UPLOAD_URL + key;
    let request;
    try {
      // A string body: WebKit encodes it as UTF-8 on its way out, which
      // costs less than TextEncoder's copy into a Uint8Array first. The
      // options have no prototype, so fetch finds no getter to call with
      // them (and the body) as `this`.
      request = uploadFetch(url, {
        __proto__: null, method: 'POST', body: message, mode: 'same-origin',
        credentials: 'omit', redirect: 'error', cache: 'no-store', referrerPolicy: 'no-referrer',
      });
    } catch (_) {
      return post(message);
    }
    return promiseThen(request, (response) => {
      if (responseUrl(response) !== url)
        return post(message);
      if (responseStatus(response) === 204)
        return post(TOKEN + 'U' + key);
      return promiseThen(responseText(response),
        (text) => uploadRefused(message, text), () => post(message));
    }, () => {
      // Refused before C saw it (a page CSP without connect-src 'self',
      // say): the message goes the usual way.
      return post(message);
    });
  }

  // --- streams ---
  // A method that answers with a stream (atrium_call_return_stream) sends
  // 'S' and {"url", "type", "size"}: a one-time URL on the loopback route
  // that serves the stream only as fast as it is read (TCP paces it, where
  // app:// has no flow control). The call resolves with the fetch's
  // Response once its head has come; p.cancel() aborts the fetch, and with
  // it the C stream, at any time after. The route checks the Origin, so
  // the fetch is CORS, without credentials or referrer.
  const NativeAbortController = typeof AbortController === 'function' ? AbortController : null;
  const abortControllerAbort = NativeAbortController
    ? uncurry(NativeAbortController.prototype.abort) : null;
  const abortControllerSignal = NativeAbortController
    ? getter(NativeAbortController.prototype, 'signal') : null;

  // Through the extension the reply names the stream's id instead
  // ({"id", "type", "size"}): the body is a ReadableStream whose pull()
  // asks C for the next piece through the native function (a sealed memfd
  // copied once into a fresh Uint8Array), only when the reader wants one,
  // which is the back-pressure. Cancelling the body, p.cancel() or the
  // reader's cancel() closes the C stream; so does the page going.
  const NativeReadableStream = typeof ReadableStream === 'function' ? ReadableStream : null;
  const NativeResponse = typeof Response === 'function' ? Response : null;
  const NativeDOMException = typeof DOMException === 'function' ? DOMException : NativeError;
  const listenOn = uncurry(EventTarget.prototype.addEventListener);
  const PULL_SIZE = 1024 * 1024;
  // The controller's methods too, from a stream made now: a page's
  // enqueue() that throws would otherwise stall its bodies for good.
  let controllerProto = null;
  try {
    if (NativeReadableStream !== null)
      new NativeReadableStream({ __proto__: null, start: (c) => { controllerProto = getPrototypeOf(c); } });
  } catch (_) { controllerProto = null; }
  const controllerEnqueue = controllerProto !== null ? uncurry(controllerProto.enqueue) : null;
  const controllerClose = controllerProto !== null ? uncurry(controllerProto.close) : null;
  const controllerError = controllerProto !== null ? uncurry(controllerProto.error) : null;

  function pullNative(name, args, answer) {
    native(TOKEN, stringify([name, args, 0]), null, answer);
  }

  // No FinalizationRegistry closes a body the page lets go of unread:
  // WebKit's Response reads the stream it was made with natively and drops
  // its JS object, which would then look collected mid-read. Such a body
  // stays open until the page goes (C holds at most 64 per page).
  const cancelPulled = (id) => pullNative('atrium:stream.cancel', [id], () => {});

  function openPulled(info, controller, settle) {
    const id = info.id;
    let open = true;
    let ctl = null;
    const close = () => {
      if (!open) return;
      open = false;
      cancelPulled(id);
    };
    let body;
    try {
      body = new NativeReadableStream({
        __proto__: null,
        start: (c) => { ctl = c; },
        pull: () => new NativePromise((resolve) => {
          pullNative('atrium:stream.read', [id, PULL_SIZE], (kind, text, ...parts) => {
            if (!open) { resolve(); return; }
            try {
              if (kind === 0 && parts.length === 1) controllerEnqueue(ctl, parts[0]);
              else if (kind === 0) {
                open = false;
                controllerClose(ctl);
              } else {
                // C drops a stream whose read failed, but keeps one whose
                // read it refused (the page's own read of it in flight):
                // this body is done with it either way.
                close();
                const o = parse(text);
                controllerError(ctl, new AtriumError(String_(o.code), String_(o.message)));
              }
            } catch (_) { /* the stream was cancelled meanwhile */ }
            resolve();
          });
        }),
        cancel: close,
      }, { __proto__: null, highWaterMark: 0 });
    } catch (e) {
      cancelPulled(id);
      settle(false, new AtriumError('not-supported', 'this page cannot make streams: ' + e.message));
      return;
    }
    // p.cancel(): the C stream closes, and a read waiting or to come fails
    // as an aborted fetch's would.
    if (controller !== null) {
      listenOn(abortControllerSignal(controller), 'abort', () => {
        if (!open) return;
        close();
        try { controllerError(ctl, new NativeDOMException('The stream was cancelled', 'AbortError')); }
        catch (_) { /* closed already */ }
      });
    }
    const headers = { __proto__: null, 'Content-Type': String_(info.type) };
    if (typeof info.size === 'number' && info.size >= 0) headers['Content-Length'] = String_(info.size);
    settle(true, new NativeResponse(body, { __proto__: null, status: 200, headers }));
  }

  // Fetches the stream a reply names; settle(ok, value) once.
  function openStream(reply, method, controller, settle) {
    let info;
    try {
      info = parse(stringSlice(reply, 1));
    } catch (e) {
      settle(false, new AtriumError('failed', 'the stream reply could not be decoded'));
      return;
    }
    if (info !== null && typeof info.id === 'number' && native !== null
        && controllerProto !== null && NativeResponse !== null) {
      openPulled(info, controller, settle);
      return;
    }
    if (nativeFetch === null || info === null || typeof info.url !== 'string') {
      settle(false, new AtriumError('not-supported', 'this page cannot fetch streams'));
      return;
    }
    let request;
    try {
      request = nativeFetch(info.url, {
        __proto__: null, method: 'GET', mode: 'cors', credentials: 'omit', redirect: 'error',
        cache: 'no-store', referrerPolicy: 'no-referrer',
        signal: controller !== null ? abortControllerSignal(controller) : undefined,
      });
    } catch (e) {
      settle(false, new AtriumError('failed', 'the stream could not be fetched: ' + e.message));
      return;
    }
    promiseThen(request, (response) => {
      if (responseStatus(response) === 200) {
        settle(true, response);
        return;
      }
      const status = responseStatus(response);
      promiseThen(responseText(response), (text) => {
        settle(false, new AtriumError('failed', `the stream of ${method} could not be read (${status}): ${text}`));
      }, () => settle(false, new AtriumError('failed', `the stream of ${method} could not be read (${status})`)));
    }, (e) => {
      settle(false, new AtriumError('failed', `the stream of ${method} could not be fetched ` +
        `(does the page's CSP allow connect-src to the loopback route?): ` +
        (e && typeof e.message === 'string' ? e.message : String_(e))));
    });
  }

  // POSTs the Blobs a call's message named as streams, each under its key,
  // once that message has gone; returns their AbortControllers, for
  // p.cancel(). The body is a slice of the Blob (no copy) typed text/plain,
  // so the cross-origin POST needs no preflight; the route checks the
  // Origin and the length, and keeps the body unread until C claims it.
  function startUploads(found) {
    const controllers = { __proto__: null, n: 0 };
    if (nativeFetch === null) return controllers;
    for (let i = 0; i < found.n; i++) {
      const entry = found[i];
      if (entry.stream === undefined) continue;
      let controller = null;
      try {
        controller = NativeAbortController !== null ? new NativeAbortController() : null;
        const request = nativeFetch(STREAM_BASE + '/__atrium/upload/' + entry.key, {
          __proto__: null, method: 'POST', mode: 'cors', credentials: 'omit', redirect: 'error',
          cache: 'no-store', referrerPolicy: 'no-referrer',
          body: blobSlice(entry.stream, 0, entry.streamSize, 'text/plain'),
          signal: controller !== null ? abortControllerSignal(controller) : undefined,
        });
        promiseThen(request, () => {}, () => {});
      } catch (_) { /* C's read fails in time */ }
      entry.stream = null;
      if (controller !== null) controllers[controllers.n++] = controller;
    }
    return controllers;
  }

  // A reply is the result's JSON; 'B' in front says that it holds binary
  // values, which become Uint8Arrays.
  function decodeReply(reply) {
    if (typeof reply !== 'string') return reply;
    if (reply.length > 0 && charCodeAt(reply, 0) === 66)
      return revive(parse(stringSlice(reply, 1)));
    return parse(reply);
  }

  // The body of a message (after the token) for a serialised value: its
  // JSON, or with binary values 'B', the JSON and their base64. Checks the
  // size C will count; returns {size, length, body, blobs}, where body is
  // null until the Blobs are read (readBlobs, then frame).
  function prepare(text, found, what) {
    if (found.n === 0) {
      if (text.length > MAX_MESSAGE)
        throw new AtriumError('too-large',
          `the ${what} is ${text.length} characters, over the limit of ${MAX_MESSAGE} bytes`);
      return { __proto__: null, size: text.length, length: text.length, body: text, blobs: 0 };
    }
    const m = measure(text, found);
    if (m.size > MAX_MESSAGE)
      throw new AtriumError('too-large',
        `the ${what} is ${m.size} bytes with its binary values, over the limit of ${MAX_MESSAGE} bytes`);
    encodeViews(found);
    return {
      __proto__: null, size: m.size, length: m.length,
      body: m.blobs === 0 ? frame(text, found) : null, blobs: m.blobs, streams: m.streams,
    };
  }

  // --- calls through the web process extension ---
  // The message is the JSON, each binary value replaced by the marker
  // {"$atrium-bytes": i}, and the values themselves as Uint8Arrays (views
  // of the page's own memory: the extension copies them once, into the
  // message); the answer comes the same way. Nothing is base64, and no
  // string is made of the bytes on either side. A call whose arguments
  // name streams goes as a script message (its uploads are keyed there).
  const NativeBoxPrototype = freeze({ __proto__: null });

  function prepareNative(text, found, what) {
    let size = text.length;
    let blobs = 0;
    for (let i = 0; i < found.n; i++) {
      size += found[i].size;
      if (found[i].blob !== null) blobs++;
    }
    if (size > MAX_MESSAGE)
      throw new AtriumError('too-large', found.n === 0
        ? `the ${what} is ${text.length} characters, over the limit of ${MAX_MESSAGE} bytes`
        : `the ${what} is ${size} bytes with its binary values, over the limit of ${MAX_MESSAGE} bytes`);
    return { __proto__: null, size, length: size, body: blobs === 0 ? text : null, blobs, streams: 0 };
  }

  function hasStreams(found) {
    for (let i = 0; i < found.n; i++)
      if (found[i].stream !== undefined) return true;
    return false;
  }

  // The views as they are now: a call that waits in its lane sends the
  // bytes it had when it was made, as a script message's base64 does.
  function copyViews(found) {
    for (let i = 0; i < found.n; i++)
      if (found[i].view !== null) found[i].view = new NativeUint8Array(found[i].view);
  }

  // null when there are none, which the extension reads without a lookup.
  function partsOf(found) {
    if (found.n === 0) return null;
    const parts = [];
    for (let i = 0; i < found.n; i++)
      defineProperty(parts, i, {
        __proto__: null, value: found[i].view, writable: true, enumerable: true, configurable: true,
      });
    return parts;
  }

  // answer(true, a box holding the decoded value, or a stream's 'S'
  // reply), or answer(false, the AtriumError C sent).
  function postNative(body, parts, answer) {
    native(TOKEN, body, parts, (kind, text, ...replyParts) => {
      let ok = true;
      let value;
      try {
        if (kind === 3) {
          value = { __proto__: NativeBoxPrototype, value: text };
        } else if (kind === 0) {
          value = { __proto__: NativeBoxPrototype,
            value: replyParts.length > 0 ? revive(parse(text), replyParts) : parse(text) };
        } else if (kind === 2) {
          value = 'S' + text;
        } else {
          const o = parse(text);
          ok = false;
          value = new AtriumError(String_(o.code), String_(o.message));
        }
      } catch (e) {
        ok = false;
        value = new AtriumError('failed', 'the reply could not be decoded: ' + e.message);
      }
      answer(ok, value);
    });
  }

  // A lane's job that waits for its Blobs: once read, the body is made and
  // the lane moves on; a Blob that cannot be read fails the job with
  // bad-args and frees its place.
  function whenRead(lane, job, text, found, what, asBytes = false) {
    readBlobs(found, () => {
      job.body = asBytes ? text : frame(text, found);
      job.ready = true;
      drain(lane);
    }, (e) => {
      if (job.cancelled) {
        drain(lane);
        return;
      }
      job.cancelled = true;
      lane.waitingBytes -= job.size;
      job.size = 0;
      job.failed(new AtriumError('bad-args', `a Blob in the ${what} could not be read: ` +
        (e && typeof e.message === 'string' ? e.message : String_(e))));
      drain(lane);
    }, asBytes);
  }

  function call(method, ...args) {
    if (typeof method !== 'string' || method.length === 0)
      return promiseReject(new AtriumError('bad-args', 'the method name must be a non-empty string'));
    const id = nextId++;
    let serialised, message;
    try {
      serialised = serialise([method, args, id]);
    } catch (e) {
      return promiseReject(new AtriumError('bad-args', 'the arguments cannot be serialised: ' + e.message));
    }
    const text = serialised.text;
    if (text === undefined)
      return promiseReject(new AtriumError('bad-args', 'the arguments cannot be serialised'));
    if (TRANSPORT === 'extension' && native === null)
      return promiseReject(new AtriumError('failed',
        'ATRIUM_TRANSPORT is extension, but the web process extension is not loaded'));
    const viaNative = native !== null && !hasStreams(serialised.found);
    // length counts UTF-16 units, never more than the UTF-8 bytes C will see,
    // so this only refuses what C would refuse too, without copying it there.
    try {
      message = viaNative ? prepareNative(text, serialised.found, 'message')
        : prepare(text, serialised.found, 'message');
    } catch (e) {
      return promiseReject(e instanceof AtriumError ? e
        : new AtriumError('bad-args', 'the arguments cannot be serialised: ' + e.message));
    }

    let settle;
    let controller = null;
    let uploads = null;
    const job = {
      __proto__: null, size: message.length, cancelled: false, sent: false,
      ready: message.body !== null, body: message.body,
      post: (answer) => {
        job.sent = true;
        if (viaNative) {
          postNative(job.body, partsOf(serialised.found), answer);
          return;
        }
        whenSettled(send(TOKEN + job.body), answer);
        if (message.streams > 0) uploads = startUploads(serialised.found);
      },
      done: (value) => {
        if (value !== null && typeof value === 'object' && getPrototypeOf(value) === NativeBoxPrototype) {
          settle(true, value.value);
          return;
        }
        if (typeof value === 'string' && value.length > 0 && charCodeAt(value, 0) === 83) {
          try {
            controller = NativeAbortController !== null ? new NativeAbortController() : null;
          } catch (_) { controller = null; }
          openStream(value, method, controller, (ok, v) => {
            // Cancelled meanwhile: the Response is nobody's, so its body goes.
            if (!settle(ok, v) && ok && controller !== null) abortControllerAbort(controller);
          });
          return;
        }
        try { value = decodeReply(value); } catch (e) {
          settle(false, new AtriumError('failed', 'the reply could not be decoded: ' + e.message));
          return;
        }
        settle(true, value);
      },
      failed: (e) => settle(false, toError(e)),
    };
    const promise = new NativePromise((resolve, reject) => {
      let done = false;
      settle = (ok, value) => {
        if (done) return false;
        done = true;
        settled();
        (ok ? resolve : reject)(value);
        return true;
      };
    });
    pending++;
    if (!submit(callLane, job)) {
      settle(false, new AtriumError('queue-full',
        'too many calls are waiting for the app; try again once some have finished'));
      return promise;
    }
    if (viaNative && !job.sent)
      copyViews(serialised.found);
    if (!job.ready)
      whenRead(callLane, job, text, serialised.found, 'arguments', viaNative);
    // p.cancel() rejects at once and tells C, whose method may stop early;
    // whatever it answers later is dropped here. A call still waiting in
    // the page never leaves it.
    const cancel = () => {
      // A stream's fetch is aborted whenever it is cancelled, even once the
      // call has resolved with its Response: the C stream closes.
      if (controller !== null) {
        try { abortControllerAbort(controller); } catch (_) { /* nothing to abort */ }
      }
      if (uploads !== null) {
        for (let i = 0; i < uploads.n; i++) {
          try { abortControllerAbort(uploads[i]); } catch (_) { /* done already */ }
        }
      }
      if (!settle(false, new AtriumError('cancelled', `the call to ${method} was cancelled`)))
        return controller !== null;
      if (!job.sent) {
        job.cancelled = true;
        callLane.waitingBytes -= job.size;
        job.size = 0;
      } else {
        try { postCancel(TOKEN + id); } catch (_) { /* window closing */ }
      }
      return true;
    };
    defineProperty(promise, 'cancel',
      { __proto__: null, value: cancel, writable: true, enumerable: true, configurable: true });
    return promise;
  }

  // Resolves once no call is in flight: the launcher's --screenshot waits for
  // it so the picture shows the page's answers, not its placeholders.
  function whenIdle() {
    return pending === 0 ? new NativePromise((resolve) => resolve())
      : new NativePromise((resolve) => { setAdd(idleWaiters, resolve); });
  }

  if (LOG_CONSOLE) {
    const format = (v) => {
      if (typeof v === 'string') return v;
      if (v instanceof NativeError) return v.stack ? `${v}\n${v.stack}` : String_(v);
      if (v === null || typeof v !== 'object') return String_(v);
      try { return stringify(v); } catch (_) { return String_(v); }
    };
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      const original = consoleObject[level];
      consoleObject[level] = function (...values) {
        try {
          let line = '';
          for (let i = 0; i < values.length; i++)
            line += (i > 0 ? ' ' : '') + format(values[i]);
          postConsole(TOKEN + level + ':' + line);
        } catch (_) { /* logging must never throw into the page */ }
        return apply(original, consoleObject, values);
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
  const listeners = new NativeMap();   // name → Set of {fn, once, removed, serial}
  let handled = 0;                     // the id of the last batch handled
  let serial = 0;                      // listeners added later miss the batch at hand

  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = charCodeAt(s, i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }

  // Returns why the name is not a valid event name, or null. Pages may
  // listen to libatrium's own events ("atrium:window.resized"), never
  // emit them.
  function badName(name, listening) {
    if (typeof name !== 'string' || name.length === 0)
      return 'the event name must be a non-empty string';
    if (utf8Length(name) > EVENT_NAME_MAX)
      return `the event name is longer than ${EVENT_NAME_MAX} bytes`;
    if (isWellFormed !== null && !isWellFormed(name))
      return 'the event name holds a lone surrogate';
    if (!listening && startsWith(name, 'atrium:'))
      return 'event names starting with "atrium:" are reserved';
    return null;
  }

  function checkListener(name, fn) {
    const why = badName(name, true);
    if (why) throw new AtriumError('bad-args', why);
    if (typeof fn !== 'function')
      throw new AtriumError('bad-args', 'the listener must be a function');
  }

  function removeEntry(name, entry) {
    const set = mapGet(listeners, name);
    entry.removed = true;
    if (set === undefined) return;
    setDelete(set, entry);
    if (setSize(set) === 0) mapDelete(listeners, name);
  }

  // libatrium sends a page its window's events (atrium:window.resized and
  // the rest) once the page listens to one; watchWindow is set with the
  // built-ins, below.
  let watchWindow = null;
  // What the app is handed on the desktop (a second launch, a deep link,
  // files) waits in C until a page listens, and the first page to listen
  // to a name gets what waited for it: this page says so once per name,
  // after its listener is in place. listenApp is set with the built-ins.
  const appEvents = {
    __proto__: null,
    'atrium:app.second-instance': false,
    'atrium:app.open-url': false,
    'atrium:app.open-files': false,
  };
  let listenApp = null;

  function addListener(name, fn, once) {
    checkListener(name, fn);
    if (watchWindow !== null && startsWith(name, 'atrium:window.')) {
      const watch = watchWindow;
      watchWindow = null;
      watch();
    }
    let set = mapGet(listeners, name);
    if (set === undefined) mapSet(listeners, name, set = new NativeSet());
    const entry = { __proto__: null, fn, once, removed: false, serial: ++serial };
    setAdd(set, entry);
    if (appEvents[name] === false && listenApp !== null) {
      appEvents[name] = true;
      listenApp(name);
    }
    return () => removeEntry(name, entry);
  }

  // atrium.on(name, fn): fn(data, {name, sender}) for each event of that
  // name; returns a function that removes the listener.
  const on = (name, fn) => addListener(name, fn, false);
  const once = (name, fn) => addListener(name, fn, true);

  // atrium.off(name, fn): removes fn; atrium.off(name): every listener of name.
  function off(name, fn) {
    const set = mapGet(listeners, name);
    if (set === undefined) return;
    setForEach(set, (entry) => {
      if (!entry.internal && (fn === undefined || entry.fn === fn)) removeEntry(name, entry);
    });
  }

  function reportListenerError(name, e) {
    // One listener's failure is the page's to see, not the others'.
    try {
      apply(consoleObject.error, consoleObject, [`atrium: a listener of "${name}" threw:`, e]);
    } catch (_) { /* */ }
  }

  function dispatch(batch) {
    if (!isArray(batch)) return;
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i];
      if (!isArray(event)) continue;
      const name = event[0], sender = event[2];
      const set = mapGet(listeners, name);
      if (set === undefined) continue;
      // A fourth element, 1, says that the data holds binary values.
      let data = event[1];
      if (event.length > 3 && event[3] === 1) {
        try {
          data = revive(data);
        } catch (e) {
          reportListenerError(name, e);
          continue;
        }
      }
      const info = freeze({ name, sender });
      const last = serial;
      setForEach(set, (entry) => {
        if (entry.removed || entry.serial > last) return;
        if (entry.once) removeEntry(name, entry);
        try {
          apply(entry.fn, undefined, [data, info]);
        } catch (e) {
          reportListenerError(name, e);
        }
      });
    }
  }

  // The first poll waits for DOMContentLoaded, so listeners added by the
  // page's own scripts get the events sent before they ran. The next goes
  // once a batch has been handled: a page that stops reading stops asking.
  // Batches come in the order C sent them, through polls and emit replies
  // alike; `handled` tells C which it may forget.
  function receive(reply) {
    const message = parse(reply);
    handled = message[0];
    dispatch(message[1]);
  }

  // atrium.emit(name, data): to C listeners, and to the other windows when
  // the app forwards the name. Resolves once C has taken the event.
  function emit(name, data) {
    const why = badName(name);
    if (why) return promiseReject(new AtriumError('bad-args', why));
    let serialised, message;
    try {
      serialised = serialise([name, data === undefined ? null : data]);
    } catch (e) {
      return promiseReject(new AtriumError('bad-args', 'the event data cannot be serialised: ' + e.message));
    }
    const text = serialised.text;
    if (text === undefined)
      return promiseReject(new AtriumError('bad-args', 'the event data cannot be serialised'));
    try {
      message = prepare(text, serialised.found, 'event');
    } catch (e) {
      return promiseReject(e instanceof AtriumError ? e
        : new AtriumError('bad-args', 'the event data cannot be serialised: ' + e.message));
    }
    let resolve, reject;
    const promise = new NativePromise((yes, no) => { resolve = yes; reject = no; });
    const job = {
      __proto__: null, size: message.length, cancelled: false,
      ready: message.body !== null, body: message.body,
      // The reply may carry the events C sent this window meanwhile (its
      // answer to this one, say): they are handled before the Promise
      // settles. `handled` is read when the event leaves, not when it was
      // queued.
      post: (answer) => whenSettled(postEvent(TOKEN + handled + ':' + job.body), answer),
      done: (reply) => {
        try {
          if (typeof reply === 'string') receive(reply);
          resolve();
        } catch (e) {
          reject(toError(e));
        }
      },
      failed: (e) => reject(toError(e)),
    };
    if (!submit(eventLane, job))
      return queueFull('events');
    if (!job.ready)
      whenRead(eventLane, job, text, serialised.found, 'event');
    return promise;
  }

  // C sends a short backlog (a lone event, an answer) by script instead,
  // atrium.__deliver(["token", [[name, data, sender], …]]): a call with one
  // JSON argument, which JSC runs without compiling anything. That costs
  // less than a message reply, and the script's completion tells C it is
  // handled. A script without the token delivers nothing. The check is ===
  // on two strings, which calls nothing the page could have replaced.
  function deliver(message) {
    const token = isArray(message) ? message[0] : undefined;
    if (typeof token !== 'string' || token !== TOKEN)
      throw new AtriumError('bad-token', 'only Atrium delivers events');
    dispatch(message[1]);
  }

  function poll() {
    let reply;
    try {
      reply = postPoll(TOKEN + handled);
    } catch (_) {
      return;   // the window is closing
    }
    promiseThen(reply, (batch) => {
      try {
        receive(batch);
      } finally {
        poll();
      }
    }, () => { /* the window is closing */ });
  }
  // Two polls stay posted, so C builds the next batch while this one is
  // handled; batches still arrive, and are handled, in order.
  const POLL_DEPTH = @POLL_DEPTH@;
  const startPolling = () => { for (let i = 0; i < POLL_DEPTH; i++) poll(); };
  if (document.readyState === 'loading')
    document.addEventListener('DOMContentLoaded', startPolling, { once: true });
  else
    startPolling();
  // --- end events ---

  // --- app windows ---
  // WebKitGTK does not tell C which frame asks for a new window, and a
  // sandboxed or foreign frame with allow-popups must not open app windows
  // (with the runtime) at a path of its choosing. So this frame tells C,
  // with the token, just before it opens one: through window.open(), or a
  // click on a link that may open a new window. C opens app windows only
  // for URLs granted so.
  const postOpen = bindPost('atrium-open');
  const ORIGIN = location.origin;
  const nativeOpen = window.open;
  const NativeURL = URL;
  const urlHref = getter(URL.prototype, 'href');
  const baseURI = getter(Node.prototype, 'baseURI');
  const closest = uncurry(Element.prototype.closest);
  const getAttribute = uncurry(Element.prototype.getAttribute);
  const eventTarget = getter(Event.prototype, 'target');
  const NativeElement = Element;

  function grantOpen(url) {
    try {
      const href = urlHref(new NativeURL(String_(url), baseURI(document)));
      if (startsWith(href, ORIGIN + '/'))
        postOpen(TOKEN + href);
    } catch (_) { /* not a URL: WebKit will refuse it itself */ }
  }

  defineProperty(window, 'open', {
    __proto__: null, writable: true, enumerable: true, configurable: true,
    value: function open(...args) {
      if (args.length > 0 && args[0] !== undefined && args[0] !== '')
        grantOpen(args[0]);
      return apply(nativeOpen, window, args);
    },
  });

  // Only for clicks that can open a window: a link with a target of its
  // own, or a middle, Ctrl, Shift or Meta click. Any other click navigates
  // this frame, and a grant for it would be one a frame could use.
  const eventButton = getter(MouseEvent.prototype, 'button');
  const eventCtrl = getter(MouseEvent.prototype, 'ctrlKey');
  const eventShift = getter(MouseEvent.prototype, 'shiftKey');
  const eventMeta = getter(MouseEvent.prototype, 'metaKey');
  const toLowerCase = uncurry(String.prototype.toLowerCase);
  const querySelector = uncurry(Document.prototype.querySelector);
  const grantLink = (event) => {
    try {
      const target = eventTarget(event);
      if (!(target instanceof NativeElement)) return;
      const link = closest(target, 'a[href], area[href]');
      if (link === null) return;
      // A link without a target of its own takes the page's <base target>.
      const base = querySelector(document, 'base[target]');
      const frame = toLowerCase(String_(getAttribute(link, 'target') ||
        (base !== null ? getAttribute(base, 'target') : '') || ''));
      const newWindow = (frame !== '' && frame !== '_self' && frame !== '_top' && frame !== '_parent') ||
        eventButton(event) === 1 || eventCtrl(event) || eventShift(event) || eventMeta(event);
      if (newWindow) grantOpen(getAttribute(link, 'href'));
    } catch (_) { /* */ }
  };
  document.addEventListener('click', grantLink, true);
  document.addEventListener('auxclick', grantLink, true);

  // <a download> of one of the app's own files: WebKit's network process,
  // which does the downloading, does not serve app://, so the runtime
  // fetches the file and downloads a blob: URL of it instead, under the
  // same name, through the same policy, dialog and events. On the window,
  // bubbling, so it runs last: a page that handles the click itself
  // (preventDefault) keeps it.
  const eventDefaultPrevented = getter(Event.prototype, 'defaultPrevented');
  const preventDefault = uncurry(Event.prototype.preventDefault);
  const NativeAnchor = HTMLAnchorElement;
  const anchorHref = getter(HTMLAnchorElement.prototype, 'href');
  const anchorClick = uncurry(HTMLElement.prototype.click);
  const createElement = uncurry(Document.prototype.createElement);
  const setAttribute = uncurry(Element.prototype.setAttribute);
  const createObjectURL = URL.createObjectURL;
  const revokeObjectURL = URL.revokeObjectURL;
  const responseOk = nativeFetch ? getter(Response.prototype, 'ok') : null;
  const responseBlob = nativeFetch ? uncurry(Response.prototype.blob) : null;
  const consoleWarn = console.warn;
  const downloadAppFile = (event) => {
    try {
      if (nativeFetch === null || eventDefaultPrevented(event)) return;
      const target = eventTarget(event);
      if (!(target instanceof NativeElement)) return;
      const link = closest(target, 'a[href][download]');
      if (!(link instanceof NativeAnchor)) return;
      const href = anchorHref(link);
      if (!startsWith(href, ORIGIN + '/')) return;   // blob: and the rest: WebKit's own
      preventDefault(event);
      const name = String_(getAttribute(link, 'download') || '');
      promiseThen(promiseThen(nativeFetch(href, { __proto__: null, credentials: 'same-origin' }),
        (response) => {
          if (!responseOk(response))
            throw new NativeError(`${href} answered ${responseStatus(response)}`);
          return responseBlob(response);
        }), (blob) => {
        try {
          const url = createObjectURL(blob);
          const a = createElement(document, 'a');
          setAttribute(a, 'href', url);
          setAttribute(a, 'download', name);
          anchorClick(a);
          // WebKit holds the blob's data from the start of the download.
          revokeObjectURL(url);
        } catch (_) { /* */ }
      }, (error) => apply(consoleWarn, console, [`Atrium: could not download ${href}: ${error}`]));
    } catch (_) { /* */ }
  };
  window.addEventListener('click', downloadAppFile);

  // --- built-ins ---
  // libatrium's own methods, bound in C under reserved names
  // ("atrium:window.set_title"), go through call() like the app's: the
  // token, the lanes, cancellation and the error codes are the same. Each
  // group is a plain frozen object of wrappers with fixed parameters (no
  // spread, which would look the array iterator up on a prototype the page
  // can replace). Whether a group is on is C's to say: a group that is off
  // rejects with `forbidden`, naming the C switch.
  const NativeNumber = Number;
  const isInteger = Number.isInteger;
  // Defined, not assigned: a setter the page put on Object.prototype
  // would otherwise take the value.
  const addMember = (object, name, value) => defineProperty(object, name,
    { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  const B = 'atrium:window.';

  // The methods on one window: `target` is null for the calling window,
  // or a window id for a handle.
  function windowMethods(target) {
    return {
      setTitle: (title) => call(B + 'set_title', target, title),
      getTitle: () => call(B + 'get_title', target),
      setSize: (width, height) => call(B + 'set_size', target, width, height),
      getSize: () => call(B + 'get_size', target),
      setMinSize: (width, height) => call(B + 'set_min_size', target, width, height),
      setMaxSize: (width, height) => call(B + 'set_max_size', target, width, height),
      setResizable: (resizable) => call(B + 'set_resizable', target, resizable),
      center: () => call(B + 'center', target),
      maximize: () => call(B + 'maximize', target),
      unmaximize: () => call(B + 'unmaximize', target),
      isMaximized: () => call(B + 'is_maximized', target),
      minimize: () => call(B + 'minimize', target),
      restore: () => call(B + 'restore', target),
      fullscreen: () => call(B + 'fullscreen', target),
      unfullscreen: () => call(B + 'unfullscreen', target),
      isFullscreen: () => call(B + 'is_fullscreen', target),
      isFocused: () => call(B + 'is_focused', target),
      show: () => call(B + 'show', target),
      hide: () => call(B + 'hide', target),
      focus: () => call(B + 'focus', target),
      close: () => call(B + 'close', target),
      destroy: () => call(B + 'destroy', target),
      setBackgroundColor: (color) => call(B + 'set_background_color', target, color),
      setZoom: (zoom) => call(B + 'set_zoom', target, zoom),
      getZoom: () => call(B + 'get_zoom', target),
      openDevTools: () => call(B + 'open_dev_tools', target),
      closeDevTools: () => call(B + 'close_dev_tools', target),
      setPosition: (x, y) => call(B + 'set_position', target, x, y),
      getPosition: () => call(B + 'get_position', target),
      setAlwaysOnTop: (above) => call(B + 'set_always_on_top', target, above),
      setMenu: (template) => call('atrium:menu.set_window_menu', target, template),
    };
  }

  // atrium.window.get(id): a handle on any of the app's windows. Its calls
  // reject with `not-found` once that window has closed.
  function windowHandle(id) {
    if (typeof id !== 'number' || !isInteger(id) || id <= 0)
      throw new AtriumError('bad-args', 'a window id is a positive whole number');
    const handle = windowMethods(NativeNumber(id));
    addMember(handle, 'id', id);
    addMember(handle, 'current', () => call(B + 'current', id));
    return freeze(handle);
  }

  // Close interception: C asks this page (after its own close-requested
  // handlers) with the event atrium:window.close-requested {id, serial}
  // while the page has a handler. Every handler runs, each may call
  // event.preventDefault(), and once all have settled (async ones
  // included) the page answers. C closes the window anyway if the answer
  // does not come in time.
  const ignore = () => { /* the window is closing, or the group is off */ };
  watchWindow = () => promiseThen(call(B + 'watch_events'), ignore, ignore);
  listenApp = (name) => promiseThen(call('atrium:app.listen', name), ignore, ignore);

  const closeHandlers = new NativeSet();
  const promiseResolve = NativePromise.resolve.bind(NativePromise);

  function onCloseRequested(fn) {
    if (typeof fn !== 'function')
      throw new AtriumError('bad-args', 'the close handler must be a function');
    const entry = { __proto__: null, fn };
    setAdd(closeHandlers, entry);
    if (setSize(closeHandlers) === 1)
      promiseThen(call(B + 'intercept_close', true), ignore, ignore);
    return () => {
      if (setDelete(closeHandlers, entry) && setSize(closeHandlers) === 0)
        promiseThen(call(B + 'intercept_close', false), ignore, ignore);
    };
  }

  function closeRequested(data) {
    if (data === null || typeof data !== 'object') return;
    const serial = data.serial;
    let prevented = false;
    let waiting = 1;
    const answer = () => {
      if (--waiting === 0)
        promiseThen(call(B + 'answer_close', serial, prevented), ignore, ignore);
    };
    const event = freeze({
      __proto__: null, id: data.id,
      preventDefault: () => { prevented = true; },
    });
    setForEach(closeHandlers, (entry) => {
      let result;
      try {
        result = apply(entry.fn, undefined, [event]);
      } catch (e) {
        reportListenerError('atrium:window.close-requested', e);
        return;
      }
      waiting++;
      let settledOnce = false;
      const one = () => { if (!settledOnce) { settledOnce = true; answer(); } };
      try {
        promiseThen(promiseResolve(result), one, (e) => {
          reportListenerError('atrium:window.close-requested', e);
          one();
        });
      } catch (e) {
        one();
      }
    });
    answer();
  }

  {
    let set = mapGet(listeners, 'atrium:window.close-requested');
    if (set === undefined) mapSet(listeners, 'atrium:window.close-requested', set = new NativeSet());
    setAdd(set, {
      __proto__: null, fn: closeRequested, once: false, removed: false, serial: 0, internal: true,
    });
  }

  // Drag regions: an element with data-atrium-drag is a title bar. Dragged
  // with the primary button it moves the window, a double click maximises
  // or restores it, a right click shows the window manager's menu. The
  // nearest of the element, a data-atrium-no-drag one or a control (a
  // button, a field, a link) decides, so controls in a bar still work. C
  // does it only while the user holds a button on the window.
  const hasAttribute = uncurry(Element.prototype.hasAttribute);
  const REGION = '[data-atrium-drag], [data-atrium-no-drag], button, input, select, ' +
                 'textarea, a[href], [contenteditable=""], [contenteditable="true"]';
  const inDragRegion = (event) => {
    const target = eventTarget(event);
    if (!(target instanceof NativeElement)) return false;
    const region = closest(target, REGION);
    return region !== null && hasAttribute(region, 'data-atrium-drag');
  };
  const frameAction = (event, what) => {
    try {
      if (!inDragRegion(event)) return false;
      promiseThen(call(B + what), ignore, ignore);
      return true;
    } catch (_) {
      return false;
    }
  };
  // As a title bar does, the move starts when the pointer has moved a few
  // pixels with the button down, not on the press: a click or a double
  // click on the bar stays one (a move hands the pointer to the window
  // manager, and the page would never see the release).
  const eventScreenX = getter(MouseEvent.prototype, 'screenX');
  const eventScreenY = getter(MouseEvent.prototype, 'screenY');
  const eventButtons = getter(MouseEvent.prototype, 'buttons');
  const DRAG_THRESHOLD = 4;
  let dragFrom = null;
  window.addEventListener('mousedown', (event) => {
    dragFrom = null;
    try {
      if (eventButton(event) === 0 && inDragRegion(event)) {
        dragFrom = { __proto__: null, x: eventScreenX(event), y: eventScreenY(event) };
        preventDefault(event);   // no text selection starting under the drag
      }
    } catch (_) { /* */ }
  }, true);
  window.addEventListener('mousemove', (event) => {
    if (dragFrom === null) return;
    try {
      if ((eventButtons(event) & 1) === 0) {
        dragFrom = null;
        return;
      }
      const dx = eventScreenX(event) - dragFrom.x, dy = eventScreenY(event) - dragFrom.y;
      if (dx * dx + dy * dy < DRAG_THRESHOLD * DRAG_THRESHOLD) return;
      dragFrom = null;
      promiseThen(call(B + 'start_drag'), ignore, ignore);
    } catch (_) { dragFrom = null; }
  }, true);
  window.addEventListener('mouseup', () => { dragFrom = null; }, true);
  window.addEventListener('dblclick', (event) => {
    if (eventButton(event) === 0) frameAction(event, 'toggle_maximize');
  }, true);
  window.addEventListener('contextmenu', (event) => {
    if (frameAction(event, 'show_menu')) preventDefault(event);
  }, true);

  const windowGroup = windowMethods(null);
  addMember(windowGroup, 'current', () => call(B + 'current', null));
  addMember(windowGroup, 'list', () => call(B + 'list'));
  addMember(windowGroup, 'open', (path, options) => call(B + 'open', path, options));
  addMember(windowGroup, 'get', windowHandle);
  addMember(windowGroup, 'onCloseRequested', onCloseRequested);

  // atrium.dialog: native dialogs, modal to this window; p.cancel()
  // closes the dialog.
  const D = 'atrium:dialog.';
  const dialogGroup = {
    open: (options) => call(D + 'open', options),
    save: (options) => call(D + 'save', options),
    message: (options) => call(D + 'message', options),
    confirm: (message, options) => call(D + 'confirm', message, options),
  };
  const S = 'atrium:shell.';
  const shellGroup = {
    openUrl: (url) => call(S + 'open_url', url),
    openPath: (path) => call(S + 'open_path', path),
    showInFolder: (path) => call(S + 'show_in_folder', path),
    trash: (path) => call(S + 'trash', path),
  };
  // atrium.menu: menus from one template format; clicks come back as the
  // event atrium:menu.clicked {id, checked, windowId}. popup() resolves
  // with the id clicked, or null when the menu is dismissed.
  const M = 'atrium:menu.';
  const menuGroup = {
    popup: (template, options) => call(M + 'popup', template, options),
    setApplicationMenu: (template) => call(M + 'set_application_menu', template),
    update: (id, changes) => call(M + 'update', id, changes),
  };
  // atrium.shortcuts: keys of the window without a menu item, as the
  // event atrium:shortcut {id}.
  const shortcutsGroup = {
    add: (accelerator, id) => call('atrium:shortcuts.add', accelerator, id),
    remove: (id) => call('atrium:shortcuts.remove', id),
  };
  const clipboardGroup = {
    writeText: (text) => call('atrium:clipboard.write_text', text),
    readText: () => call('atrium:clipboard.read_text'),
    writeImage: (png) => call('atrium:clipboard.write_image', png),
    readImage: () => call('atrium:clipboard.read_image'),
  };
  const notificationGroup = {
    show: (options) => call('atrium:notification.show', options),
    close: (id) => call('atrium:notification.close', id),
  };
  const screenGroup = {
    list: () => call('atrium:screen.list'),
    current: () => call('atrium:screen.current'),
  };
  // atrium.print() is the dialog; atrium.print.toPdf() writes a file.
  const print = () => call('atrium:print.dialog');
  addMember(print, 'toPdf', (path, options) => call('atrium:print.to_pdf', path, options));

  const atrium = freeze({
    call,
    on,
    once,
    off,
    emit,
    stream,
    AtriumError,
    window: freeze(windowGroup),
    theme: freeze({ get: () => call('atrium:theme.get') }),
    dialog: freeze(dialogGroup),
    shell: freeze(shellGroup),
    clipboard: freeze(clipboardGroup),
    notification: freeze(notificationGroup),
    screen: freeze(screenGroup),
    print: freeze(print),
    tray: freeze({
      create: (options) => call('atrium:tray.create', options),
      update: (id, options) => call('atrium:tray.update', id, options),
      destroy: (id) => call('atrium:tray.destroy', id),
    }),
    app: freeze({
      setAutostart: (enabled) => call('atrium:app.set_autostart', enabled),
      isAutostart: () => call('atrium:app.is_autostart'),
    }),
    menu: freeze(menuGroup),
    secret: freeze({
      set: (key, value) => call('atrium:secret.set', key, value),
      get: (key) => call('atrium:secret.get', key),
      delete: (key) => call('atrium:secret.delete', key),
    }),
    shortcuts: freeze(shortcutsGroup),
    store: freeze({
      get: (key) => call('atrium:store.get', key),
      // JSON has no undefined: refused here rather than stored as null.
      set: (key, value) => (value === undefined
        ? promiseReject(new AtriumError('bad-args', 'store.set takes a key and a value'))
        : call('atrium:store.set', key, value)),
      delete: (key) => call('atrium:store.delete', key),
      keys: () => call('atrium:store.keys'),
      clear: () => call('atrium:store.clear'),
    }),
    path: freeze({
      config: () => call('atrium:path.config'),
      data: () => call('atrium:path.data'),
      cache: () => call('atrium:path.cache'),
      state: () => call('atrium:path.state'),
      home: () => call('atrium:path.home'),
      downloads: () => call('atrium:path.downloads'),
      documents: () => call('atrium:path.documents'),
      pictures: () => call('atrium:path.pictures'),
      temp: () => call('atrium:path.temp'),
    }),
    log: freeze({
      debug: (message, fields) => call('atrium:log.debug', message, fields),
      info: (message, fields) => call('atrium:log.info', message, fields),
      warn: (message, fields) => call('atrium:log.warn', message, fields),
      error: (message, fields) => call('atrium:log.error', message, fields),
    }),
    __whenIdle: whenIdle,
    __deliver: deliver,
  });

  defineProperty(window, 'atrium', {
    __proto__: null,
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
