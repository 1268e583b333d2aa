/**
 * The store contract of Channel Send's exactly-once log (claim a message key before the provider
 * call, settle it after), run against the memory store (test/unit/store/memory.test.ts) and the
 * Redis store (test/integration/store/redis.test.ts) with the fixtures of test/store-suite.ts.
 */
import { describe, expect, it } from 'vitest';
import type { SendClaimRequest, SendSettleRequest } from '../lib/store/types';
import { trackedFixtures, type MakeStore } from './store-suite';

const LOG = { retentionMs: 3_600_000 };

function claim(token: string, overrides: Partial<SendClaimRequest> = {}): SendClaimRequest {
	return { contactId: 'alice@example.com', messageKey: 'wf:send:entry-1', token, leaseMs: 30_000, takeUnknown: false, ...overrides };
}

function settle(token: string, outcome: SendSettleRequest['outcome'], overrides: Partial<SendSettleRequest> = {}): SendSettleRequest {
	return { contactId: 'alice@example.com', messageKey: 'wf:send:entry-1', token, outcome, ...overrides };
}

export function describeSendContract(name: string, makeStore: MakeStore): void {
	describe(`store contract (sends): ${name}`, () => {
		const fixture = trackedFixtures(makeStore);

		it('claims a new key once; a second claim while the lease is live is busy', async () => {
			const { store } = await fixture();
			const now = await store.now();
			const [first, second] = await store.sends.claim([claim('t1'), claim('t2')], LOG);
			expect(first).toEqual({ state: 'claimed', attempt: 1 });
			expect(second).toEqual({ state: 'busy', leaseUntil: now + 30_000 });
		});

		it('a sent key answers sent with the message id and is never claimed again', async () => {
			const { store, advance } = await fixture();
			await store.sends.claim([claim('t1')], LOG);
			const [settled] = await store.sends.settle([settle('t1', 'sent', { messageId: 'msg-1' })], LOG);
			const sentAt = await store.now();
			expect(settled).toEqual({ state: 'sent', messageId: 'msg-1', sentAt });
			advance(120_000);
			const [again] = await store.sends.claim([claim('t2', { takeUnknown: true })], LOG);
			expect(again).toEqual({ state: 'sent', messageId: 'msg-1', sentAt });
		});

		it('a failed attempt frees the key; a stale token changes nothing', async () => {
			const { store } = await fixture();
			await store.sends.claim([claim('t1')], LOG);
			expect(await store.sends.settle([settle('other', 'failed')], LOG)).toEqual([{ state: 'stale' }]);
			expect(await store.sends.claim([claim('t2')], LOG)).toEqual([{ state: 'busy', leaseUntil: expect.any(Number) }]);
			expect(await store.sends.settle([settle('t1', 'failed')], LOG)).toEqual([{ state: 'released' }]);
			expect(await store.sends.claim([claim('t3')], LOG)).toEqual([{ state: 'claimed', attempt: 1 }]);
		});

		it('an expired lease or an unknown outcome is claimed again only when the caller takes unknown outcomes', async () => {
			const { store, advance } = await fixture();
			await store.sends.claim([claim('t1')], LOG);
			advance(30_001);
			expect(await store.sends.claim([claim('t2')], LOG)).toEqual([{ state: 'unknown', attempt: 1 }]);
			expect(await store.sends.claim([claim('t3', { takeUnknown: true })], LOG)).toEqual([{ state: 'claimed', attempt: 2 }]);
			// the first attempt comes back late: its lease is gone, so it cannot release the key
			expect(await store.sends.settle([settle('t1', 'failed')], LOG)).toEqual([{ state: 'stale' }]);
			expect(await store.sends.settle([settle('t3', 'unknown')], LOG)).toEqual([{ state: 'unknown' }]);
			expect(await store.sends.claim([claim('t4')], LOG)).toEqual([{ state: 'unknown', attempt: 2 }]);
		});

		it('a late success is recorded even when another attempt holds the lease', async () => {
			const { store, advance } = await fixture();
			await store.sends.claim([claim('t1')], LOG);
			advance(30_001);
			await store.sends.claim([claim('t2', { takeUnknown: true })], LOG);
			const [late] = await store.sends.settle([settle('t1', 'sent', { messageId: 'first' })], LOG);
			expect(late).toMatchObject({ state: 'sent', messageId: 'first' });
			const [second] = await store.sends.settle([settle('t2', 'sent', { messageId: 'second' })], LOG);
			expect(second).toMatchObject({ state: 'sent', messageId: 'first' });
		});

		it('keys are per contact and per message key, and a batch applies in order', async () => {
			const { store } = await fixture();
			const out = await store.sends.claim(
				[claim('a'), claim('b', { contactId: 'bob@example.com' }), claim('c', { messageKey: 'other' }), claim('d')],
				LOG,
			);
			expect(out.map((c) => c.state)).toEqual(['claimed', 'claimed', 'claimed', 'busy']);
		});

		it('writes nothing once the decision deadline has passed', async () => {
			const { store } = await fixture();
			const past = Date.now() - 60_000;
			expect(await store.sends.claim([claim('t1'), claim('t2', { contactId: 'bob' })], { ...LOG, deadline: past })).toEqual([
				{ state: 'late' },
				{ state: 'late' },
			]);
			expect(await store.sends.claim([claim('t3')], { ...LOG, deadline: Date.now() + 60_000 })).toEqual([{ state: 'claimed', attempt: 1 }]);
			expect(await store.sends.settle([settle('t3', 'sent', { messageId: 'x' })], { ...LOG, deadline: past })).toEqual([{ state: 'late' }]);
			expect(await store.sends.claim([claim('t4')], LOG)).toMatchObject([{ state: 'busy' }]);
		});

		it('a sent key is forgotten after the retention', async () => {
			const { store, expire } = await fixture();
			const short = { retentionMs: 300 };
			await store.sends.claim([claim('t1')], short);
			await store.sends.settle([settle('t1', 'sent', { messageId: 'm' })], short);
			await expire(400);
			expect(await store.sends.claim([claim('t2')], short)).toEqual([{ state: 'claimed', attempt: 1 }]);
		});

		it('erasing the contact removes its send log', async () => {
			const { store } = await fixture();
			await store.sends.claim([claim('t1')], LOG);
			await store.sends.settle([settle('t1', 'sent', { messageId: 'm' })], LOG);
			await store.contacts.erase(['alice@example.com']);
			expect(await store.sends.claim([claim('t2')], LOG)).toEqual([{ state: 'claimed', attempt: 1 }]);
		});
	});
}
