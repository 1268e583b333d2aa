/**
 * What counting journey KPIs costs a journey step: the Frequency Cap node's own `execute` on
 * Redis (the path of bench/cap.bench.ts: its real parameters, the pooled Redis store, Check and
 * Reserve with 3 caps), on items that carry a journey context and an experiment variant, with
 * Options → Count Journey KPIs on and off.
 *
 *   bench kpi.cap_counting_on: <n> items/s    10 000 items per round, one execution per BATCH items,
 *                                              each execution adding its counts in one store call
 *                                              (written while the next execution runs: a node does
 *                                              not wait for its counts; the round's time includes
 *                                              the wait for the last of them)
 *   bench kpi.cap_counting_off: <n> items/s   the same work with counting turned off
 *   bench kpi.overhead: <x>                    on / off (target ≥ 0.9): the median of each round's
 *                                              ratio, the two sides having run back to back
 *
 * Both sides get fresh contacts of the same shape each round (one in ten was sent a message in
 * the round before, so the gap caps it) and must answer every item alike; after the run the
 * counters must hold exactly the allowed and capped items of the counting side, per variant.
 * Interleaved rounds (which side goes first alternates) after a warm-up round each; each
 * throughput is the median of ROUNDS rounds, so a busy machine slows both sides alike.
 */
import { randomBytes } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { closeRedisPool, parseRedisStoreConfig } from '../lib/store/redis/connection';
import { getRedisStore } from '../lib/store/redis/RedisStore';
import { FrequencyCap } from '../nodes/FrequencyCap/FrequencyCap.node';
import { executeContext } from '../test/unit/helpers/executeContext';
import { deleteNamespaceKeys, median } from './cap-workload';

const CONTACTS = 10_000;
const BATCH = 1_000;
const ROUNDS = 31;
const REPEAT_EVERY = 10;
const JOURNEY = 'bench-journey';
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const namespace = `bench-kpi-${randomBytes(4).toString('hex')}`;
const credential = {
	host: url.hostname || '127.0.0.1',
	port: Number(url.port || 6379),
	password: url.password || '',
	database: 0,
	namespace,
	hashSecret: 'bench-hash-secret-0123456789',
	commandTimeoutMs: 10_000,
};

const rawParameters = {
	operation: 'checkAndReserve',
	contactId: '={{ $json.contactId }}',
	channel: '={{ $json.channel }}',
	campaign: 'spring-sale',
	tags: '',
	timezone: '={{ $json.timezone }}',
	caps: {
		cap: [
			{ type: 'limit', scope: 'channel', maxMessages: 3, window: 'day' },
			{ type: 'limit', scope: 'all', maxMessages: 10, window: 'rolling', amount: 7, unit: 'days' },
			{ type: 'gap', scope: 'all', amount: 4, unit: 'hours' },
		],
	},
	quietHours: false,
	bypass: false,
	messageKey: '',
	store: 'redis',
};

/** Side `side`'s items of round r: the same shape for both sides, their own contacts. */
function roundItems(side: string, r: number): Array<Record<string, unknown>> {
	return Array.from({ length: CONTACTS }, (_, i) => ({
		contactId: i % REPEAT_EVERY === 0 ? `${side}-${r - 1}-${i + 1}@example.com` : `${side}-${r}-${i}@example.com`,
		channel: ['email', 'sms', 'push'][i % 3],
		timezone: ['Asia/Seoul', 'Europe/Berlin', 'UTC'][i % 3],
		journey: { name: JOURNEY, entryId: `${side}-${r}-${i}`, enteredAt: Date.now(), key: null },
		experiment: { name: 'bench', variant: i % 2 ? 'A' : 'B' },
	}));
}

