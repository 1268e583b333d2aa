import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { JourneyCluster, REPLICA_SHORTFALL } from './cluster';
import { StoreUnavailableError } from '../unavailable';
import { namespaceProblem, secretProblem } from './keys';
import { DEADLINE_ERROR, loadScripts } from './scripts';

/** How the store reaches Redis: one server, a Redis Cluster, or a master found through Sentinel. */
export type RedisConnectionType = 'single' | 'cluster' | 'sentinel';

export interface RedisAddress {
	host: string;
	port: number;
}

/** What the "Journey Store (Redis)" credential holds, after parsing. */
export interface RedisStoreConfig {
	/** single server when absent */
	connection?: RedisConnectionType;
	/** the server (single); the first seed node or sentinel otherwise, for messages */
	host: string;
	port: number;
	/** cluster: the seed nodes; sentinel: the sentinels */
	nodes?: RedisAddress[];
	/** sentinel: the name of the master the sentinels watch */
	masterName?: string;
	/** sentinel: the sentinels' own password, when they have one */
	sentinelPassword?: string;
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
	/**
	 * Replicas that must confirm a call's writes (Redis WAIT) before a node acts on its answer;
	 * 0 (the default) does not wait. See README "Redis Cluster" for what each setting guarantees.
	 */
	replicaAcks?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** Parses the credential's data; throws an Error whose message says which field to change. */
export function parseRedisStoreConfig(data: Record<string, unknown>): RedisStoreConfig {
	const connection = String(data.connection ?? 'single') as RedisConnectionType;
	if (!['single', 'cluster', 'sentinel'].includes(connection)) throw new Error(`Unknown connection type "${connection}": choose Single Server, Cluster or Sentinel`);
	let host = String(data.host ?? '').trim();
	let port = Number(data.port ?? 6379);
	let nodes: RedisAddress[] | undefined;
	if (connection === 'single') {
		if (!host) throw new Error('The Redis host is empty');
		if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('The Redis port must be a number from 1 to 65535');
	} else {
		const field = connection === 'cluster' ? 'Seed Nodes' : 'Sentinels';
		nodes = parseAddresses(String((connection === 'cluster' ? data.clusterNodes : data.sentinels) ?? ''), field, connection === 'cluster' ? 6379 : 26379);
		({ host, port } = nodes[0]);
	}
	const database = Number(data.database ?? 0);
	if (!Number.isInteger(database) || database < 0) throw new Error('The Redis database must be a whole number (0 unless you use another)');
	if (connection === 'cluster' && database !== 0) throw new Error('Redis Cluster has only database 0: set Database Number to 0');
	const masterName = String(data.masterName ?? '').trim();
	if (connection === 'sentinel' && !masterName) throw new Error('The Master Name is empty: give the name the sentinels know the master by (e.g. mymaster)');
	const commandTimeoutMs = Number(data.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
	if (!Number.isFinite(commandTimeoutMs) || commandTimeoutMs < 10) throw new Error('The command timeout must be at least 10 ms');
	const replicaAcks = Number(data.replicaAcks ?? 0);
	if (!Number.isInteger(replicaAcks) || replicaAcks < 0) throw new Error('Replica Confirmations must be a whole number (0 to not wait for replicas)');
	const namespace = String(data.namespace ?? '');
	const hashSecret = String(data.hashSecret ?? '');
	const problem = namespaceProblem(namespace) ?? secretProblem(hashSecret);
	if (problem) throw new Error(problem);
	const user = String(data.user ?? '');
	const password = String(data.password ?? '');
	const sentinelPassword = String(data.sentinelPassword ?? '');
	return {
		...(connection === 'single' ? {} : { connection, nodes }),
		...(connection === 'sentinel' ? { masterName, sentinelPassword: sentinelPassword || undefined } : {}),
		host,
		port,
		user: user || undefined,
		password: password || undefined,
		database,
		tls: data.tls === true,
		namespace,
		hashSecret,
		commandTimeoutMs,
		...(replicaAcks > 0 ? { replicaAcks } : {}),
	};
}

/** "host:port, host:port" (commas, spaces or new lines between them; the port may be left out). */
function parseAddresses(text: string, field: string, defaultPort: number): RedisAddress[] {
	const entries = text.split(/[\s,]+/).filter(Boolean);
	if (entries.length === 0) throw new Error(`${field} is empty: list at least one host:port`);
	return entries.map((entry) => {
		const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
		const port = Number(match?.[2] ?? defaultPort);
		if (!match || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${field}: "${entry}" is not host:port (a port from 1 to 65535)`);
		return { host: match[1].replace(/^\[|\]$/g, ''), port };
	});
}

/** A client of the store: one server or Sentinel's master (Redis), or a Redis Cluster. */
export type StoreClient = Redis | JourneyCluster;

/**
 * A client for one credential: commands time out (commandTimeout), nothing queues while the
 * connection is down (enableOfflineQueue: false — callers wait for `ready` with their own
 * deadline instead), failed commands are not retried or resent (a decision that timed out
 * must not be applied twice), and it reconnects every ≤ 500 ms so a returning Redis is used
 * within a second. Scripts are registered on it. On a cluster the same holds per node, and a
 * call MOVED by a failover is re-routed a bounded number of times (the caller's deadline bounds
 * it in time, and a script past the deadline writes nothing).
 */
export function createRedisClient(config: RedisStoreConfig, overrides: Partial<RedisOptions> = {}): StoreClient {
	const options: RedisOptions = {
		username: config.user,
		password: config.password,
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
	};
	let client: StoreClient;
	if (config.connection === 'cluster') {
		const { retryStrategy, enableOfflineQueue, lazyConnect, ...perNode } = options;
		client = new JourneyCluster(config.nodes ?? [{ host: config.host, port: config.port }], {
			lazyConnect,
			enableOfflineQueue,
			enableReadyCheck: true,
			clusterRetryStrategy: (times) => (retryStrategy ? retryStrategy(times) : null),
			// a failover moves slots within about a second; past the caller's deadline nobody waits
			retryDelayOnFailover: 100,
			retryDelayOnClusterDown: 100,
			retryDelayOnTryAgain: 100,
			maxRedirections: 16,
			slotsRefreshTimeout: Math.max(config.commandTimeoutMs, 1000),
			redisOptions: perNode,
		});
	} else if (config.connection === 'sentinel') {
		client = new Redis({
			sentinels: config.nodes,
			name: config.masterName,
			sentinelPassword: config.sentinelPassword,
			sentinelTLS: config.tls ? {} : undefined,
			enableTLSForSentinelMode: config.tls,
			db: config.database,
			...options,
		});
	} else {
		client = new Redis({ host: config.host, port: config.port, db: config.database, ...options });
	}
	// ioredis reports connection errors as 'error' events; the caller sees them as failed or
	// timed-out commands (and the last one is kept for messages)
	client.on('error', (error: Error) => {
		lastErrors.set(client, error);
	});
	client.on('ready', () => measureClockSkew(client));
	loadScripts(client);
	return client;
}

const skews = new WeakMap<StoreClient, number>();

/**
 * The Redis server's clock minus this host's, measured once per connection (TIME, half the
 * round trip taken off). Scripts compare their caller's deadline with the server's clock, so
 * the deadline is moved onto that clock; 0 until measured.
 */
export function clockSkewMs(client: StoreClient): number {
	return skews.get(client) ?? 0;
}

function measureClockSkew(client: StoreClient): void {
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

const lastErrors = new WeakMap<StoreClient, Error>();

/** Where the store is, for messages (addresses, never credentials): "host:port", or the cluster's seeds, or the sentinels' master. */
export function describeRedis(config: Pick<RedisStoreConfig, 'host' | 'port' | 'connection' | 'nodes' | 'masterName'>): string {
	const list = (config.nodes ?? [config]).map((n) => `${n.host}:${n.port}`).join(', ');
	if (config.connection === 'cluster') return `the cluster of ${list}`;
	if (config.connection === 'sentinel') return `master "${config.masterName}" of sentinels ${list}`;
	return `${config.host}:${config.port}`;
}

/**
 * Resolves when the client is connected and ready, or throws StoreUnavailableError at the
 * deadline. Starts the connection of a lazy client. However many decisions wait for one
 * reconnect, the client gets one pair of listeners (see connectionReady).
 */
export async function ensureReady(client: StoreClient, deadline: number, where: string): Promise<void> {
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

const readyWaits = new WeakMap<StoreClient, Promise<void>>();

/** One promise per client for its next 'ready' (or 'end'), shared by every caller waiting for it. */
function connectionReady(client: StoreClient, where: string): Promise<void> {
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

function unavailable(client: StoreClient, where: string, waitedMs: number): StoreUnavailableError {
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
	if (error?.message?.startsWith(REPLICA_SHORTFALL)) {
		return new StoreUnavailableError(`Redis at ${where} ran the call, but too few replicas confirmed its writes in time, so it is not relied on`, {
			cause: error,
			detail: error.message.slice(REPLICA_SHORTFALL.length + 1),
		});
	}
	return new StoreUnavailableError(`Redis at ${where} did not complete the call`, { cause: error, detail: error?.message });
}

// ---------------------------------------------------------------------------------------------
// The process-wide pool: one client per credential (the bundle makes this one module instance
// for every node of the package).
// ---------------------------------------------------------------------------------------------

const pool = new Map<string, StoreClient>();

export function configFingerprint(config: RedisStoreConfig): string {
	return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

/** The pooled client of a credential (created lazily; connects on first use). */
export function pooledClient(config: RedisStoreConfig): StoreClient {
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
 * Connects with a fresh client and, on every server that may hold the store's keys (the one
 * server, Sentinel's master, or every master and replica of a cluster, since a replica becomes
 * a master on failover): runs a round trip (PING and a Lua script round trip, which every
 * decision needs: some managed Redis services disable scripting) and reads the eviction
 * policy: anything but `noeviction` is a failure, because Redis would then silently drop cap
 * logs under memory pressure and contacts would get more messages than their caps allow. With
 * Replica Confirmations set, every master must have that many replicas connected.
 */
export async function probeRedis(config: RedisStoreConfig): Promise<RedisProbeResult> {
	const where = describeRedis(config);
	const client = createRedisClient(config, { retryStrategy: () => null, commandTimeout: Math.max(config.commandTimeoutMs, 2000) });
	try {
		await ensureReady(client, Date.now() + Math.max(config.commandTimeoutMs, 5000), where);
		const servers = client instanceof JourneyCluster ? await clusterNodes(client) : [client];
		let policy: string | undefined;
		try {
			for (const server of servers) {
				const at = servers.length > 1 ? `${server.options.host}:${server.options.port} (in ${where})` : where;
				const problem = await probeServer(server, at, config.replicaAcks ?? 0);
				if (typeof problem !== 'string') return problem;
				policy = problem;
			}
		} finally {
			if (servers[0] !== client) for (const server of servers) server.disconnect();
		}
		const nodes = servers.length > 1 ? `, ${servers.length} nodes` : '';
		return { ok: true, evictionPolicy: policy, message: `Connected to Redis at ${where} (maxmemory-policy noeviction${nodes})` };
	} catch (error) {
		const detail = error instanceof StoreUnavailableError && error.detail ? `: ${error.detail}` : '';
		return { ok: false, message: `Could not connect to Redis at ${where}: ${(error as Error).message}${detail}` };
	} finally {
		client.disconnect();
	}
}

/**
 * A connection to every node of a cluster, replicas included (the cluster client talks to
 * masters only, and CLUSTER SLOTS hides a replica that has copied nothing yet), with the
 * cluster's per-node options; the caller disconnects them.
 */
async function clusterNodes(cluster: JourneyCluster): Promise<Redis[]> {
	const table = String(await cluster.call('CLUSTER', 'NODES'));
	const nodes: Redis[] = [];
	for (const line of table.split('\n')) {
		const [, address, flags] = line.split(' ');
		if (!address || /fail|noaddr|handshake/.test(flags ?? '')) continue;
		const endpoint = address.split('@')[0];
		const colon = endpoint.lastIndexOf(':');
		const node = new Redis({ ...cluster.options.redisOptions, host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)), lazyConnect: false, enableOfflineQueue: true });
		node.on('error', () => undefined);
		nodes.push(node);
	}
	return nodes;
}

/** One server's checks (see probeRedis): its eviction policy when they pass, else the failed result. */
async function probeServer(server: Redis, where: string, replicaAcks: number): Promise<string | RedisProbeResult> {
	const pong = await server.ping();
	if (pong !== 'PONG') return { ok: false, message: `Redis at ${where} answered PING with "${pong}"` };
	const echoed = await server.eval('return ARGV[1]', 0, 'journeys');
	if (echoed !== 'journeys') return { ok: false, message: `Redis at ${where} cannot run the store's Lua scripts (EVAL)` };
	const policy = await evictionPolicy(server);
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
	if (replicaAcks > 0) {
		const replication = await server.info('replication').catch(() => '');
		const role = /^role:(\S+)/m.exec(replication)?.[1];
		const replicas = Number(/^connected_slaves:(\d+)/m.exec(replication)?.[1] ?? NaN);
		if (role === 'master' && !(replicas >= replicaAcks)) {
			return {
				ok: false,
				evictionPolicy: policy,
				message: `Redis at ${where} has ${Number.isNaN(replicas) ? 'an unknown number of' : replicas} connected replicas, fewer than the ${replicaAcks} Replica Confirmations the credential asks for: every write would fail. Add replicas or lower Replica Confirmations.`,
			};
		}
	}
	return policy;
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
