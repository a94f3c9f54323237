import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'orchestrator/**/*.test.ts',
      'agents/**/*.test.ts',
      'certs/**/*.test.ts',
      'web/**/*.test.ts',
      'docs/**/*.test.ts',
      'deploy/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
