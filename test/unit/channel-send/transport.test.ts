import { describe, expect, it } from 'vitest';
import { Limiter, parseRetryAfter, ProviderError, withRetries } from '../../../lib/channels/transport';

describe('retries', () => {
	it('honours Retry-After, then succeeds', async () => {
		const waits: number[] = [];
		let calls = 0;
		const result = await withRetries(
			async () => {
				calls++;
				if (calls < 3) throw new ProviderError('failed', '429', { status: 429, retryAfterMs: 2000, ambiguous: false });
				return 'ok';
			},
			{ retries: 3, maxDelayMs: 5000 },
			async (ms) => {
				waits.push(ms);
			},
		);
		expect(result).toBe('ok');
		expect(waits).toEqual([2000, 2000]);
	});

	it('stops when Retry-After exceeds the bound, after the last retry, and at once on a rejection', async () => {
		const sleep = async () => undefined;
		let calls = 0;
		const tooLong = new ProviderError('failed', 'later', { status: 429, retryAfterMs: 60_000 });
		await expect(withRetries(async () => { calls++; throw tooLong; }, { retries: 3, maxDelayMs: 5000 }, sleep)).rejects.toBe(tooLong);
		expect(calls).toBe(1);
		calls = 0;
		await expect(withRetries(async () => { calls++; throw new ProviderError('failed', '500', { status: 500 }); }, { retries: 2, maxDelayMs: 5000, baseDelayMs: 1 }, sleep)).rejects.toMatchObject({ status: 500 });
		expect(calls).toBe(3);
		calls = 0;
		await expect(withRetries(async () => { calls++; throw new ProviderError('rejected', 'bad', { status: 400 }); }, { retries: 3, maxDelayMs: 5000 }, sleep)).rejects.toMatchObject({ kind: 'rejected' });
		expect(calls).toBe(1);
	});

	it('reads Retry-After as seconds or an HTTP date', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter(null)).toBeUndefined();
	});
});

describe('Limiter', () => {
	it('never runs more than its limit at once', async () => {
		const limiter = new Limiter(3);
		let active = 0;
		let peak = 0;
		await Promise.all(
			Array.from({ length: 20 }, () =>
				limiter.run(async () => {
					active++;
					peak = Math.max(peak, active);
					await new Promise((r) => setTimeout(r, 2));
					active--;
				}),
			),
		);
		expect(peak).toBe(3);
	});
});
