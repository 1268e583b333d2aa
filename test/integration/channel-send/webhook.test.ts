/**
 * Channel Send's webhook channel against a real HTTP receiver on 127.0.0.1: the Standard
 * Webhooks signature (webhook-id = the message key), 429 with Retry-After, 5xx after the
 * receiver recorded the message, 4xx naming the field, bounded concurrency, and exactly once
 * on the Redis store when ten executions send the same key at the same time.
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../../lib/events/signature';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext, type ExecuteContextOptions } from '../../unit/helpers/executeContext';
import { adminClient, deleteNamespace, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';
import { startHttp, type HttpFixture } from './servers';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let receiver: HttpFixture;
beforeAll(async () => {
	receiver = await startHttp();
});
afterAll(() => receiver.close());

async function run(items: Array<Record<string, unknown>>, parameters: Record<string, unknown> = {}, extra: Partial<ExecuteContextOptions> = {}) {
	const ctx = executeContext({
		items,
		parameters: {
			channel: 'webhook',
			messageType: 'transactional',
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			url: `${receiver.url}/hook`,
			body: (_i: number, item: INodeExecutionData) => JSON.stringify({ contactId: item.json.contactId, text: 'Your parcel left the warehouse' }),
			store: 'memory',
			messageKey: (_i: number, item: INodeExecutionData) => item.json.key ?? '',
			options: { retries: 2, maxRetryDelaySeconds: 2 },
			...parameters,
		},
		credentials: { journeyEventSigningApi: { secret: SECRET } },
		...extra,
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json) };
}

const key = () => `k-${randomUUID()}`;
const requestsFor = (k: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === k);

describe('Channel Send: webhook', () => {
	it('posts the body signed in the Standard Webhooks scheme with webhook-id = the message key', async () => {
		const k = key();
		const { sent } = await run([{ contactId: 'c1', key: k }]);
		const [request] = requestsFor(k);
		expect(request.method).toBe('POST');
		expect(request.url).toBe('/hook');
		expect(JSON.parse(request.body)).toEqual({ contactId: 'c1', text: 'Your parcel left the warehouse' });
		const verified = verifySignature({ secrets: [SECRET], headers: request.headers as Record<string, string>, body: request.body, nowSeconds: Math.floor(Date.now() / 1000) });
		expect(verified).toMatchObject({ ok: true, id: k });
		expect(sent[0].send).toMatchObject({ channel: 'webhook', provider: 'webhook', key: k, messageId: expect.stringMatching(/^rcv-\d+$/) });
	});

	it('a bad item fails the node before any item is claimed or sent; with Continue On Fail only the bad item is held back', async () => {
		const good = key();
		const items = [{ contactId: 'c-good', key: good }, { contactId: '', key: key() }];
		await expect(run(items)).rejects.toThrow('Parameter "Contact ID": Item 2: Contact ID is empty');
		expect(requestsFor(good)).toHaveLength(0);
		const { sent, notSent } = await run(items, {}, { continueOnFail: true });
		expect(sent.map((j) => j.contactId)).toEqual(['c-good']);
		expect(notSent).toHaveLength(1);
		expect(notSent[0].error).toBe('Parameter "Contact ID": Item 2: Contact ID is empty');
		expect(requestsFor(good)).toHaveLength(1);
	});

	it('a 429 with Retry-After is retried after the wait and sent once', async () => {
		const k = key();
		receiver.script.push({ status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } });
		const started = Date.now();
		const { sent } = await run([{ contactId: 'c1', key: k }]);
		expect(sent).toHaveLength(1);
		expect(requestsFor(k)).toHaveLength(2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
	});

	it('5xx after the retries: Not sent, provider_error, retryable; the next run resends with the same webhook-id', async () => {
		const k = key();
		receiver.script.push({ status: 500, body: { error: 'db down' } }, { status: 502 }, { status: 503 });
		const first = await run([{ contactId: 'c1', key: k }]);
		expect(first.notSent[0].send).toMatchObject({ reason: 'provider_error', retryable: true, status: 503 });
		expect(requestsFor(k)).toHaveLength(3);
		// the receiver recorded it on the first 500: a resend carries the same id, so it keeps one copy
		const second = await run([{ contactId: 'c1', key: k }]);
		expect(second.sent).toHaveLength(1);
		expect(new Set(requestsFor(k).map((r) => r.headers['webhook-id']))).toEqual(new Set([k]));
		expect([...receiver.delivered.keys()].filter((id) => id === k)).toHaveLength(1);
		const third = await run([{ contactId: 'c1', key: k }]);
		expect(third.sent[0].send).toMatchObject({ duplicate: true });
		expect(requestsFor(k)).toHaveLength(4);
	});

	it('with "Fail the Node" a provider failure stops the node, and Retry On Fail does not send a sent key again', async () => {
		const k = key();
		receiver.script.push({ status: 500 });
		await expect(run([{ contactId: 'c1', key: k }], { options: { retries: 0, onProviderError: 'error' } })).rejects.toThrow(/Item 1: The provider answered 500/);
		const retried = await run([{ contactId: 'c1', key: k }], { options: { retries: 0, onProviderError: 'error' } });
		expect(retried.sent).toHaveLength(1);
		const again = await run([{ contactId: 'c1', key: k }], { options: { retries: 0, onProviderError: 'error' } });
		expect(again.sent[0].send).toMatchObject({ duplicate: true });
		expect(requestsFor(k)).toHaveLength(2);
	});

	it('a 4xx is Not sent naming the field, not retried', async () => {
		const k = key();
		receiver.script.push({ status: 422, body: { error: 'missing orderId' } });
		const { notSent } = await run([{ contactId: 'c1', key: k }]);
		expect(notSent[0].send).toMatchObject({ reason: 'provider_rejected', field: 'Body', status: 422, retryable: false });
		expect(requestsFor(k)).toHaveLength(1);
	});

	it('bad input: a URL that is not http(s) and a body that is not JSON name the parameter and item', async () => {
		await expect(run([{ contactId: 'c1' }], { url: 'ftp://example.com' })).rejects.toThrow('Parameter "URL": Item 1: "ftp://example.com" is not an http(s) URL');
		await expect(run([{ contactId: 'c1' }, { contactId: 'c2' }], { body: (i: number) => (i === 1 ? '{nope' : '{}') })).rejects.toThrow(
			/Parameter "Body": Item 2: Body is not valid JSON/,
		);
	});

	it('sends a batch with bounded concurrency per credential', async () => {
		let active = 0;
		let peak = 0;
		// a receiver that answers after 20 ms, counting requests in flight
		const proxy = await import('node:http').then(
			(http) =>
				new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
					const server = http.createServer((req, res) => {
						active++;
						peak = Math.max(peak, active);
						const chunks: Buffer[] = [];
						req.on('data', (c: Buffer) => chunks.push(c));
						req.on('end', () =>
							setTimeout(() => {
								active--;
								res.writeHead(200, { 'content-type': 'application/json' });
								res.end('{}');
							}, 20),
						);
					});
					server.listen(0, '127.0.0.1', () => {
						const port = (server.address() as { port: number }).port;
						resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
					});
				}),
		);
		try {
			const items = Array.from({ length: 30 }, (_, i) => ({ contactId: `c${i}`, key: key() }));
			const { sent } = await run(items, { url: `${proxy.url}/hook`, options: { retries: 0, concurrency: 4 } });
			expect(sent).toHaveLength(30);
			expect(peak).toBe(4);
		} finally {
			await proxy.close();
		}
	});
});

describe('Channel Send: exactly once on Redis', () => {
	beforeAll(requireRedis);
	const admin = adminClient();
	afterAll(() => admin.quit());

	it('ten executions sending the same key at the same time reach the receiver once', async () => {
		const namespace = uniqueNamespace('send');
		const config = storeConfig(namespace);
		const credentials = {
			journeyEventSigningApi: { secret: SECRET },
			journeyStoreRedisApi: { ...config, commandTimeoutMs: 2000 },
		};
		const k = key();
		receiver.script.length = 0;
		try {
			const runs = await Promise.all(
				Array.from({ length: 10 }, (_, n) => run([{ contactId: 'c-race', key: k }], { store: 'redis' }, { credentials, executionId: `exec-${n}` })),
			);
			expect(requestsFor(k)).toHaveLength(1);
			const sent = runs.flatMap((r) => r.sent);
			const notSent = runs.flatMap((r) => r.notSent);
			// one send; the others either saw the live lease or, after it was settled, the sent key
			expect(sent.filter((j) => !(j.send as { duplicate?: boolean }).duplicate)).toHaveLength(1);
			for (const j of notSent) expect(j.send).toMatchObject({ reason: 'in_progress', retryable: true });
			expect(sent.length + notSent.length).toBe(10);
			const store = RedisStore.standalone(config);
			const [history] = await store.events.list([{ contactId: 'c-race', names: ['message_sent'] }]);
			expect(history).toHaveLength(1);
			await store.close();
		} finally {
			await deleteNamespace(admin, namespace);
		}
	});
	it('with the store unreachable nothing is sent: the item fails (or leaves on Not sent) saying so', async () => {
		const k = key();
		const credentials = {
			journeyEventSigningApi: { secret: SECRET },
			journeyStoreRedisApi: { ...storeConfig(uniqueNamespace('send-down')), port: 1, commandTimeoutMs: 300 },
		};
		await expect(run([{ contactId: 'c-down', key: k }], { store: 'redis' }, { credentials })).rejects.toThrow(/Item 1: not sent, the store is unavailable/);
		const { notSent } = await run([{ contactId: 'c-down', key: k }], { store: 'redis' }, { credentials, continueOnFail: true });
		expect(notSent[0].error).toMatch(/not sent, the store is unavailable/);
		expect(requestsFor(k)).toHaveLength(0);
	});
});
