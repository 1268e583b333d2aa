import { defineConfig } from 'vitest/config';

// Lua scripts are files (BullMQ style); the build bundles them as text and so do the tests.
const luaAsText = {
	name: 'lua-as-text',
	transform(code: string, id: string) {
		if (!id.endsWith('.lua')) return undefined;
		return { code: `export default ${JSON.stringify(code)};`, map: null };
	},
};

export default defineConfig({
	plugins: [luaAsText],
	// n8n-workflow ships source maps without sources: vite's warnings about that are noise
	logLevel: 'error',
	test: {
		projects: [
			{
				extends: true,
				test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['test/integration/**/*.test.ts'],
					// Redis at REDIS_URL, or a private redis-server started for the run
					globalSetup: ['test/setup/redis.ts'],
					testTimeout: 60_000,
				},
			},
			{
				extends: true,
				test: {
					// the shipped artefact: one build + pack per run, then the tarball's own tests and a
					// real n8n with the tarball installed
					name: 'e2e',
					include: ['test/package/**/*.test.ts', 'test/e2e/**/*.test.ts'],
					globalSetup: ['test/setup/redis.ts', 'test/setup/build-package.ts', 'test/e2e/setup/n8n.ts'],
					testTimeout: 300_000,
					hookTimeout: 900_000,
					pool: 'forks',
					poolOptions: { forks: { singleFork: true } },
				},
			},
			{
				extends: true,
				test: {
					// n8n's queue mode: a main + 2 workers on a PostgreSQL database of the run's own, the
					// Bull queue on Redis under a prefix of its own, so it runs beside the e2e tier
					name: 'e2e-queue',
					// and the cart-abandonment template, unchanged, through the e2e tier's template test
					include: ['test/e2e-queue/**/*.test.ts', 'test/e2e/templates.test.ts'],
					globalSetup: ['test/setup/redis.ts', 'test/setup/build-package.ts', 'test/e2e-queue/setup/queue.ts'],
					testTimeout: 600_000,
					hookTimeout: 900_000,
					pool: 'forks',
					poolOptions: { forks: { singleFork: true } },
				},
			},
		],
	},
});
