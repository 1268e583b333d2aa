/**
 * The global holdout through Channel Send on the Redis store and a real HTTP receiver: a share
 * of all contacts gets no marketing (Not sent, global_holdout), decided once per contact by a
 * hash and recorded with it, so a later node with another percentage (or none) keeps the same
 * group; transactional messages still reach them.
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRedisStore, inGlobalHoldout } from '../../../lib';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext } from '../../unit/helpers/executeContext';
import { adminClient, deleteNamespace, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';
import { startHttp, type HttpFixture } from './servers';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const N = 1000;
let receiver: HttpFixture;
const admin = adminClient();
const namespace = uniqueNamespace('holdout');
const config = storeConfig(namespace);
const credentials = { journeyEventSigningApi: { secret: SECRET }, journeyStoreRedisApi: { ...config } };

beforeAll(async () => {
	await requireRedis();
	receiver = await startHttp();
});
afterAll(async () => {
	receiver.close();
	await deleteNamespace(admin, namespace);
	await admin.quit();
});

async function send(contactIds: string[], messageType: 'marketing' | 'transactional', options: Record<string, unknown>) {
	const batch = randomUUID();
	const ctx = executeContext({
		items: contactIds.map((contactId) => ({ contactId })),
		parameters: {
			channel: 'webhook',
			messageType,
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			url: `${receiver.url}/hook`,
			body: (_i: number, item: INodeExecutionData) => JSON.stringify({ contactId: item.json.contactId }),
			store: 'redis',
			messageKey: (_i: number, item: INodeExecutionData) => `${batch}:${String(item.json.contactId)}`,
			options: { retries: 0, concurrency: 50, ...options },
		},
		credentials,
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json), batch };
}

describe('Channel Send: global holdout', () => {
	const ids = Array.from({ length: N }, (_, i) => `gh-contact-${i}`);

	it('refuses marketing to the held-out share with global_holdout, records the decision, and keeps it when the percentage changes', async () => {
		const store = getRedisStore(config);
		await store.contacts.update(ids.map((contactId) => ({ contactId, at: Date.now(), consent: { webhook: true } })), { ttlSeconds: 3600 });

		const first = await send(ids, 'marketing', { globalHoldoutPercent: 10 });
		const held = ids.filter((id) => inGlobalHoldout(id, 10, namespace));
		expect(Math.abs(held.length / N - 0.1)).toBeLessThan(0.03);
		expect(first.notSent.map((j) => j.contactId).sort()).toEqual([...held].sort());
		for (const j of first.notSent) expect(j.send).toMatchObject({ reason: 'global_holdout', retryable: false });
		expect(first.sent).toHaveLength(N - held.length);
		const received = receiver.requests.filter((r) => String(r.headers['webhook-id']).startsWith(first.batch)).map((r) => JSON.parse(r.body).contactId);
		expect(received.sort()).toEqual(ids.filter((id) => !held.includes(id)).sort());

		// recorded with the contact: visible, and stable
		const states = await store.contacts.get([held[0], ids.find((id) => !held.includes(id))!]);
		expect(states[0]?.globalHoldout).toMatchObject({ held: true, percent: 10 });
		expect(states[1]?.globalHoldout).toMatchObject({ held: false, percent: 10 });

		// another Channel Send with another percentage, or none, keeps the recorded group
		for (const percent of [30, 0]) {
			const again = await send(ids, 'marketing', { globalHoldoutPercent: percent });
			expect(again.notSent.map((j) => j.contactId).sort()).toEqual([...held].sort());
		}
	});

	it('still sends transactional messages to the held-out contacts', async () => {
		const held = ids.filter((id) => inGlobalHoldout(id, 10, namespace)).slice(0, 20);
		const { sent, notSent } = await send(held, 'transactional', { globalHoldoutPercent: 10 });
		expect(notSent).toEqual([]);
		expect(sent).toHaveLength(held.length);
	});

	it('refuses a percentage outside 0–50 naming the option', async () => {
		await expect(send(['x'], 'marketing', { globalHoldoutPercent: 80 })).rejects.toThrow('Parameter "Global Holdout (%)": 80 is not a percentage from 0 to 50');
	});
});
