import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// End-to-end files each start their own fakes on port 0, so files can run in parallel safely.
		pool: 'forks',
	},
});
