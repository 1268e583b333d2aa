/**
 * A store outage leaves no trace: a redis-server of the test's own is frozen with SIGSTOP (it
 * stops answering but keeps every connection, like a paused VM), the nodes decide without it
 * within their timeout, and once it runs again (SIGCONT) and works through what was sent to it
 * meanwhile, nothing of those decisions was written. Also: the Trigger accepts the sender's
 * retry after a 503, Wait Until Event says which store did not answer, and decisions waiting
 * for a reconnect do not pile up listeners on the client.
 */
import { randomUUID } from 'node:crypto';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../../../lib/events/signature';
import { closeRedisPool, pooledClient, type RedisStoreConfig } from '../../../lib/store/redis/connection';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { WaitUntilEvent } from '../../../nodes/WaitUntilEvent/WaitUntilEvent.node';
import { fakeExecute, fakeWebhook, waitParameters } from '../../unit/events/helpers';
import { fromItem, runCap } from '../../unit/frequency-cap/context';
import { adminClient, scanKeys, sleep, ThrowawayRedis, uniqueNamespace } from '../helpers/redis';

const TIMEOUT_MS = 500;
/** how far past the timeout a decision may come back (timers on a loaded machine) */
const SLACK_MS = 300;

let server: ThrowawayRedis;
const namespace = uniqueNamespace('frozen');

beforeAll(async () => {
	server = await ThrowawayRedis.start();
});
afterAll(async () => {
	server?.thaw();
	await closeRedisPool();
	await server?.stop();
});

const credentials = (): RedisStoreConfig => server.config(namespace, TIMEOUT_MS);

/** Lets the woken server work through everything the pooled client sent while it was frozen. */
async function drain(): Promise<void> {
	// replies on one connection come in order: this PING is answered after every earlier call
	await pooledClient(credentials()).ping();
}

async function capKeys(): Promise<string[]> {
	const admin = adminClient(server.port, '127.0.0.1');
	try {
		return await scanKeys(admin, `${namespace}:cap:*`);
	} finally {
		admin.disconnect();
	}
}

let run = 0;
async function reserve(contacts: string[], policy: 'failClosed' | 'failOpen') {
	const started = performance.now();
	const [allowed, capped] = await runCap({
		items: contacts.map((contactId) => ({ contactId, channel: 'email' })),
		credentials: credentials() as unknown as Record<string, unknown>,
		executionId: `frozen-${++run}`,
		parameters: {
			operation: 'checkAndReserve',
			contactId: fromItem('contactId'),
			channel: fromItem('channel'),
			caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'rolling', amount: 7, unit: 'days' }] },
			store: 'redis',
			options: { onStoreUnavailable: policy, decisionTimeoutMs: TIMEOUT_MS },
		},
	});
	return { allowed, capped, ms: performance.now() - started };
}

const reasons = (items: INodeExecutionData[]) => items.map((i) => (i.json.frequencyCap as IDataObject).reason);