/** Runs the node over round r's items in BATCH-item executions; returns each item's answer (1 allowed). */
async function runNode(counting: boolean, r: number, items: Array<Record<string, unknown>>): Promise<Uint8Array> {
	const node = new FrequencyCap();
	const field = (name: string) => (_: number, item: INodeExecutionData) => item.json[name];
	const options = { countJourneyKpis: counting };
	const parameters = { ...rawParameters, contactId: field('contactId'), channel: field('channel'), timezone: field('timezone'), tags: [], options };
	const answers = new Uint8Array(items.length);
	for (let from = 0; from < items.length; from += BATCH) {
		const ctx = executeContext({
			items: items.slice(from, from + BATCH),
			parameters,
			rawParameters: { ...rawParameters, options },
			executionId: `exec-${counting}-${r}-${from}`,
			credentials: { journeyStoreRedisApi: credential },
		});
		const [allowed, capped] = await node.execute.call(ctx);
		if (allowed.length + capped.length !== Math.min(BATCH, items.length - from)) throw new Error('kpi: an item is missing');
		for (const item of allowed) answers[from + (item.pairedItem as { item: number }).item] = 1;
	}
	return answers;
}

async function main() {
	const store = getRedisStore(parseRedisStoreConfig(credential));
	try {
		await store.now();
	} catch (error) {
		console.error(`bench kpi: Redis is not reachable at ${credential.host}:${credential.port} (${(error as Error).message}); start it: redis-server --daemonize yes --port 6379`);
		process.exit(1);
	}
	const rates = { on: [] as number[], off: [] as number[] };
	const expected = new Map<string, number>();
	try {
		for (let r = 0; r <= ROUNDS; r++) {
			const answers: Uint8Array[] = [];
			// alternate which side goes first, so neither always gets the warmer caches
			const order = r % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const);
			for (const side of order) {
				const items = roundItems(side, r);
				(globalThis as { gc?: () => void }).gc?.();
				const start = process.hrtime.bigint();
				const answer = await runNode(side === 'on', r, items);
				// the counts written in the background are part of the step's cost: the round ends
				// when they are in Redis, not before (and they do not spill into the other side's time)
				if (side === 'on') await store.kpis.flush();
				const seconds = Number(process.hrtime.bigint() - start) / 1e9;
				if (r > 0) rates[side].push(CONTACTS / seconds);
				answers.push(answer);
				if (side === 'on') {
					answer.forEach((allowed, i) => {
						const key = `${i % 2 ? 'A' : 'B'}|${allowed ? 'allowed' : 'capped:min_gap'}`;
						expected.set(key, (expected.get(key) ?? 0) + 1);
					});
				}
			}
			for (let i = 0; i < CONTACTS; i++) {
				const want = r > 0 && i % REPEAT_EVERY === 0 ? 0 : 1;
				if (answers[0][i] !== want || answers[1][i] !== want) throw new Error(`round ${r}, item ${i + 1}: the sides answered ${answers[0][i]} / ${answers[1][i]}, expected ${want}`);
			}
		}
		const day = store.kpis.today();
		const rows = await store.kpis.read({ journeys: [JOURNEY], fromDay: day, toDay: day });
		const counted = new Map(rows.map((row) => [`${row.variant}|${row.outcome}`, row.count]));
		for (const [key, n] of expected) if (counted.get(key) !== n) throw new Error(`kpi: counted ${counted.get(key)} for ${key}, expected ${n}`);
		if (counted.size !== expected.size) throw new Error(`kpi: unexpected counters ${JSON.stringify([...counted])}`);
		const on = median(rates.on);
		const off = median(rates.off);
		const ratio = median(rates.on.map((rate, r) => rate / rates.off[r]));
		console.error(`# ${CONTACTS} items per round, ${ROUNDS} rounds; both sides answered every item alike; counters exact: ${JSON.stringify(Object.fromEntries(counted))}`);
		console.log(`bench kpi.cap_counting_on: ${Math.round(on)} items/s`);
		console.log(`bench kpi.cap_counting_off: ${Math.round(off)} items/s`);
		console.log(`bench kpi.overhead: ${ratio.toFixed(2)}`);
	} finally {
		await deleteNamespaceKeys(parseRedisStoreConfig(credential), namespace);
		await closeRedisPool();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
