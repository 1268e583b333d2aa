import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../unavailable';
import { namespaceProblem, secretProblem } from './keys';
import { DEADLINE_ERROR, loadScripts } from './scripts';

/** What the "Journey Store (Redis)" credential holds, after parsing. */
export interface RedisStoreConfig {
	host: string;
	port: number;
	user?: string;
	password?: string;
	database: number;
	tls: boolean;
	/** key namespace, one per client */
	namespace: string;
	/** keys the hash of contact ids; changing it orphans every existing key */
	hashSecret: string;
	/** bound on every Redis command, ms */
	commandTimeoutMs: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** Parses the credential's data; throws an Error whose message says which field to change. */
export function parseRedisStoreConfig(data: Record<string, unknown>): RedisStoreConfig {
	const host = String(data.host ?? '').trim();
	if (!host) throw new Error('The Redis host is empty');
	const port = Number(data.port ?? 6379);
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('The Redis port must be a number from 1 to 65535');
	const database = Number(data.database ?? 0);
	if (!Number.isInteger(database) || database < 0) throw new Error('The Redis database must be a whole number (0 unless you use another)');
	const commandTimeoutMs = Number(data.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
	if (!Number.isFinite(commandTimeoutMs) || commandTimeoutMs < 10) throw new Error('The command timeout must be at least 10 ms');
	const namespace = String(data.namespace ?? '');
	const hashSecret = String(data.hashSecret ?? '');
	const problem = namespaceProblem(namespace) ?? secretProblem(hashSecret);
	if (problem) throw new Error(problem);
	const user = String(data.user ?? '');
	const password = String(data.password ?? '');
	return {
		host,
		port,
		user: user || undefined,
		password: password || undefined,
		database,
		tls: data.tls === true,
		namespace,
		hashSecret,
		commandTimeoutMs,
	};
}

/**
 * A client for one credential: commands time out (commandTimeout), nothing queues while the
 * connection is down (enableOfflineQueue: false — callers wait for `ready` with their own
 * deadline instead), failed commands are not retried or resent (a decision that timed out
 * must not be applied twice), and it reconnects every ≤ 500 ms so a returning Redis is used
 * within a second. Scripts are registered on it.
 */
export function createRedisClient(config: RedisStoreConfig, overrides: Partial<RedisOptions> = {}): Redis {
	const client = new Redis({
		host: config.host,
		port: config.port,
		username: config.user,
		password: config.password,
		db: config.database,
		tls: config.tls ? {} : undefined,
		lazyConnect: true,
		enableOfflineQueue: false,
		enableReadyCheck: true,
		commandTimeout: config.commandTimeoutMs,
		connectTimeout: Math.max(config.commandTimeoutMs, 2000),
		maxRetriesPerRequest: 0,
		autoResendUnfulfilledCommands: false,
		retryStrategy: (times) => Math.min(50 * times, 500),
		...overrides,
	});
	// ioredis reports connection errors as 'error' events; the caller sees them as failed or
	// timed-out commands (and the last one is kept for messages)
	client.on('error', (error: Error) => {
		lastErrors.set(client, error);
	});
	client.on('ready', () => measureClockSkew(client));
	loadScripts(client);
	return client;
}

const skews = new WeakMap<Redis, number>();

/**
 * The Redis server's clock minus this host's, measured once per connection (TIME, half the
 * round trip taken off). Scripts compare their caller's deadline with the server's clock, so
 * the deadline is moved onto that clock; 0 until measured.
 */
export function clockSkewMs(client: Redis): number {
	return skews.get(client) ?? 0;
}

function measureClockSkew(client: Redis): void {
	const sent = Date.now();
	client.time().then(
		([sec, usec]) => {
			const received = Date.now();
			const server = Number(sec) * 1000 + Number(usec) / 1000;
			skews.set(client, Math.round(server - (sent + received) / 2));
		},
		() => undefined,
	);
}

const lastErrors = new WeakMap<Redis, Error>();

function describe(config: Pick<RedisStoreConfig, 'host' | 'port'>): string {
	return `${config.host}:${config.port}`;
}

/**
 * Resolves when the client is connected and ready, or throws StoreUnavailableError at the
 * deadline. Starts the connection of a lazy client. However many decisions wait for one
 * reconnect, the client gets one pair of listeners (see connectionReady).
 */
export async function ensureReady(client: Redis, deadline: number, where: string): Promise<void> {
	if (client.status === 'ready') return;
	if (client.status === 'end') throw new StoreUnavailableError(`The Redis connection to ${where} was closed`);
	if (client.status === 'wait') client.connect().catch(() => undefined);
	const left = deadline - Date.now();
	if (left <= 0) throw unavailable(client, where, 0);
	let timer: NodeJS.Timeout | undefined;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(unavailable(client, where, left)), left);
	});
	try {
		await Promise.race([connectionReady(client, where), expired]);
	} finally {
		clearTimeout(timer);
	}
}

const readyWaits = new WeakMap<Redis, Promise<void>>();

/** One promise per client for its next 'ready' (or 'end'), shared by every caller waiting for it. */
function connectionReady(client: Redis, where: string): Promise<void> {
	let wait = readyWaits.get(client);
	if (!wait) {
		const started = Date.now();
		wait = new Promise<void>((resolve, reject) => {
			const onReady = () => {
				client.off('end', onEnd);
				readyWaits.delete(client);
				resolve();
			};
			const onEnd = () => {
				client.off('ready', onReady);
				readyWaits.delete(client);
				reject(unavailable(client, where, Date.now() - started));
			};
			client.once('ready', onReady);
			client.once('end', onEnd);
		});
		// callers that gave up at their deadline no longer listen
		wait.catch(() => undefined);
		readyWaits.set(client, wait);
	}
	return wait;
}

