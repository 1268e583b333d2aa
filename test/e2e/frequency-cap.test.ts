/**
 * Frequency Cap in a real n8n with the Redis store: webhook → Frequency Cap (check and reserve,
 * 3 per hour, store redis through a "Journey Store (Redis)" credential created over the public
 * API) → Allowed / Capped branches. 20 concurrent posts for one contact → exactly 3 items on
 * Allowed across the 20 executions, and the contact's send log in Redis holds exactly 3 sends.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { api, importWorkflow, onlyWebhookPath, outputItems, postToWebhook, printN8nLogOnFailure, waitForExecutions, type Workflow } from './helpers';

printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ALLOWED = 0;
const CAPPED = 1;
const POSTS = 20;
const CAP = 3;

const namespace = `e2e-cap-${randomBytes(4).toString('hex')}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });

afterAll(async () => {
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
			if (keys.length) await redis.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
});

function capWorkflow(suffix: string, credential: { id: string; name: string }): Workflow {
	const node = (name: string, type: string, position: [number, number], parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
		id: randomUUID(),
		name,
		type,
		typeVersion: 1,
		position,
		parameters,
		...extra,
	});
	return {
		name: `e2e frequency cap ${suffix}`,
		nodes: [
			node('Send Request', 'n8n-nodes-base.webhook', [0, 0], { httpMethod: 'POST', path: `e2e-frequency-cap-${suffix}`, responseMode: 'onReceived', options: {} }, { typeVersion: 2, webhookId: randomUUID() }),
			node(
				'Frequency Cap',
				'n8n-nodes-journeys.frequencyCap',
				[240, 0],
				{
					operation: 'checkAndReserve',
					contactId: '={{ $json.body.contactId }}',
					channel: '={{ $json.body.channel }}',
					campaign: '',
					tags: '',
					caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: CAP, window: 'rolling', amount: 1, unit: 'hours' }] },
					store: 'redis',
					options: { decisionTimeoutMs: 2000 },
				},
				{ credentials: { journeyStoreRedisApi: credential } },
			),
			node('Allowed Branch', 'n8n-nodes-base.noOp', [480, -100], {}),
			node('Capped Branch', 'n8n-nodes-base.noOp', [480, 100], {}),
		],
		connections: {
			'Send Request': { main: [[{ node: 'Frequency Cap', type: 'main', index: 0 }]] },
			'Frequency Cap': {
				main: [[{ node: 'Allowed Branch', type: 'main', index: 0 }], [{ node: 'Capped Branch', type: 'main', index: 0 }]],
			},
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

describe('Frequency Cap in n8n (Redis store)', () => {
	it(`${POSTS} concurrent posts for one contact with a cap of ${CAP} → exactly ${CAP} on Allowed`, async () => {
		await redis.connect().catch((error: Error) => {
			throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
		});
		const suffix = randomUUID().slice(0, 8);
		const credential = await api().ensureRedisCredential({
			redisUrl: REDIS_URL,
			name: `Journey store e2e ${suffix}`,
			namespace,
			hashSecret: randomBytes(24).toString('base64url'),
		});
		if (!credential) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
		const imported = await importWorkflow(capWorkflow(suffix, credential));
		const hook = onlyWebhookPath(imported);

		const contactId = `e2e-${suffix}@example.com`;
		// the first post waits for the just-activated webhook; the rest go out together
		const posts = await Promise.all(
			Array.from({ length: POSTS }, (_, i) => postToWebhook(hook, { contactId, channel: 'email', n: i })),
		);
		expect(posts.every((p) => p.status === 200)).toBe(true);

		const executions = await waitForExecutions(imported.id, POSTS, 120_000);
		expect(executions).toHaveLength(POSTS);
		expect(executions.map((e) => e.status)).toEqual(Array(POSTS).fill('success'));

		const allowed: Array<Record<string, any>> = [];
		const capped: Array<Record<string, any>> = [];
		for (const execution of executions) {
			const outputs = outputItems(execution, 'Frequency Cap');
			allowed.push(...(outputs[ALLOWED] ?? []));
			capped.push(...(outputs[CAPPED] ?? []));
		}
		expect(allowed).toHaveLength(CAP);
		expect(capped).toHaveLength(POSTS - CAP);
		expect(allowed.map((j) => j.frequencyCap.reason)).toEqual(Array(CAP).fill('within_limits'));
		expect(allowed.map((j) => j.frequencyCap.count).sort()).toEqual([1, 2, 3]);
		for (const j of capped) {
			expect(j.frequencyCap).toMatchObject({ allowed: false, reason: 'limit_reached', count: CAP, limit: CAP, rule: `${CAP} per 1 hour (all channels)` });
			expect(Date.parse(j.frequencyCap.retryAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
		}
		// the branches received what the node routed: Allowed Branch ran in exactly CAP executions
		const allowedRuns = executions.filter((e) => (outputItems(e, 'Frequency Cap')[ALLOWED] ?? []).length > 0);
		expect(allowedRuns.every((e) => e.data?.resultData.runData['Allowed Branch'])).toBe(true);

		// and Redis holds exactly CAP sends for the contact, in one hashed key with a TTL
		const keys: string[] = [];
		let cursor = '0';
		do {
			const [next, batch] = await redis.scan(cursor, 'MATCH', `${namespace}:cap:*`, 'COUNT', 1000);
			keys.push(...batch);
			cursor = next;
		} while (cursor !== '0');
		expect(keys).toHaveLength(1);
		expect(keys[0]).not.toContain(contactId);
		expect(await redis.pttl(keys[0])).toBeGreaterThan(0);
		expect(((await redis.get(keys[0])) ?? '').split(';')).toHaveLength(CAP);
	});
});