describe('a frozen Redis (SIGSTOP) leaves no trace', () => {
	it('Frequency Cap: capped store_unavailable within the timeout, and nothing reserved once Redis runs again', async () => {
		// connected, scripts loaded: the frozen server gets the very calls a live one would
		const warm = await reserve([`warm-${randomUUID()}`], 'failClosed');
		expect(warm.allowed).toHaveLength(1);
		const before = await capKeys();

		const contacts = Array.from({ length: 20 }, (_, i) => `frozen-${i}-${randomUUID()}`);
		const decided = await server.whileFrozen(() => reserve(contacts, 'failClosed'));
		expect(decided.allowed).toEqual([]);
		expect(reasons(decided.capped)).toEqual(contacts.map(() => 'store_unavailable'));
		expect(decided.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);

		await drain();
		expect(await capKeys()).toEqual(before);
		// and the contacts still have their slot
		const after = await reserve(contacts, 'failClosed');
		expect(after.allowed).toHaveLength(20);
	});

	it('Frequency Cap under Fail Open: the items go out uncounted, and stay uncounted', async () => {
		await reserve([`warm-${randomUUID()}`], 'failOpen');
		const before = await capKeys();
		const contacts = Array.from({ length: 20 }, (_, i) => `open-${i}-${randomUUID()}`);
		const decided = await server.whileFrozen(() => reserve(contacts, 'failOpen'));
		expect(reasons(decided.allowed)).toEqual(contacts.map(() => 'store_unavailable'));
		await drain();
		expect(await capKeys()).toEqual(before);
	});

	it('Journey Event Trigger: a delivery answered 503 is accepted when the sender retries it', async () => {
		const trigger = new JourneyEventTrigger();
		const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
		const raw = Buffer.from(JSON.stringify({ id: `e-${randomUUID()}`, contactId: `c-${randomUUID()}`, name: 'purchase', properties: {} }));
		const webhookId = `msg_${randomUUID()}`;
		const deliver = () => {
			const hook = fakeWebhook({
				body: JSON.parse(raw.toString()),
				rawBody: raw,
				headers: signedHeaders(secret, webhookId, Math.floor(Date.now() / 1000), raw),
				parameters: { store: 'redis', record: true, options: {} },
				credentials: { secret, previousSecret: '' },
				storeCredentials: { journeyStoreRedisApi: credentials() as unknown as Record<string, unknown> },
				nodeId: 'trigger-node',
			});
			return { hook, result: trigger.webhook.call(hook.ctx) };
		};
		// connected first, so the hold is sent to the frozen server rather than refused offline
		await pooledClient(credentials()).ping();

		const first = await server.whileFrozen(async () => {
			const delivery = deliver();
			await delivery.result;
			return delivery;
		});
		expect(first.hook.response).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
		const refusal = first.hook.logs.find((l) => /refused a delivery/.test(l.message));
		expect(refusal).toMatchObject({ level: 'warn', meta: { webhookId } });

		await drain();
		const retry = deliver();
		const answer = await retry.result;
		expect(retry.hook.response.status).toBeUndefined();
		expect(answer.webhookResponse).toMatchObject({ accepted: 1, recorded: 1 });
		// and a third copy is the replay it is
		const replay = deliver();
		await replay.result;
		expect(replay.hook.response).toMatchObject({ status: 401, body: { error: 'replayed' } });
	});

	it('Wait Until Event: the error names the journey store, its credential and host, and what to do', async () => {
		const node = new WaitUntilEvent();
		await pooledClient(credentials()).ping();
		const contactId = `wait-${randomUUID()}`;
		const { ctx } = fakeExecute({
			items: [{ contactId }],
			parameters: waitParameters({ store: 'redis', contactId }),
			credentials: { journeyStoreRedisApi: credentials() as unknown as Record<string, unknown> },
		});
		const error = await server.whileFrozen(() =>
			node.execute.call(ctx).then(
				() => undefined,
				(caught: Error & { description?: string }) => caught,
			),
		);
		expect(error?.message).toMatch(/journey store did not answer/i);
		expect(error?.message).toContain(`127.0.0.1:${server.port}`);
		expect(error?.message).not.toMatch(/^Command timed out$/);
		expect(error?.description).toContain('"Test journeyStoreRedisApi" credential');
		expect(error?.description).toMatch(/Check that this Redis server is running/);
		await drain();
	});

	it('Journey Event: recording fails naming the store, and nothing is recorded once Redis runs again', async () => {
		const action = new JourneyEvent();
		await pooledClient(credentials()).ping();
		const contacts = [`rec-a-${randomUUID()}`, `rec-b-${randomUUID()}`];
		const { ctx } = fakeExecute({
			items: contacts.map((contactId) => ({ contactId })),
			parameters: {
				store: 'redis',
				options: {},
				operation: 'record',
				eventId: (i: number) => `ev-${i}`,
				contactId: (i: number) => contacts[i],
				eventName: 'purchase',
				properties: {},
				occurredAt: '',
			},
			credentials: { journeyStoreRedisApi: credentials() as unknown as Record<string, unknown> },
		});
		const error = await server.whileFrozen(() =>
			action.execute.call(ctx).then(
				() => undefined,
				(caught: Error) => caught,
			),
		);
		expect(error?.message).toMatch(/journey store did not answer/i);
		await drain();
		const store = RedisStore.standalone(credentials());
		try {
			expect(await store.events.list(contacts.map((contactId) => ({ contactId })))).toEqual([[], []]);
		} finally {
			await store.close();
		}
	});

	it('20 decisions waiting for a reconnect share one wait for the connection', async () => {
		const client = pooledClient(credentials());
		await client.ping();
		const warnings: Error[] = [];
		const onWarning = (warning: Error) => warnings.push(warning);
		process.on('warning', onWarning);
		try {
			await server.kill();
			// the client notices the dropped connection and starts reconnecting
			for (let i = 0; i < 100 && client.status === 'ready'; i++) await sleep(10);
			expect(client.status).not.toBe('ready');
			// ioredis adds and removes a 'ready' listener of its own on every reconnect attempt
			// (connectionReadyHandler): count only the package's
			const ours = () => client.listeners('ready').filter((l) => l.name !== 'connectionReadyHandler').length;
			const listenersBefore = ours();
			const decisions = Array.from({ length: 20 }, (_, i) => reserve([`reconnect-${i}-${randomUUID()}`], 'failClosed'));
			await sleep(50);
			expect(ours() - listenersBefore).toBeLessThanOrEqual(1);
			const results = await Promise.all(decisions);
			for (const r of results) expect(reasons(r.capped)).toEqual(['store_unavailable']);
			await sleep(50);
			expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
		} finally {
			process.off('warning', onWarning);
			await server.launch();
		}
	});
});
