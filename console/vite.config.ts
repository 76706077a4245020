import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API (GPILOT_API, default http://127.0.0.1:8080), so the console talks to the same
// endpoints as any integration, same-origin.
const api = process.env.GPILOT_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': { target: api, changeOrigin: false }, '/health': api },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
