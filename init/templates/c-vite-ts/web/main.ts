// The page. ./generated/atrium-bindings.js and its .d.ts are written by the
// build from the app itself (build/{{NAME}}-dev --emit-js/--emit-dts), so a
// call that does not fit a method's C signature fails `tsc`.
import { backend, AtriumError } from './generated/atrium-bindings.js';
import icon from '../data/{{ID}}.svg?raw';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

$('icon').innerHTML = icon;

async function greet(): Promise<string> {
  const greeting: string = await backend.greet($<HTMLInputElement>('name').value);
  $('greeting').textContent = greeting;
  return greeting;
}

$('greet-form').addEventListener('submit', (e) => {
  e.preventDefault();
  greet().catch((error: unknown) => {
    $('greeting').textContent = error instanceof AtriumError ? `${error.code}: ${error.message}`
                                                             : String(error);
  });
});

declare global {
  interface Window { atriumReady?: Promise<unknown> }
}

// --screenshot waits for this Promise; the tests read the line it logs
// (with --log-console).
window.atriumReady = greet().then((greeting) => {
  console.log(`{{NAME}} ready: call ok (${greeting})`);
});
