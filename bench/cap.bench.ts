/**
 * Frequency Cap against Redis (DESIGN §11): the node's store path versus
 * rate-limiter-flexible's RateLimiterRedis (one check per item) and versus the floor Redis sets
 * (a raw pipelined EVALSHA of a one-line script, one per item). Same Redis, same client options
 * (one ioredis client per side), a unique key namespace, keys deleted afterwards. Every round
 * uses fresh contacts (no side ever hits an existing key or a limit).
 *
 *   bench cap.node: <n> items/s                  10 000 distinct contacts, 3 rules, check-and-reserve,
 *                                                through RedisStore.caps.apply in batches of 1 000
 *                                                items (one call per node execution)
 *   bench cap.rlflex: <n> items/s                10 000 distinct contacts, RateLimiterRedis.consume
 *                                                awaited per item, one after the other: how a node's
 *                                                per-item loop (with per-item error handling) calls a
 *                                                limiter — one check, one round trip per item
 *   bench cap.rlflex_concurrent: <n> items/s     the same 10 000 consumes started 1 000 at a time and
 *                                                awaited together (Promise.all): ioredis pipelines them,
 *                                                the strongest way to drive rate-limiter-flexible
 *   bench cap.evalsha_floor: <n> ops/s           10 000 EVALSHA of `return redis.call('INCR', KEYS[1])`,
 *                                                1 000 per ioredis pipeline
 *   bench cap.vs_rlflex: <x>                     node / rlflex (DESIGN §11 target ≥ 2)
 *   bench cap.vs_rlflex_concurrent: <x>          node / rlflex_concurrent (no target; for reference)
 *   bench cap.vs_floor: <x>                      node / evalsha_floor (target ≥ 0.5)
 *
 * The four are measured in interleaved rounds (node, rlflex, rlflex_concurrent, floor, node, …)
 * on fresh contacts, after a warm-up round of each, and each figure is the median of its ROUNDS
 * rounds, so a busy machine slows all of them alike.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { CapRequest, CapRule } from '../lib/store/caps';
import { RedisStore } from '../lib/store/redis/RedisStore';

const CONTACTS = 10_000;
const BATCH = 1_000;
const ROUNDS = 7;
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const host = url.hostname || '127.0.0.1';
const port = Number(url.port || 6379);
const password = url.password || undefined;
const namespace = `bench-cap-${randomBytes(4).toString('hex')}`;

const rules: CapRule[] = [
	{ kind: 'limit', id: '3 per calendar day (this channel)', scope: 'channel', limit: 3, window: { kind: 'calendar', unit: 'day' } },
	{ kind: 'limit', id: '10 per 7 days (all channels)', scope: 'all', limit: 10, window: { kind: 'rolling', ms: 7 * 86_400_000 } },
	{ kind: 'gap', id: 'gap 4 hours (all channels)', scope: 'all', gapMs: 4 * 3_600_000 },
];
const zones = ['Asia/Seoul', 'Europe/Berlin', 'America/New_York', 'UTC'];
const channels = ['email', 'sms', 'push'];

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

async function timed(run: () => Promise<void>): Promise<number> {
	(globalThis as { gc?: () => void }).gc?.();
	const start = process.hrtime.bigint();
	await run();
	return Number(process.hrtime.bigint() - start) / 1e9;
}

type Round = (r: number) => Promise<void>;

/** items/s of each round function, measured in interleaved rounds (round 0 is the warm-up). */
async function measureInterleaved(items: number, rounds: Round[]): Promise<number[]> {
	for (const round of rounds) await round(0);
	const rates: number[][] = rounds.map(() => []);
	for (let r = 1; r <= ROUNDS; r++) {
		for (let b = 0; b < rounds.length; b++) rates[b].push(items / (await timed(() => rounds[b](r))));
	}
	return rates.map(median);
}

