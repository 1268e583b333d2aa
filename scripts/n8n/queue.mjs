// n8n's queue mode for `JOURNEYS_WORKERS=<n> npm start`, the e2e-queue tests and the queue bench:
// one main (editor, API, webhooks, the wait timer) and n workers taking executions from a Bull
// queue on Redis, all on one PostgreSQL database, with the same encryption key and the package
// installed the same way into each process's own user folder.
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { launchN8n } from './index.mjs';
import { ensureN8n, packAndInstall } from './install.mjs';
import { readUserFolderState, startN8n } from './process.mjs';
import { SetupError } from './util.mjs';

const START_REDIS = 'Start Redis (`redis-server --daemonize yes --port 6379`, or `sudo apt-get install redis-server`), or point REDIS_URL at one.';
const START_POSTGRES =
	'Start PostgreSQL (`sudo apt-get install postgresql && sudo service postgresql start`), or point PGHOST/PGPORT/PGUSER/PGPASSWORD at one whose user may create databases.';

/**
 * Where the queue and the database are: REDIS_URL (default redis://127.0.0.1:6379) and the
 * libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD (default 127.0.0.1:5432, user postgres).
 * @param {NodeJS.ProcessEnv} [env]
 */
export function queueServicesFromEnv(env = process.env) {
	const redisUrl = new URL(env.REDIS_URL || 'redis://127.0.0.1:6379');
	return {
		redis: {
			host: redisUrl.hostname || '127.0.0.1',
			port: Number(redisUrl.port || 6379),
			db: Number(redisUrl.pathname.replace(/^\//, '') || 0),
			username: decodeURIComponent(redisUrl.username),
			password: decodeURIComponent(redisUrl.password),
		},
		postgres: {
			host: env.PGHOST || '127.0.0.1',
			port: Number(env.PGPORT || 5432),
			user: env.PGUSER || 'postgres',
			password: env.PGPASSWORD || '',
		},
	};
}

/** @typedef {ReturnType<typeof queueServicesFromEnv>} QueueServices */

/**
 * Resolves once Redis answers PING; a SetupError saying how to start it otherwise.
 * @param {QueueServices['redis']} redis
 */
export function assertRedis(redis) {
	return new Promise((resolve, reject) => {
		const socket = net.connect(redis.port, redis.host);
		const fail = (/** @type {string} */ why) => {
			socket.destroy();
			reject(new SetupError(`Queue mode needs Redis for its Bull queue, and ${redis.host}:${redis.port} ${why}. ${START_REDIS}`));
		};
		socket.setTimeout(3000, () => fail('did not answer within 3 s'));
		socket.on('error', (error) => fail(`is not reachable (${/** @type {any} */ (error).code ?? error.message})`));
		socket.on('connect', () => {
			const auth = redis.password ? `AUTH ${redis.username ? `${redis.username} ` : ''}${redis.password}\r\n` : '';
			socket.write(`${auth}PING\r\n`);
		});
		let answer = '';
		socket.on('data', (d) => {
			answer += d;
			if (answer.includes('+PONG')) {
				socket.end();
				resolve(undefined);
			} else if (answer.startsWith('-')) fail(`refused PING (${answer.trim()})`);
		});
	});
}

/**
 * A PostgreSQL client from n8n's own install (`pg` ships with n8n), connected to `database`.
 * @param {QueueServices['postgres']} postgres
 * @param {string} database
 * @param {{ bin: string }} n8n
 */
async function connectPostgres(postgres, database, n8n) {
	const { Client } = createRequire(n8n.bin)('pg');
	const client = new Client({ ...postgres, database, connectionTimeoutMillis: 5000 });
	try {
		await client.connect();
	} catch (error) {
		throw new SetupError(
			`Queue mode needs PostgreSQL, and ${postgres.user}@${postgres.host}:${postgres.port}/${database} did not accept a connection ` +
				`(${/** @type {Error} */ (error).message}). ${START_POSTGRES}`,
		);
	}
	return client;
}

/** @param {string} name */
function assertDatabaseName(name) {
	if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
		throw new SetupError(`"${name}" is not a database name this harness creates: use lower-case letters, digits and _.`);
	}
}

/**
 * Creates the database if it does not exist (drops it first when `fresh`).
 * @param {QueueServices['postgres']} postgres
 * @param {string} database
 * @param {{ bin: string }} n8n
 * @param {{ fresh?: boolean }} [options]
 * @returns {Promise<boolean>} whether it was created now
 */
export async function ensureDatabase(postgres, database, n8n, options = {}) {
	assertDatabaseName(database);
	const client = await connectPostgres(postgres, 'postgres', n8n);
	try {
		if (options.fresh) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
		const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
		if (found.rowCount > 0) return false;
		await client.query(`CREATE DATABASE "${database}"`);
		return true;
	} catch (error) {
		if (error instanceof SetupError) throw error;
		throw new SetupError(`Could not create the database ${database} as ${postgres.user}: ${/** @type {Error} */ (error).message}. ${START_POSTGRES}`);
	} finally {
		await client.end();
	}
}

/**
 * @param {QueueServices['postgres']} postgres
 * @param {string} database
 * @param {{ bin: string }} n8n
 */
export async function dropDatabase(postgres, database, n8n) {
	assertDatabaseName(database);
	const client = await connectPostgres(postgres, 'postgres', n8n);
	try {
		await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
	} finally {
		await client.end();
	}
}

/**
 * Deletes a deployment's Bull and n8n keys (`<prefix>:*`) once its processes are stopped.
 * @param {QueueServices['redis']} redis
 * @param {string} prefix
 * @param {{ bin: string }} n8n  (`ioredis` ships with n8n)
 */
export async function deleteQueueKeys(redis, prefix, n8n) {
	const { Redis } = createRequire(n8n.bin)('ioredis');
	const client = new Redis({ ...redis, username: redis.username || undefined, password: redis.password || undefined, maxRetriesPerRequest: 1 });
	try {
		let cursor = '0';
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
			if (keys.length) await client.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		client.disconnect();
	}
}

/**
 * The settings every process of one queue-mode deployment shares.
 * @param {{ services: QueueServices, database: string, prefix: string, encryptionKey: string }} options
 * @returns {Record<string, string>}
 */
export function queueEnv({ services, database, prefix, encryptionKey }) {
	const { redis, postgres } = services;
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_REDIS_DB: String(redis.db),
		...(redis.username ? { QUEUE_BULL_REDIS_USERNAME: redis.username } : {}),
		...(redis.password ? { QUEUE_BULL_REDIS_PASSWORD: redis.password } : {}),
		// the Bull keys and n8n's own keys and pub/sub channels: two deployments on one Redis stay apart
		QUEUE_BULL_PREFIX: prefix,
		N8N_REDIS_KEY_PREFIX: prefix,
		// manual runs from the editor go to the workers too, as in n8n 3
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		// n8n's default pool (2) and ping timeout (5 s) mark the database "not ready" (503 on every
		// webhook) once a few dozen concurrent webhooks queue for connections on a busy machine
		DB_POSTGRESDB_POOL_SIZE: '10',
		DB_PING_TIMEOUT_MS: '20000',
		N8N_ENCRYPTION_KEY: encryptionKey,
	};
}

