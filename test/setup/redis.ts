/**
 * Global setup of the tiers that need Redis: the server at REDIS_URL (default
 * redis://127.0.0.1:6379) when it answers; otherwise a private redis-server on a free port,
 * started here and stopped after the run, with REDIS_URL pointed at it for every test. When
 * neither is possible the run fails with how to install or start Redis, never skips.
 */
import { Redis } from 'ioredis';
import { ThrowawayRedis } from '../integration/helpers/redis';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
	const url = process.env.REDIS_URL ?? DEFAULT_URL;
	const problem = await pingProblem(url);
	if (!problem) return undefined;
	let server: ThrowawayRedis;
	try {
		server = await ThrowawayRedis.start();
	} catch (error) {
		throw new Error(`Redis is not reachable at ${url} (${problem}), and no private redis-server could be started (${(error as Error).message}).`);
	}
	process.env.REDIS_URL = `redis://127.0.0.1:${server.port}`;
	console.log(`Nothing answered at ${url} (${problem}): the tests use a private redis-server at ${process.env.REDIS_URL}`);
	return async () => {
		await server.stop();
	};
}

/** Why the server at `url` cannot be used, or undefined when it answers PING. */
async function pingProblem(url: string): Promise<string | undefined> {
	const client = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
	client.on('error', () => undefined);
	try {
		await client.connect();
		return (await client.ping()) === 'PONG' ? undefined : 'PING was not answered with PONG';
	} catch (error) {
		return (error as Error).message;
	} finally {
		client.disconnect();
	}
}
