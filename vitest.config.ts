import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
    // Lab-host integration tests share one lab; they run in one worker, one file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