/**
 * Main + `workers` workers in queue mode. PostgreSQL database `database` (created if missing,
 * recreated when `freshDatabase`), Bull prefix `prefix` on the Redis of `services`. Each worker
 * gets its own user folder `<userFolder>/workers/<i>` (n8n keeps a crash journal per folder) with
 * the tarball installed exactly as for the main.
 * @param {{
 *   userFolder: string,
 *   tarball: string,
 *   workers?: number,
 *   concurrency?: number,
 *   database: string,
 *   freshDatabase?: boolean,
 *   prefix: string,
 *   services?: QueueServices,
 *   port?: number,
 *   runnerBrokerPort?: number,
 *   env?: Record<string, string | undefined>,
 *   workerEnv?: Record<string, string | undefined>,
 *   owner?: { email?: string, password?: string },
 *   portHint?: string,
 *   log?: (msg: string) => void,
 * }} options
 */
export async function launchQueueN8n(options) {
	const { userFolder, tarball, workers = 2, concurrency = 10, database, prefix, log } = options;
	const services = options.services ?? queueServicesFromEnv();
	const n8n = await ensureN8n(undefined, { log });
	await assertRedis(services.redis);
	const created = await ensureDatabase(services.postgres, database, n8n, { fresh: options.freshDatabase });
	const encryptionKey = readUserFolderState(userFolder).encryptionKey;
	const shared = { ...queueEnv({ services, database, prefix, encryptionKey }), ...options.env };

	log?.(`Starting the main (database ${database}${created ? ', created' : ''}, Bull prefix ${prefix}) …`);
	const main = await launchN8n({
		userFolder,
		tarball,
		port: options.port,
		runnerBrokerPort: options.runnerBrokerPort,
		env: shared,
		owner: options.owner,
		portHint: options.portHint,
		log,
	});
	/** @type {import('./process.mjs').N8nHandle[]} */
	const started = [];
	const stop = async () => {
		// workers first: a job they hold finishes or fails before the main (and its wait timer) goes
		await Promise.all(started.map((w) => w.stop()));
		await main.n8n.stop();
	};
	try {
		log?.(`Main ready at ${main.n8n.url}; installing the package for ${workers} worker(s) …`);
		const workerEnv = { ...shared, N8N_WEBHOOK_URL: `${main.n8n.url}/`, N8N_EDITOR_BASE_URL: `${main.n8n.url}/`, ...options.workerEnv };
		const handles = await Promise.all(
			Array.from({ length: workers }, async (_, i) => {
				const folder = path.join(userFolder, 'workers', String(i + 1));
				await packAndInstall(tarball, folder);
				const handle = await startN8n({ userFolder: folder, command: 'worker', concurrency, n8n, env: workerEnv, log });
				started.push(handle);
				return handle;
			}),
		);
		return {
			...main,
			workers: handles,
			/** what a worker runs with: start another (or restart one) with startN8n({ command: 'worker', env: workerEnv }) */
			workerEnv,
			database,
			prefix,
			services,
			stop,
			/** What runs where, for a person. */
			describe() {
				const { redis, postgres } = services;
				return [
					`Main       ${main.n8n.url}  (pid ${main.n8n.pid}, editor, API, webhooks, wait timer; log ${main.n8n.logFile})`,
					...handles.map((w, i) => `Worker ${i + 1}   pid ${w.pid}, concurrency ${concurrency}, log ${w.logFile}`),
					`Queue      Bull on redis://${redis.host}:${redis.port}/${redis.db}, prefix ${prefix}`,
					`Database   postgresql://${postgres.user}@${postgres.host}:${postgres.port}/${database}`,
				].join('\n');
			},
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

