import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { calendarBounds, CapRequestError, compileCapRequest, sendWindowIntervals, validateCapRequest, type CapRequest, type CapRule } from '../../../lib/store/caps';
import { groupCalls, parseReply } from '../../../lib/store/redis/caps';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const iso = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO();

describe('cap planning (shared by both stores)', () => {
	it('calendar bounds are local midnights, 23 h / 25 h long on DST change days', () => {
		const ny = 'America/New_York';
		const b = calendarBounds('day', ny, at('2024-03-10T12:00', ny));
		expect(b.map((m) => iso(m, ny))).toEqual([
			'2024-03-09T00:00:00.000-05:00',
			'2024-03-10T00:00:00.000-05:00',
			'2024-03-11T00:00:00.000-04:00',
			'2024-03-12T00:00:00.000-04:00',
		]);
		expect(b[2] - b[1]).toBe(23 * 3_600_000);
		const berlin = 'Europe/Berlin';
		const autumn = calendarBounds('day', berlin, at('2024-10-27T12:00', berlin));
		expect(autumn[2] - autumn[1]).toBe(25 * 3_600_000);
		expect(calendarBounds('week', berlin, at('2024-10-30T12:00', berlin)).map((m) => iso(m, berlin))[1]).toBe('2024-10-28T00:00:00.000+01:00');
		expect(calendarBounds('month', 'Asia/Seoul', at('2024-02-29T23:59', 'Asia/Seoul')).map((m) => iso(m, 'Asia/Seoul'))).toEqual([
			'2024-01-01T00:00:00.000+09:00',
			'2024-02-01T00:00:00.000+09:00',
			'2024-03-01T00:00:00.000+09:00',
			'2024-04-01T00:00:00.000+09:00',
		]);
	});

	it('quiet hours: daily intervals outside them in the zone, past midnight when until < from, DST gaps move forward', () => {
		const seoul = 'Asia/Seoul';
		const w = sendWindowIntervals({ from: '08:00', until: '21:00' }, seoul, at('2024-06-01T12:00', seoul));
		expect(w).toHaveLength(10);
		expect(iso(w[4], seoul)).toBe('2024-06-01T08:00:00.000+09:00');
		expect(iso(w[5], seoul)).toBe('2024-06-01T21:00:00.000+09:00');
		const night = sendWindowIntervals({ from: '22:00', until: '02:00' }, seoul, at('2024-06-01T12:00', seoul));
		expect(iso(night[4], seoul)).toBe('2024-06-01T22:00:00.000+09:00');
		expect(iso(night[5], seoul)).toBe('2024-06-02T02:00:00.000+09:00');
		// 02:30 does not exist in New York on 2024-03-10
		const ny = 'America/New_York';
		const gap = sendWindowIntervals({ from: '02:30', until: '09:00' }, ny, at('2024-03-10T12:00', ny));
		expect(iso(gap[4], ny)).toBe('2024-03-10T03:30:00.000-04:00');
		expect(() => sendWindowIntervals({ from: '8:00', until: '21:00' }, seoul, 0)).toThrow(/HH:mm/);
		expect(() => sendWindowIntervals({ from: '08:00', until: '08:00' }, seoul, 0)).toThrow(/same time/);
	});

	it('compiles dimensions and rules; each-tag rules expand per tag; tag rules skip messages without the tag', () => {
		const c = compileCapRequest(
			{
				mode: 'reserve',
				contactId: 'c',
				channel: 'email',
				campaign: 'spring',
				tags: ['promo', ' news ', 'promo', ''],
				rules: [
					{ kind: 'limit', id: 'each', scope: 'tag', limit: 1, window: { kind: 'rolling', ms: 60_000 } },
					{ kind: 'limit', id: 'vip', scope: 'tag', tag: 'vip', limit: 1, window: { kind: 'rolling', ms: 60_000 } },
					{ kind: 'gap', id: 'g', scope: 'channel', gapMs: 5000 },
				],
			},
			0,
			(kind, value) => `${kind}:${value}`,
		);
		expect(c.dims).toEqual(['all:', 'channel:email', 'campaign:spring', 'tag:promo', 'tag:news']);
		expect(c.rules.map((r) => [r.ruleIndex, r.kind, r.dim])).toEqual([
			[0, 'limit', 'tag:promo'],
			[0, 'limit', 'tag:news'],
			[2, 'gap', 'channel:email'],
		]);
	});

	it('rejects what a store cannot decide, with a message that names the fix', () => {
		const bad = (request: object, message: RegExp) => expect(() => validateCapRequest(request as never)).toThrow(message);
		bad({ mode: 'reserve', contactId: '' }, /contact ID is empty/);
		bad({ mode: 'nope', contactId: 'c' }, /Unknown mode/);
		bad({ mode: 'release', contactId: 'c' }, /message key/);
		bad({ mode: 'reserve', contactId: 'c', rules: [{ kind: 'limit', id: 'x', scope: 'campaign', limit: 1, window: { kind: 'rolling', ms: 60_000 } }] }, /x counts per campaign/);
		bad({ mode: 'reserve', contactId: 'c', rules: [{ kind: 'limit', id: 'x', scope: 'all', limit: 1.5, window: { kind: 'rolling', ms: 60_000 } }] }, /whole number/);
		bad({ mode: 'reserve', contactId: 'c', rules: [{ kind: 'limit', id: 'x', scope: 'all', limit: 1, window: { kind: 'rolling', ms: 31 * 86_400_000 } }] }, /30 days/);
		bad({ mode: 'reserve', contactId: 'c', rules: [{ kind: 'limit', id: 'x', scope: 'all', limit: 1, window: { kind: 'calendar', unit: 'day' } }] }, /time zone/);
		bad({ mode: 'reserve', contactId: 'c', tags: 'promo' }, /list of strings/);
		expect(() => validateCapRequest({ mode: 'reserve', contactId: 'c', quietHours: { from: '08:00', until: '20:00' }, timeZone: 'Nowhere/Else' })).toThrow(CapRequestError);
	});

	it('a shape validated once is not compiled again, and a bad request never passes as a valid shape', () => {
		const rules: CapRule[] = [{ kind: 'limit', id: 'x', scope: 'tag', limit: 1, window: { kind: 'calendar', unit: 'day' } }];
		const good: CapRequest = { mode: 'reserve', contactId: 'c', tags: ['1', 'promo'], timeZone: 'Asia/Seoul', rules };
		validateCapRequest(good);
		validateCapRequest({ ...good, contactId: 'd' });
		expect(() => validateCapRequest({ ...good, contactId: '' })).toThrow(/contact ID is empty/);
		// same joined text as the valid shape's tags
		expect(() => validateCapRequest({ ...good, tags: [1, 'promo'] as never })).toThrow(/list of strings/);
		expect(() => validateCapRequest({ ...good, tags: '1\u0001promo' as never })).toThrow(/list of strings/);
		expect(() => validateCapRequest({ ...good, timeZone: 'Nowhere/Else' })).toThrow(/not a time zone/);
		expect(() => validateCapRequest({ ...good, mode: 'release' })).toThrow(/message key/);
	});

	it('reads the cap-apply reply string (now, then 5 integers per request)', () => {
		expect(parseReply('1717200000000,1,2,3,3,-1,6,0,-1,-1,-1', 11)).toEqual([1717200000000, 1, 2, 3, 3, -1, 6, 0, -1, -1, -1]);
		// a Lua number that is not a plain integer is truncated, as Redis truncates one in an integer reply
		expect(parseReply('1717200000000.5,1,0,-1,-1,1e+3', 6)).toEqual([1717200000000, 1, 0, -1, -1, 1000]);
		expect(() => parseReply('1,2', 6)).toThrow(/unexpected cap-apply reply/);
		expect(() => parseReply('1,,2', 3)).toThrow(/unexpected cap-apply reply/);
	});

	it('groups script calls by slot without splitting one contact and without exceeding the call size', () => {
		const keys = ['a', 'b', 'a', 'c', 'd', 'c', 'e', 'f', 'g', 'f', 'h'];
		// a, c, e, g share slot 1; b, d, f, h slot 2
		const slotOf = (contact: string) => ('aceg'.includes(contact) ? 1 : 2);
		const calls = groupCalls(keys, 3, slotOf);
		expect(calls.flat().sort((x, y) => x - y)).toEqual(keys.map((_, i) => i));
		for (const call of calls) {
			expect(call.length).toBeLessThanOrEqual(3);
			expect(new Set(call.map((i) => slotOf(keys[i]))).size).toBe(1);
			const contacts = [...new Set(call.map((i) => keys[i]))];
			// one contact's requests: all of them, in order, next to each other
			const byContact = contacts.flatMap((contact) => keys.flatMap((k, i) => (k === contact ? [i] : [])));
			expect(call).toEqual(byContact);
		}
		// slot 1: [a a] [c c e] [g] (c's two requests do not fit next to a's); slot 2: [b d] [f f h]
		expect(calls.map((call) => call.map((i) => keys[i]).join(''))).toEqual(['aa', 'bd', 'cce', 'ffh', 'g']);
	});
});

