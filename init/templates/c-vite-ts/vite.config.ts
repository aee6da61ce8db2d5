import { defineConfig } from 'vite';

export default defineConfig({
  // Relative URLs: the build is served from app://localhost/ out of a GResource.
  base: './',
  server: {
    host: '127.0.0.1',
    port: 5173,
    // make dev takes the next free port when this one is busy.
    strictPort: false,
    // The C side and the build are not the page's: make dev watches src/ itself.
    watch: { ignored: ['**/build/**', '**/src/**', '**/debian/**', '**/obj-*/**'] },
  },
  build: {
    target: 'es2022',
    // Fixed names, so web.gresource.xml and meson can list the files.
    rollupOptions: {
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: '[name].js',
        assetFileNames: '[name][extname]',
      },
    },
  },
});
