// The Atrium runtime as an ES module, for frontends that import it:
//
//   import { call, on, emit, AtriumError } from './atrium.mjs';
//
// libatrium injects the runtime itself into every page of the app, as
// window.atrium, before the page's scripts run; this module only hands that
// object out under names editors and bundlers understand (atrium.d.ts types
// them). Outside an Atrium window there is nothing to hand out, so importing
// it fails at once with an error that says so, not later with a TypeError.

const runtime = globalThis.atrium;

if (runtime === undefined || runtime === null) {
  throw new Error('atrium.mjs: window.atrium is missing; this page is not running in an Atrium ' +
                  'window (open it with `atrium --dir DIR` or `atrium --dev-url URL`)');
}

export const atrium = runtime;
export const { call, on, once, off, emit, stream, AtriumError } = runtime;
export default runtime;
