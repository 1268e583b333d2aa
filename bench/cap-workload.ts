/**
 * The Frequency Cap workload the cap benchmarks share (bench/cap.bench.ts on one Redis,
 * bench/cluster.bench.ts on a Redis Cluster): the rounds of items, the node's caps, and the
 * side that runs the node's own `execute` on a Journey Store credential.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { createRedisClient, type RedisStoreConfig } from '../lib/store/redis/connection';
import { FrequencyCap } from '../nodes/FrequencyCap/FrequencyCap.node';
import { executeContext } from '../test/unit/helpers/executeContext';

export const CONTACTS = 10_000;
export const BATCH = 1_000;
export const ROUNDS = 7;
/** one contact in REPEAT_EVERY was sent a message the round before: the 4-hour gap caps it */
export const REPEAT_EVERY = 10;

export const DAY_S = 86_400;
const caps = {
	cap: [
		{ type: 'limit', scope: 'channel', maxMessages: 3, window: 'day' },
		{ type: 'limit', scope: 'all', maxMessages: 10, window: 'rolling', amount: 7, unit: 'days' },
		{ type: 'gap', scope: 'all', amount: 4, unit: 'hours' },
	],
};
const zones = ['Asia/Seoul', 'Europe/Berlin', 'America/New_York', 'UTC'];
const channels = ['email', 'sms', 'push'];

export interface Item {
	contactId: string;
	channel: string;
	campaign: string;
	tags: string[];
	timezone: string;
	[key: string]: unknown;
}

/** Round r's items; round 0 is the warm-up. Every side sees the same items. */
export function roundItems(r: number): Item[] {
	return Array.from({ length: CONTACTS }, (_, i) => ({
		// a contact of the previous round (never itself a repeat there), or a new one
		contactId: i % REPEAT_EVERY === 0 ? `contact-${r - 1}-${i + 1}@example.com` : `contact-${r}-${i}@example.com`,
		channel: channels[i % channels.length],
		campaign: 'spring-sale',
		tags: ['promotional'],
		timezone: zones[i % zones.length],
	}));
}

/** The answer every side must give item i of round r: the repeats of the round before are capped by the gap. */
export function expectedAnswer(r: number, i: number): 0 | 1 {
	return r > 0 && i % REPEAT_EVERY === 0 ? 0 : 1;
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/** Removes every key of a bench's namespace (the bench's own keys, nothing else). */
export async function deleteNamespaceKeys(config: RedisStoreConfig, namespace: string): Promise<void> {
	const client = createRedisClient(config);
	await client.connect();
	try {
		let cursor = '0';
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 5000);
			if (keys.length) await client.unlink(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		await client.quit();
	}
}

/** A side runs round r's items and returns each item's answer (1 allowed, 0 capped), or nothing (floor). */
export type Side = (r: number, items: Item[]) => Promise<Uint8Array | undefined>;

/**
 * The Frequency Cap node's own execute with the workload's caps, on the store of `credential`
 * (the Journey Store credential's fields); `options` is the node's Options collection.
 */
export function nodeSide(credential: Record<string, unknown>, options: Record<string, unknown> = {}): Side {
	const node = new FrequencyCap();
	// the node's parameters as the editor stores them: the defaults plus the caps
	const rawParameters = {
		operation: 'checkAndReserve',
		contactId: '={{ $json.contactId }}',
		channel: '={{ $json.channel }}',
		campaign: '={{ $json.campaign }}',
		tags: '={{ $json.tags }}',
		timezone: '={{ $json.timezone }}',
		caps,
		quietHours: false,
		bypass: false,
		messageKey: '',
		store: 'redis',
		options,
	};
	const field = (name: string) => (_: number, item: INodeExecutionData) => item.json[name];
	const parameters = {
		...rawParameters,
		contactId: field('contactId'),
		channel: field('channel'),
		campaign: field('campaign'),
		tags: field('tags'),
		timezone: field('timezone'),
	};
	return async (r, items) => {
		const answers = new Uint8Array(items.length);
		for (let from = 0; from < items.length; from += BATCH) {
			const ctx = executeContext({
				items: items.slice(from, from + BATCH),
				parameters,
				rawParameters,
				executionId: `exec-${r}-${from}`,
				credentials: { journeyStoreRedisApi: credential },
			});
			const [allowed, capped] = await node.execute.call(ctx);
			for (const item of allowed) answers[from + pairedIndex(item)] = 1;
			if (allowed.length + capped.length !== Math.min(BATCH, items.length - from)) throw new Error('cap.node: an item is missing');
			for (const item of capped) if (item.json.error) throw new Error(`cap.node: ${String(item.json.error)}`);
		}
		return answers;
	};
}

function pairedIndex(item: INodeExecutionData): number {
	const paired = item.pairedItem;
	if (paired === undefined || typeof paired === 'number' || Array.isArray(paired)) throw new Error('cap.node: pairedItem is not { item }');
	return paired.item;
}

export async function timed(run: () => Promise<Uint8Array | undefined>): Promise<{ seconds: number; answers?: Uint8Array }> {
	(globalThis as { gc?: () => void }).gc?.();
	const start = process.hrtime.bigint();
	const answers = await run();
	return { seconds: Number(process.hrtime.bigint() - start) / 1e9, answers };
}
