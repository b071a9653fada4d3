import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The webview is WebKitGTK on Linux: target the Safari generation it matches.
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: 'localhost' },
  build: {
    target: ['es2021', 'safari15'],
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // Mounting a whole page with Element Plus takes seconds on a loaded two-core machine; the
    // default five seconds fails tests that are only slow, not wrong.
    testTimeout: 30_000,
  },
})
