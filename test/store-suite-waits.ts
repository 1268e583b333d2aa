/**
 * The store contract of waits, webhook delivery ids and contact state, run against the
 * memory store (test/unit/store/memory.test.ts) and the Redis store
 * (test/integration/store/redis.test.ts) with the same fixtures as test/store-suite.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContactEvent, WaitRegistration } from '../lib/store/types';
import { trackedFixtures, type MakeStore } from './store-suite';

const HOUR = 3_600_000;
const GRACE = { graceSeconds: 3600 };

export function describeWaitContract(name: string, makeStore: MakeStore): void {
	describe(`store contract (waits, deliveries, contacts): ${name}`, () => {
		const fixture = trackedFixtures(makeStore);
		describeWaits(fixture);
		describeDeliveries(fixture);
		describeContacts(fixture);
	});
}

export function registration(now: number, overrides: Partial<WaitRegistration> = {}): WaitRegistration {
	const executionId = overrides.executionId ?? '101';
	const nodeId = overrides.nodeId ?? 'node-a';
	return {
		waitId: `${executionId}:${nodeId}`,
		token: 'token-1',
		contactId: 'alice@example.com',
		executionId,
		nodeId,
		workflowId: 'wf-1',
		match: { names: ['purchase'], sinceMs: now - HOUR },
		snapshot: { contactId: 'alice@example.com', cartId: 'c-1', nested: { a: [1, 2] } },
		resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${executionId}/${nodeId}?signature=abc`,
		expiresAt: now + HOUR,
		createdAt: now,
		...overrides,
	};
}

function describeWaits(fixture: MakeStore) {
	describe('waits', () => {
		it('registers and finds a wait by contact and event name, and only so', async () => {
			const { store } = await fixture();
			const now = await store.now();
			const reg = registration(now, { match: { names: ['purchase', 'order_completed'], sinceMs: now - HOUR } });
			await store.waits.register([reg], GRACE);
			const [byPurchase, byOrder, otherName, otherContact] = await store.waits.find([
				{ contactId: reg.contactId, name: 'purchase' },
				{ contactId: reg.contactId, name: 'order_completed' },
				{ contactId: reg.contactId, name: 'page_view' },
				{ contactId: 'bob@example.com', name: 'purchase' },
			]);
			expect(byPurchase).toEqual([reg]);
			expect(byOrder).toEqual([reg]);
			expect(otherName).toEqual([]);
			expect(otherContact).toEqual([]);
		});

		it('finds every wait of the contact for the name, across executions', async () => {
			const { store } = await fixture();
			const now = await store.now();
			const regs = [1, 2, 3].map((i) => registration(now, { executionId: String(i), waitId: `${i}:node-a`, token: `t${i}` }));
			await store.waits.register(regs, GRACE);
			const [found] = await store.waits.find([{ contactId: 'alice@example.com', name: 'purchase' }]);
			expect(found.map((r) => r.waitId).sort()).toEqual(['1:node-a', '2:node-a', '3:node-a']);
		});

		it('claims once: the first claimant wins, the same claimant may claim again, others are refused', async () => {
			const { store } = await fixture();
			const now = await store.now();
			const reg = registration(now);
			await store.waits.register([reg], GRACE);
			const ref = { contactId: reg.contactId, waitId: reg.waitId, token: reg.token };
			const first = await store.waits.claim(ref, 'event-1');
			expect(first.status).toBe('claimed');
			if (first.status === 'claimed') {
				expect(first.registration.snapshot).toEqual(reg.snapshot);
				expect(first.registration.claim?.eventId).toBe('event-1');
			}
			expect(first).toMatchObject({ status: 'claimed', fresh: true });
			// the same event again (a retried delivery): claimed, but not by this call
			expect(await store.waits.claim(ref, 'event-1')).toMatchObject({ status: 'claimed', fresh: false });
			expect(await store.waits.claim(ref, 'event-2')).toEqual({ status: 'taken', by: 'event-1' });
			// a claimed wait is still found, with its claim: the claiming event's retry may finish it
			const [[found]] = await store.waits.find([{ contactId: reg.contactId, name: 'purchase' }]);
			expect(found.claim?.eventId).toBe('event-1');
			expect({ ...found, claim: undefined }).toEqual({ ...reg, claim: undefined });
			const [got] = await store.waits.get([ref]);
			expect(got?.claim?.eventId).toBe('event-1');
		});

		it('refuses a claim with another token (a newer wait of the same node), a missing wait and an expired one', async () => {
			const { store, advance } = await fixture();
			const now = await store.now();
			const reg = registration(now);
			await store.waits.register([reg], GRACE);
			expect((await store.waits.claim({ contactId: reg.contactId, waitId: reg.waitId, token: 'other' }, 'e')).status).toBe('stale');
			expect((await store.waits.claim({ contactId: reg.contactId, waitId: 'nope:node', token: reg.token }, 'e')).status).toBe('missing');
			expect((await store.waits.claim({ contactId: 'bob', waitId: reg.waitId, token: reg.token }, 'e')).status).toBe('missing');
			advance(HOUR + 1000);
			expect((await store.waits.claim({ contactId: reg.contactId, waitId: reg.waitId, token: reg.token }, 'e')).status).toBe('expired');
			expect((await store.waits.find([{ contactId: reg.contactId, name: 'purchase' }]))[0]).toEqual([]);
		});

		it('replaces a wait registered again under the same wait id (new token, new names, claim cleared)', async () => {
			const { store } = await fixture();
			const now = await store.now();
			const first = registration(now);
			await store.waits.register([first], GRACE);
			await store.waits.claim({ contactId: first.contactId, waitId: first.waitId, token: first.token }, 'e1');
			const second = registration(now, { token: 'token-2', match: { names: ['signup'], sinceMs: now } });
			await store.waits.register([second], GRACE);
			const [byPurchase, bySignup] = await store.waits.find([
				{ contactId: first.contactId, name: 'purchase' },
				{ contactId: first.contactId, name: 'signup' },
			]);
			expect(byPurchase).toEqual([]);
			expect(bySignup).toEqual([second]);
			expect((await store.waits.claim({ contactId: first.contactId, waitId: first.waitId, token: first.token }, 'e2')).status).toBe('stale');
			expect((await store.waits.claim({ contactId: first.contactId, waitId: first.waitId, token: 'token-2' }, 'e2')).status).toBe('claimed');
		});

		it('removes a wait (only with its token when one is given) and its index entries', async () => {
			const { store } = await fixture();
			const now = await store.now();
			const reg = registration(now);
			await store.waits.register([reg], GRACE);
			expect(await store.waits.remove([{ contactId: reg.contactId, waitId: reg.waitId, token: 'other' }])).toBe(0);
			expect(await store.waits.get([{ contactId: reg.contactId, waitId: reg.waitId }])).toEqual([reg]);
			expect(await store.waits.remove([{ contactId: reg.contactId, waitId: reg.waitId, token: reg.token }])).toBe(1);
			expect(await store.waits.remove([{ contactId: reg.contactId, waitId: reg.waitId }])).toBe(0);
			expect(await store.waits.get([{ contactId: reg.contactId, waitId: reg.waitId }])).toEqual([undefined]);
			expect((await store.waits.find([{ contactId: reg.contactId, name: 'purchase' }]))[0]).toEqual([]);
		});

		it('forgets a registration after its expiry plus the grace period', async () => {
			const { store, expire } = await fixture();
			const now = await store.now();
			const reg = registration(now, { expiresAt: now + 300 });
			await store.waits.register([reg], { graceSeconds: 1 });
			expect((await store.waits.get([{ contactId: reg.contactId, waitId: reg.waitId }]))[0]).toBeDefined();
			await expire(1600);
			expect(await store.waits.get([{ contactId: reg.contactId, waitId: reg.waitId }])).toEqual([undefined]);
		});

		it('lets exactly one of many concurrent claimants win (property)', async () => {
			const { store } = await fixture();
			const now = await store.now();
			await fc.assert(
				fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 1_000_000 }), async (claimants, seed) => {
					const reg = registration(now, { executionId: `x${seed}`, waitId: `x${seed}:n`, token: `t${seed}` });
					await store.waits.register([reg], GRACE);
					const ref = { contactId: reg.contactId, waitId: reg.waitId, token: reg.token };
					const results = await Promise.all(Array.from({ length: claimants }, (_, i) => store.waits.claim(ref, `e${i}`)));
					const winners = results.filter((r) => r.status === 'claimed');
					expect(winners).toHaveLength(1);
					expect(results.filter((r) => r.status === 'taken')).toHaveLength(claimants - 1);
					await store.waits.remove([ref]);
				}),
				{ numRuns: 15 },
			);
		});
	});
}

function describeDeliveries(fixture: MakeStore) {
	describe('deliveries (replay protection)', () => {
		it('sees an id once per scope, forgets on request and after the TTL', async () => {
			const { store, expire } = await fixture();
			expect(await store.deliveries.firstSeen('wf:node', ['msg_1', 'msg_2'], 1)).toEqual([true, true]);
			expect(await store.deliveries.firstSeen('wf:node', ['msg_1', 'msg_3'], 1)).toEqual([false, true]);
			expect(await store.deliveries.firstSeen('wf:other', ['msg_1'], 1)).toEqual([true]);
			await store.deliveries.forget('wf:node', ['msg_2']);
			expect(await store.deliveries.firstSeen('wf:node', ['msg_2'], 1)).toEqual([true]);
			await expire(1200);
			expect(await store.deliveries.firstSeen('wf:node', ['msg_1'], 1)).toEqual([true]);
		});

		it('remembers a processed delivery longer than its processing lease', async () => {
			const { store, expire } = await fixture();
			// the lease taken when processing starts runs out if the process dies (1 s here) …
			expect(await store.deliveries.firstSeen('wf:node', ['crashed', 'done'], 1)).toEqual([true, true]);
			// … a delivery that was fully processed is remembered for the whole replay window
			await store.deliveries.remember('wf:node', ['done'], 60);
			await expire(1200);
			expect(await store.deliveries.firstSeen('wf:node', ['crashed', 'done'], 1)).toEqual([true, false]);
		});

		it('releases a hold only for the delivery attempt that took it', async () => {
			const { store } = await fixture();
			expect(await store.deliveries.firstSeen('wf:node', ['msg_9'], 60, 'attempt-1')).toEqual([true]);
			// another attempt's late release does not free it
			await store.deliveries.forget('wf:node', ['msg_9'], 'attempt-2');
			expect(await store.deliveries.firstSeen('wf:node', ['msg_9'], 60, 'attempt-3')).toEqual([false]);
			await store.deliveries.forget('wf:node', ['msg_9'], 'attempt-1');
			expect(await store.deliveries.firstSeen('wf:node', ['msg_9'], 60, 'attempt-4')).toEqual([true]);
			// a remembered (fully processed) delivery is not released by a holder
			await store.deliveries.remember('wf:node', ['msg_9'], 60);
			await store.deliveries.forget('wf:node', ['msg_9'], 'attempt-4');
			expect(await store.deliveries.firstSeen('wf:node', ['msg_9'], 60, 'attempt-5')).toEqual([false]);
		});

		it('lets one of concurrent deliveries of one id through', async () => {
			const { store } = await fixture();
			const results = await Promise.all(Array.from({ length: 10 }, () => store.deliveries.firstSeen('s', ['same'], 60)));
			expect(results.flat().filter(Boolean)).toHaveLength(1);
		});
	});
}

function describeContacts(fixture: MakeStore) {
	const ttl = { ttlSeconds: 3600 };
	describe('contacts', () => {
		it('keeps consent per topic and subscriptions per channel, with source and time', async () => {
			const { store } = await fixture();
			expect(await store.contacts.get(['alice'])).toEqual([undefined]);
			const [state] = await store.contacts.update(
				[{ contactId: 'alice', at: 1000, consent: { email: true, sms: false }, source: 'signup-form' }],
				ttl,
			);
			expect(state).toEqual({
				contactId: 'alice',
				consent: { email: { granted: true, at: 1000, source: 'signup-form' }, sms: { granted: false, at: 1000, source: 'signup-form' } },
				subscriptions: {},
				updatedAt: 1000,
			});
			await store.contacts.update([{ contactId: 'alice', at: 2000, unsubscribe: ['email', 'all'] }], ttl);
			const [read] = await store.contacts.get(['alice']);
			expect(read?.subscriptions).toEqual({ email: { subscribed: false, at: 2000 }, all: { subscribed: false, at: 2000 } });
			expect(read?.updatedAt).toBe(2000);
		});

		it('keeps the first global holdout decision of a contact, whatever comes later, until erased', async () => {
			const { store } = await fixture();
			const [first] = await store.contacts.update([{ contactId: 'gh', at: 1000, globalHoldout: { held: true, percent: 5 } }], ttl);
			expect(first.globalHoldout).toEqual({ held: true, percent: 5, at: 1000 });
			// another node with another percentage, or a later consent change, does not move it
			await store.contacts.update([{ contactId: 'gh', at: 3000, globalHoldout: { held: false, percent: 0.5 }, consent: { email: true } }], ttl);
			const [read] = await store.contacts.get(['gh']);
			expect(read?.globalHoldout).toEqual({ held: true, percent: 5, at: 1000 });
			expect(read?.consent.email?.granted).toBe(true);
			const [other] = await store.contacts.update([{ contactId: 'gh-2', at: 2000, globalHoldout: { held: false, percent: 2.5 } }], ttl);
			expect(other.globalHoldout).toEqual({ held: false, percent: 2.5, at: 2000 });
			await store.contacts.erase(['gh']);
			expect(await store.contacts.get(['gh'])).toEqual([undefined]);
		});

		it('applies the latest decision by time: an older change arriving late changes nothing', async () => {
			const { store } = await fixture();
			await store.contacts.update([{ contactId: 'c', at: 5000, consent: { email: false }, resubscribe: ['all'] }], ttl);
			const [state] = await store.contacts.update([{ contactId: 'c', at: 4000, consent: { email: true }, unsubscribe: ['all'] }], ttl);
			expect(state.consent.email).toEqual({ granted: false, at: 5000 });
			expect(state.subscriptions.all).toEqual({ subscribed: true, at: 5000 });
			expect(state.updatedAt).toBe(5000);
			const [newer] = await store.contacts.update([{ contactId: 'c', at: 6000, consent: { email: true } }], ttl);
			expect(newer.consent.email).toEqual({ granted: true, at: 6000 });
		});

		it('erase removes everything of the contact in every concept, and nothing of others', async () => {
			const { store } = await fixture();
			const now = await store.now();
			for (const contactId of ['alice', 'bob']) {
				const event: ContactEvent = { id: `e-${contactId}`, contactId, name: 'purchase', properties: { total: 5 }, occurredAt: now };
				await store.events.record([event], { historyLimit: 10, ttlSeconds: 3600 });
				await store.caps.apply([{ mode: 'record', contactId, channel: 'email', messageKey: `m-${contactId}` }]);
				await store.waits.register([registration(now, { contactId, waitId: `1:${contactId}` })], GRACE);
				await store.contacts.update([{ contactId, at: now, unsubscribe: ['sms'] }], ttl);
			}
			const checkCap = (contactId: string) =>
				store.caps.apply([
					{ mode: 'check', contactId, channel: 'email', rules: [{ kind: 'limit', id: 'r', scope: 'all', limit: 5, window: { kind: 'rolling', ms: HOUR } }] },
				]);
			expect((await checkCap('alice'))[0].count).toBe(1);

			const [outcome] = await store.contacts.erase(['alice']);
			expect(outcome.contactId).toBe('alice');
			expect(outcome.removed).toBeGreaterThanOrEqual(4);

			expect(await store.events.list([{ contactId: 'alice' }])).toEqual([[]]);
			expect((await checkCap('alice'))[0].count).toBe(0);
			expect((await store.waits.find([{ contactId: 'alice', name: 'purchase' }]))[0]).toEqual([]);
			expect(await store.waits.get([{ contactId: 'alice', waitId: '1:alice' }])).toEqual([undefined]);
			expect(await store.contacts.get(['alice'])).toEqual([undefined]);
			// a recorded id can be recorded again after erase (its dedupe mark went too)
			expect(
				await store.events.record([{ id: 'e-alice', contactId: 'alice', name: 'purchase', properties: {}, occurredAt: now }], {
					historyLimit: 10,
					ttlSeconds: 3600,
				}),
			).toEqual([{ eventId: 'e-alice', recorded: true }]);

			expect((await store.events.list([{ contactId: 'bob' }]))[0]).toHaveLength(1);
			expect((await checkCap('bob'))[0].count).toBe(1);
			expect((await store.waits.find([{ contactId: 'bob', name: 'purchase' }]))[0]).toHaveLength(1);
			expect((await store.contacts.get(['bob']))[0]?.subscriptions.sms?.subscribed).toBe(false);
		});
	});
}
