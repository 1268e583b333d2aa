/**
 * Frequency Cap against Redis, on the path users run: the node's own `execute`, driven with its
 * real parameters (the `{{ $json.x }}` defaults, three caps in the Caps collection, the Redis
 * credential) through an execute context (test/unit/helpers/executeContext.ts), so it plans,
 * validates, calls the pooled Redis store and builds its two outputs exactly as in n8n.
 *
 *   bench cap.node: <n> items/s                  10 000 distinct contacts per round, Check and
 *                                                Reserve with 3 caps (3 per calendar day on this
 *                                                channel, 10 per 7 days, a 4-hour gap), one node
 *                                                execution per BATCH items
 *   bench cap.rlflex_concurrent: <n> items/s     the same items and caps with rate-limiter-flexible:
 *                                                one RateLimiterRedis per cap (3), every consume of a
 *                                                batch of BATCH items started at once and awaited
 *                                                together (ioredis pipelines them): the same work in
 *                                                flight, the strongest way to drive it
 *   bench cap.evalsha_floor: <n> ops/s           EVALSHA of `return redis.call('INCR', KEYS[1])`,
 *                                                BATCH per ioredis pipeline (the floor Redis sets)
 *   bench cap.vs_rlflex_concurrent: <x>          node / rlflex_concurrent (target ≥ 2)
 *   bench cap.vs_floor: <x>                      node / evalsha_floor (target ≥ 0.5)
 *
 * One in ten contacts of a round was sent a message in the round before, so the gap caps it:
 * both sides must give every item the same allowed/capped answer (checked every round; the
 * bench fails otherwise). Same Redis, one client per side with the store's client options, a
 * unique key namespace, keys deleted afterwards. The three are measured in interleaved rounds
 * after a warm-up round each; each figure is the median of ROUNDS rounds, so a busy machine
 * slows all of them alike.
 */
import { randomBytes } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { closeRedisPool, createRedisClient, parseRedisStoreConfig } from '../lib/store/redis/connection';
import { BATCH, CONTACTS, DAY_S, ROUNDS, deleteNamespaceKeys, expectedAnswer, median, nodeSide, roundItems, timed, type Side } from './cap-workload';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const namespace = `bench-cap-${randomBytes(4).toString('hex')}`;
const credential = {
	host: url.hostname || '127.0.0.1',
	port: Number(url.port || 6379),
	password: url.password || '',
	database: 0,
	namespace,
	hashSecret: 'bench-hash-secret-0123456789',
	commandTimeoutMs: 10_000,
};
const config = parseRedisStoreConfig(credential);

async function rlflexSide(): Promise<Side> {
	const client = createRedisClient(config);
	await client.connect();
	const limiter = (name: string, points: number, duration: number) =>
		new RateLimiterRedis({ storeClient: client, points, duration, keyPrefix: `${namespace}:rl:${name}` });
	// the node's caps: rate-limiter-flexible has no calendar day, a 1-day window is its nearest
	const perChannelDay = limiter('channel-day', 3, DAY_S);
	const perWeek = limiter('week', 10, 7 * DAY_S);
	const gap = limiter('gap', 1, 4 * 3600);
	const side: Side = async (_r, items) => {
		const answers = new Uint8Array(items.length);
		for (let from = 0; from < items.length; from += BATCH) {
			const to = Math.min(from + BATCH, items.length);
			const consumes: Array<Promise<unknown>> = [];
			for (let i = from; i < to; i++) {
				const { contactId, channel } = items[i];
				consumes.push(perChannelDay.consume(`${contactId}:${channel}`), perWeek.consume(contactId), gap.consume(contactId));
			}
			const settled = await Promise.allSettled(consumes);
			for (let i = from, s = 0; i < to; i++, s += 3) {
				let ok = 1;
				for (let k = s; k < s + 3; k++) {
					const outcome = settled[k];
					if (outcome.status === 'fulfilled') continue;
					// a refused consume rejects with RateLimiterRes; anything else is a failure
					if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
					ok = 0;
				}
				answers[i] = ok;
			}
		}
		return answers;
	};
	closers.push(() => client.quit());
	return side;
}

async function floorSide(): Promise<Side> {
	const client = createRedisClient(config);
	await client.connect();
	const sha = (await client.script('LOAD', "return redis.call('INCR', KEYS[1])")) as string;
	closers.push(() => client.quit());
	return async (r, items) => {
		for (let from = 0; from < items.length; from += BATCH) {
			const pipeline = client.pipeline();
			for (let i = from; i < Math.min(from + BATCH, items.length); i++) pipeline.evalsha(sha, 1, `${namespace}:floor:${r}:${i}`);
			const results = await pipeline.exec();
			if (!results || results.some(([error]) => error)) throw new Error('cap.evalsha_floor: a call failed');
		}
		return undefined;
	};
}

const closers: Array<() => Promise<unknown>> = [];

/** Checks that node and rate-limiter-flexible answered every item alike, and as the workload says. */
function compare(r: number, node: Uint8Array, rlflex: Uint8Array): number {
	let capped = 0;
	for (let i = 0; i < node.length; i++) {
		if (node[i] !== rlflex[i]) {
			throw new Error(`round ${r}, item ${i + 1}: the node says ${node[i] ? 'allowed' : 'capped'}, rate-limiter-flexible ${rlflex[i] ? 'allowed' : 'capped'}`);
		}
		const expected = expectedAnswer(r, i);
		if (node[i] !== expected) throw new Error(`round ${r}, item ${i + 1}: both say ${node[i] ? 'allowed' : 'capped'}, expected the opposite`);
		if (!node[i]) capped++;
	}
	return capped;
}

async function main() {
	let sides: Side[];
	try {
		sides = [nodeSide(credential), await rlflexSide(), await floorSide()];
	} catch (error) {
		console.error(`bench cap: Redis is not reachable at ${config.host}:${config.port} (${(error as Error).message}); start it: redis-server --daemonize yes --port 6379`);
		process.exit(1);
	}
	try {
		const rates: number[][] = sides.map(() => []);
		let capped = 0;
		for (let r = 0; r <= ROUNDS; r++) {
			const items = roundItems(r);
			const answers: Array<Uint8Array | undefined> = [];
			for (let s = 0; s < sides.length; s++) {
				const run = await timed(() => sides[s](r, items));
				answers.push(run.answers);
				if (r > 0) rates[s].push(CONTACTS / run.seconds);
			}
			capped = compare(r, answers[0]!, answers[1]!);
		}
		const [node, rlflex, floor] = rates.map(median);
		console.error(`# ${CONTACTS} items per round, ${capped} capped by the gap; node and rate-limiter-flexible agreed on every item of ${ROUNDS + 1} rounds`);
		console.log(`bench cap.node: ${Math.round(node)} items/s`);
		console.log(`bench cap.rlflex_concurrent: ${Math.round(rlflex)} items/s`);
		console.log(`bench cap.evalsha_floor: ${Math.round(floor)} ops/s`);
		console.log(`bench cap.vs_rlflex_concurrent: ${(node / rlflex).toFixed(2)}`);
		console.log(`bench cap.vs_floor: ${(node / floor).toFixed(2)}`);
	} finally {
		await deleteNamespaceKeys(config, namespace);
		await closeRedisPool();
		for (const close of closers) await close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