function unavailable(client: Redis, where: string, waitedMs: number): StoreUnavailableError {
	const last = lastErrors.get(client);
	return new StoreUnavailableError(`Redis at ${where} is not reachable (waited ${Math.round(waitedMs)} ms)`, { detail: last?.message });
}

/**
 * Races a promise against a deadline; a late result is dropped, a late failure swallowed. Any
 * failure becomes a StoreUnavailableError (the caller's store-down policy decides).
 */
export function withDeadline<T>(promise: Promise<T>, deadline: number, where: string): Promise<T> {
	promise.catch(() => undefined);
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new StoreUnavailableError(`Redis at ${where} did not answer within the decision timeout`)),
			Math.max(0, deadline - Date.now()),
		);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: Error) => {
				clearTimeout(timer);
				reject(storeFailure(error, where));
			},
		);
	});
}

/** A failed command as the nodes report it; a script past its deadline says nothing was written. */
export function storeFailure(error: Error, where: string): StoreUnavailableError {
	if (error instanceof StoreUnavailableError) return error;
	if (error?.message?.startsWith(DEADLINE_ERROR)) {
		return new StoreUnavailableError(`Redis at ${where} ran the call after the decision timeout, so it changed nothing`, {
			cause: error,
			detail: error.message.slice(DEADLINE_ERROR.length + 1),
		});
	}
	return new StoreUnavailableError(`Redis at ${where} did not complete the call`, { cause: error, detail: error?.message });
}

// ---------------------------------------------------------------------------------------------
// The process-wide pool: one client per credential (the bundle makes this one module instance
// for every node of the package).
// ---------------------------------------------------------------------------------------------

const pool = new Map<string, Redis>();

export function configFingerprint(config: RedisStoreConfig): string {
	return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

/** The pooled client of a credential (created lazily; connects on first use). */
export function pooledClient(config: RedisStoreConfig): Redis {
	const id = configFingerprint(config);
	let client = pool.get(id);
	if (!client || client.status === 'end') {
		client = createRedisClient(config);
		pool.set(id, client);
	}
	return client;
}

/** Closes every pooled client (process shutdown, tests). */
export async function closeRedisPool(): Promise<void> {
	const clients = [...pool.values()];
	pool.clear();
	await Promise.all(
		clients.map(async (c) => {
			if (c.status !== 'ready') return c.disconnect();
			await c.quit().catch(() => c.disconnect());
		}),
	);
}

// ---------------------------------------------------------------------------------------------
// The credential test
// ---------------------------------------------------------------------------------------------

export interface RedisProbeResult {
	ok: boolean;
	message: string;
	evictionPolicy?: string;
}

/**
 * Connects with a fresh client, runs a round trip (PING and a Lua script round trip, which
 * every decision needs: some managed Redis services disable scripting), and reads the eviction policy: anything but `noeviction` is a failure,
 * because Redis would then silently drop cap logs under memory pressure and contacts would get
 * more messages than their caps allow.
 */
export async function probeRedis(config: RedisStoreConfig): Promise<RedisProbeResult> {
	const where = describe(config);
	const client = createRedisClient(config, { retryStrategy: () => null, commandTimeout: Math.max(config.commandTimeoutMs, 2000) });
	try {
		await ensureReady(client, Date.now() + Math.max(config.commandTimeoutMs, 5000), where);
		const pong = await client.ping();
		if (pong !== 'PONG') return { ok: false, message: `Redis at ${where} answered PING with "${pong}"` };
		const echoed = await client.eval('return ARGV[1]', 0, 'journeys');
		if (echoed !== 'journeys') return { ok: false, message: `Redis at ${where} cannot run the store's Lua scripts (EVAL)` };
		const policy = await evictionPolicy(client);
		if (policy === undefined) {
			return {
				ok: false,
				message: `Could not read maxmemory-policy from Redis at ${where} (CONFIG GET and INFO refused). Make sure it is "noeviction": caps silently reset when Redis evicts keys.`,
			};
		}
		if (policy !== 'noeviction') {
			return {
				ok: false,
				evictionPolicy: policy,
				message: `Redis at ${where} uses maxmemory-policy "${policy}": under memory pressure it evicts keys, which silently resets frequency caps (contacts get more messages than allowed) and drops event histories. Set maxmemory-policy to noeviction (CONFIG SET maxmemory-policy noeviction, or in redis.conf).`,
			};
		}
		return { ok: true, evictionPolicy: policy, message: `Connected to Redis at ${where} (maxmemory-policy noeviction)` };
	} catch (error) {
		const detail = error instanceof StoreUnavailableError && error.detail ? `: ${error.detail}` : '';
		return { ok: false, message: `Could not connect to Redis at ${where}: ${(error as Error).message}${detail}` };
	} finally {
		client.disconnect();
	}
}

async function evictionPolicy(client: Redis): Promise<string | undefined> {
	try {
		const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
		if (Array.isArray(reply) && reply.length >= 2) return String(reply[1]);
	} catch {
		// managed Redis often refuses CONFIG: INFO memory carries the same field
	}
	try {
		const info = await client.info('memory');
		const match = /^maxmemory_policy:(\S+)/m.exec(info);
		return match?.[1];
	} catch {
		return undefined;
	}
}
