import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the api at /console (same origin); built into the api's dist so one process serves both.
export default defineConfig({
  base: '/console/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
    // GraphiQL's modules start with React Compiler directives that a bundle cannot keep; harmless.
    rollupOptions: { onwarn: (warning, warn) => warning.code !== 'MODULE_LEVEL_DIRECTIVE' && warn(warning) },
  },
  worker: { format: 'es' },
  server: { port: 5173, proxy: { '/graphql': { target: 'http://127.0.0.1:3000', ws: true }, '/reports': 'http://127.0.0.1:3000' } },
});
