/**
 * `npm test` on a fresh machine: the global setup (test/setup/redis.ts) uses the Redis at
 * REDIS_URL when it answers, starts a private redis-server when nothing answers, and fails with
 * how to install one when it cannot.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import setup from '../../setup/redis';
import { freePort, REDIS_URL } from '../helpers/redis';

const saved = { url: process.env.REDIS_URL, path: process.env.PATH };
afterEach(() => {
	process.env.PATH = saved.path;
	if (saved.url === undefined) delete process.env.REDIS_URL;
	else process.env.REDIS_URL = saved.url;
});

describe('the Redis the tests use', () => {
	it('keeps a Redis that answers at REDIS_URL', async () => {
		process.env.REDIS_URL = REDIS_URL;
		const teardown = await setup();
		expect(teardown).toBeUndefined();
		expect(process.env.REDIS_URL).toBe(REDIS_URL);
	});

	it('starts a private redis-server when nothing answers at REDIS_URL, and stops it afterwards', async () => {
		const dead = `redis://127.0.0.1:${await freePort()}`;
		process.env.REDIS_URL = dead;
		const teardown = await setup();
		expect(teardown).toBeTypeOf('function');
		const started = process.env.REDIS_URL;
		expect(started).not.toBe(dead);
		const client = new Redis(started!, { maxRetriesPerRequest: 0, lazyConnect: true });
		client.on('error', () => undefined);
		try {
			await client.connect();
			expect(await client.ping()).toBe('PONG');
		} finally {
			client.disconnect();
		}
		await teardown!();
		const after = new Redis(started!, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null, connectTimeout: 500 });
		after.on('error', () => undefined);
		await expect(after.connect()).rejects.toThrow();
		after.disconnect();
	});

	it('fails with how to install Redis when nothing answers and redis-server is not installed', async () => {
		process.env.REDIS_URL = `redis://127.0.0.1:${await freePort()}`;
		process.env.PATH = '/nonexistent';
		await expect(setup()).rejects.toThrow(/no private redis-server could be started.*apt-get install redis-server/s);
	});
});
