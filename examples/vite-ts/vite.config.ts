import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The Atrium runtime module lives in the Atrium tree (installed copies are in
// <prefix>/share/atrium-1/runtime/): point ATRIUM_RUNTIME_DIR elsewhere to use
// another one. The import name @atrium/runtime is the same either way.
const runtimeDir = process.env.ATRIUM_RUNTIME_DIR
  ?? fileURLToPath(new URL('../../assets/runtime', import.meta.url));

export default defineConfig({
  // Relative URLs, so dist/ works from app://localhost/ and any folder.
  base: './',
  resolve: {
    alias: { '@atrium/runtime': `${runtimeDir}/atrium.mjs` },
  },
  server: {
    port: 5173,
    strictPort: true,
    // Let the dev server read the runtime module outside this folder.
    fs: { allow: ['.', runtimeDir] },
  },
  build: {
    target: 'es2022',
    // Keep the image and the audio clip as files, served over app://.
    assetsInlineLimit: 0,
  },
});