describe('Redis Cluster slots', () => {
	it('computes the slots Redis Cluster gives (CRC16 XModem mod 16384, hash tags)', async () => {
		const { keySlot, tagSlot } = await import('../../../lib/store/redis/slots');
		// the values CLUSTER KEYSLOT answers
		expect(keySlot('foo')).toBe(12182);
		expect(keySlot('123456789')).toBe(0x31c3 & 16383);
		expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
		expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
		// an empty tag does not count: the whole key is hashed
		expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
		expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
		expect(keySlot('ü{é}x')).toBe(keySlot(Buffer.from('é')));
		for (const tag of ['abc', 'Qm9vZ2xlLUNsdXN0ZXItVGFn', 'x-_9']) expect(tagSlot(tag)).toBe(keySlot(`ns:cap:{${tag}}:log`));
	});
});

describe('keyed hashes', () => {
	it('contact tags and message digests keep their values (strings, no Buffers)', async () => {
		const { createHash, createHmac } = await import('node:crypto');
		const { RedisKeys, base64urlOfLatin1 } = await import('../../../lib/store/redis/keys');
		const secret = 'integration-secret-16';
		const keys = new RedisKeys('ns', secret);
		for (const contactId of ['alice@example.com', '김민수', '', 'x'.repeat(300)]) {
			const mac = createHmac('sha256', secret).update(`contact\u0000${contactId}`).digest();
			const { tag, secret: contactSecret } = keys.contactHash(contactId);
			expect(tag).toBe(mac.subarray(0, 16).toString('base64url'));
			expect(keys.contactTag(contactId)).toBe(tag);
			expect(Buffer.from(contactSecret, 'latin1')).toEqual(mac.subarray(16));
			for (const bytes of [12, 16]) {
				const expected = createHash('sha256')
					.update(`${mac.subarray(16).toString('latin1')}\u0000message\u0000wf:node:exec:7`)
					.digest()
					.subarray(0, bytes)
					.toString('base64url');
				expect(keys.contactDigest(contactSecret, 'message', 'wf:node:exec:7', bytes)).toBe(expected);
			}
		}
		const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255, 62, 63]);
		for (let n = 0; n <= bytes.length; n++) expect(base64urlOfLatin1(bytes.toString('latin1'), 0, n)).toBe(bytes.subarray(0, n).toString('base64url'));
	});


	it('HmacSha256 is RFC 2104 HMAC-SHA256 (short, long, unicode keys and messages)', async () => {
		const { createHmac } = await import('node:crypto');
		const { HmacSha256 } = await import('../../../lib/store/redis/keys');
		for (const secret of ['integration-secret-16', 'k'.repeat(64), 'long-'.repeat(40), '비밀-열쇠-0123456789']) {
			const hmac = new HmacSha256(secret);
			for (const message of ['', 'contact\u0000alice@example.com', 'ü'.repeat(500), 'x'.repeat(10_240)]) {
				expect(hmac.digest(message).toString('hex')).toBe(createHmac('sha256', secret).update(message).digest('hex'));
			}
		}
	});
});
