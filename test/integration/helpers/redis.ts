/**
 * Redis for the integration tier: the shared server at REDIS_URL (default
 * redis://127.0.0.1:6379) with a unique key namespace per test, and throw-away servers for
 * fault tests. A missing Redis is a failure with the command that starts it, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { RedisStoreConfig } from '../../../lib/store/redis/connection';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const url = new URL(REDIS_URL);
export const REDIS_HOST = url.hostname || '127.0.0.1';
export const REDIS_PORT = Number(url.port || 6379);
export const HASH_SECRET = 'integration-test-hash-secret-0123456789';

export const START_REDIS =
	'install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis; or docker run -d -p 6379:6379 redis:7) ' +
	'and start it (redis-server --daemonize yes --port 6379), or point REDIS_URL at a running server. ' +
	'npm test starts a private redis-server itself when the binary is on PATH and nothing answers at REDIS_URL';

/** Throws (fails the test) unless the shared Redis answers PING within 2 s. */
export async function requireRedis(): Promise<void> {
	const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
	client.on('error', () => undefined);
	try {
		await client.connect();
		await client.ping();
	} catch (error) {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${(error as Error).message}): ${START_REDIS}`);
	} finally {
		client.disconnect();
	}
}

export function uniqueNamespace(prefix = 't'): string {
	return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function storeConfig(namespace: string, overrides: Partial<RedisStoreConfig> = {}): RedisStoreConfig {
	return {
		host: REDIS_HOST,
		port: REDIS_PORT,
		database: Number(url.pathname.slice(1) || 0),
		tls: false,
		namespace,
		hashSecret: HASH_SECRET,
		commandTimeoutMs: 2000,
		password: url.password || undefined,
		user: url.username || undefined,
		...overrides,
	};
}

/** A plain client for inspecting keys. */
export function adminClient(port = REDIS_PORT, host = REDIS_HOST): Redis {
	const client = new Redis({ host, port, password: url.password || undefined, maxRetriesPerRequest: 1 });
	client.on('error', () => undefined);
	return client;
}

export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
	const keys: string[] = [];
	let cursor = '0';
	do {
		const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
		keys.push(...batch);
		cursor = next;
	} while (cursor !== '0');
	return keys;
}

export async function deleteNamespace(client: Redis, namespace: string): Promise<void> {
	const keys = await scanKeys(client, `${namespace}:*`);
	for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** A redis-server of the test's own on a free port (no persistence, DEBUG enabled). */
export class ThrowawayRedis {
	private child?: ChildProcess;

	private constructor(readonly port: number) {}

	static async start(): Promise<ThrowawayRedis> {
		const server = new ThrowawayRedis(await freePort());
		await server.launch();
		return server;
	}

	async launch(): Promise<void> {
		const child = spawn(
			'redis-server',
			['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--maxmemory-policy', 'noeviction'],
			{ stdio: 'ignore' },
		);
		this.child = child;
		const failed = new Promise<never>((_, reject) => {
			child.once('error', (error) => reject(new Error(`could not run redis-server (${error.message}): ${START_REDIS}`)));
		});
		const deadline = Date.now() + 5000;
		for (;;) {
			const ok = await Promise.race([this.ping(), failed]);
			if (ok) return;
			if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start within 5 s`);
			await sleep(50);
		}
	}

	async ping(): Promise<boolean> {
		const client = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
		client.on('error', () => undefined);
		try {
			await client.connect();
			return (await client.ping()) === 'PONG';
		} catch {
			return false;
		} finally {
			client.disconnect();
		}
	}

	/** SIGKILL: the connection drops, nothing answers. */
	async kill(): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
	}

	/** A store credential for this server under `namespace`. */
	config(namespace: string, commandTimeoutMs: number): RedisStoreConfig {
		return { host: '127.0.0.1', port: this.port, database: 0, tls: false, namespace, hashSecret: HASH_SECRET, commandTimeoutMs };
	}

	/** Runs `work` while the server is frozen (SIGSTOP), and thaws it whatever happens. */
	async whileFrozen<T>(work: () => Promise<T>): Promise<T> {
		this.freeze();
		try {
			return await work();
		} finally {
			this.thaw();
		}
	}

	/** SIGSTOP: the server stops answering but keeps its connections (a frozen VM, a long pause). */
	freeze(): void {
		this.child?.kill('SIGSTOP');
	}

	/** SIGCONT: the server runs again and works through what its clients sent meanwhile. */
	thaw(): void {
		this.child?.kill('SIGCONT');
	}

	async stop(): Promise<void> {
		this.thaw();
		await this.kill();
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
