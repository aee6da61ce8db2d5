// The page. window.atrium is there before this runs: libatrium injects it
// into the app's own pages.
const { atrium } = window;
const $ = (id) => document.getElementById(id);

async function greet() {
  const greeting = await atrium.call('backend.greet', $('name').value);
  $('greeting').textContent = greeting;
  return greeting;
}
$('greet-form').addEventListener('submit', (e) => { e.preventDefault(); greet(); });

// --screenshot waits for this Promise; the tests read the line it logs
// (with --log-console).
window.atriumReady = greet().then((greeting) => {
  console.log(`{{NAME}} ready: call ok (${greeting})`);
});