function nodeRound(store: RedisStore): Round {
	return async (r) => {
			for (let from = 0; from < CONTACTS; from += BATCH) {
				const requests: CapRequest[] = [];
				for (let i = from; i < from + BATCH; i++) {
					requests.push({
						mode: 'reserve',
						contactId: `contact-${r}-${i}@example.com`,
						channel: channels[i % channels.length],
						campaign: 'spring-sale',
						tags: ['promotional'],
						timeZone: zones[i % zones.length],
						messageKey: `wf-1:Frequency Cap:exec-${r}-${from}:${i - from}`,
						rules,
					});
				}
				const decisions = await store.caps.apply(requests, { timeoutMs: 10_000 });
				if (decisions.length !== BATCH || !decisions.every((d) => d.allowed)) throw new Error('cap.node: unexpected decisions');
			}
	};
}

function limiter(client: Redis, name: string): RateLimiterRedis {
	return new RateLimiterRedis({ storeClient: client, points: 3, duration: 86_400, keyPrefix: `${namespace}:${name}` });
}

/** one awaited consume per item, as a per-item loop calls a limiter */
function rlflexRound(client: Redis): Round {
	const rl = limiter(client, 'rlflex');
	return async (r) => {
		for (let i = 0; i < CONTACTS; i++) await rl.consume(`contact-${r}-${i}@example.com`);
	};
}

/** BATCH consumes in flight at once (ioredis pipelines them) */
function rlflexConcurrentRound(client: Redis): Round {
	const rl = limiter(client, 'rlflexc');
	return async (r) => {
		for (let from = 0; from < CONTACTS; from += BATCH) {
			const consumes: Array<Promise<unknown>> = [];
			for (let i = from; i < from + BATCH; i++) consumes.push(rl.consume(`contact-${r}-${i}@example.com`));
			await Promise.all(consumes);
		}
	};
}

async function floorRound(client: Redis): Promise<Round> {
	const sha = (await client.script('LOAD', "return redis.call('INCR', KEYS[1])")) as string;
	return async (r) => {
		for (let from = 0; from < CONTACTS; from += BATCH) {
			const pipeline = client.pipeline();
			for (let i = from; i < from + BATCH; i++) pipeline.evalsha(sha, 1, `${namespace}:floor:${r}:${i}`);
			const results = await pipeline.exec();
			if (!results || results.some(([error]) => error)) throw new Error('cap.evalsha_floor: a call failed');
		}
	};
}

async function deleteKeys(client: Redis): Promise<void> {
	let cursor = '0';
	do {
		const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 5000);
		if (keys.length) await client.unlink(...keys);
		cursor = next;
	} while (cursor !== '0');
}

async function main() {
	const client = new Redis({ host, port, password, lazyConnect: true, maxRetriesPerRequest: 1 });
	try {
		await client.connect();
	} catch (error) {
		console.error(`bench cap: Redis is not reachable at ${host}:${port} (${(error as Error).message}); start it: redis-server --daemonize yes --port 6379`);
		process.exit(1);
	}
	// each side has a client of its own, as it would in production
	const store = RedisStore.standalone({ host, port, password, database: 0, tls: false, namespace, hashSecret: 'bench-hash-secret-0123456789', commandTimeoutMs: 10_000 });
	const rlflexClient = new Redis({ host, port, password, maxRetriesPerRequest: 1 });
	try {
		const [node, rlflex, rlflexConcurrent, floor] = await measureInterleaved(CONTACTS, [
			nodeRound(store),
			rlflexRound(rlflexClient),
			rlflexConcurrentRound(rlflexClient),
			await floorRound(client),
		]);
		console.log(`bench cap.node: ${Math.round(node)} items/s`);
		console.log(`bench cap.rlflex: ${Math.round(rlflex)} items/s`);
		console.log(`bench cap.rlflex_concurrent: ${Math.round(rlflexConcurrent)} items/s`);
		console.log(`bench cap.evalsha_floor: ${Math.round(floor)} ops/s`);
		console.log(`bench cap.vs_rlflex: ${(node / rlflex).toFixed(2)}`);
		console.log(`bench cap.vs_rlflex_concurrent: ${(node / rlflexConcurrent).toFixed(2)}`);
		console.log(`bench cap.vs_floor: ${(node / floor).toFixed(2)}`);
	} finally {
		await deleteKeys(client);
		await store.close();
		await rlflexClient.quit();
		await client.quit();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
