// Served by test-assets from the /dev/atrium/Test/web resource. A classic
// script, so that index.html can load it without type="module".
window.atriumTestGreeting = 'hello from a resource';
