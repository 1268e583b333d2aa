import { describe, expect, it } from 'vitest';
import { decodeSecret, sign, signedHeaders, verifySignature } from '../../../lib/events/signature';

// the published Standard Webhooks test vector (standard-webhooks spec and libraries)
const VECTOR = {
	secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
	id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const headers = (overrides: Record<string, string> = {}) => ({
	'webhook-id': VECTOR.id,
	'webhook-timestamp': String(VECTOR.timestamp),
	'webhook-signature': VECTOR.signature,
	...overrides,
});

const verify = (h: Record<string, string>, body = VECTOR.body, nowSeconds = VECTOR.timestamp, secrets = [VECTOR.secret]) =>
	verifySignature({ secrets, headers: h, body, nowSeconds });

describe('Standard Webhooks signatures', () => {
	it('signs the published test vector', () => {
		expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
		expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.body))).toBe(VECTOR.signature);
	});

	it('accepts the vector and returns its id and timestamp', () => {
		expect(verify(headers())).toEqual({ ok: true, id: VECTOR.id, timestamp: VECTOR.timestamp });
	});

	it('accepts any of several space-separated signatures, ignoring other versions', () => {
		const wrong = 'v1,' + Buffer.alloc(32, 7).toString('base64');
		expect(verify(headers({ 'webhook-signature': `v1a,xyz ${wrong} ${VECTOR.signature}` })).ok).toBe(true);
		expect(verify(headers({ 'webhook-signature': `${wrong} v2,${VECTOR.signature.slice(3)}` }))).toMatchObject({
			ok: false,
			reason: 'no_matching_signature',
		});
	});

	it('accepts the previous secret while rotating', () => {
		const fresh = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp, [fresh, VECTOR.secret]).ok).toBe(true);
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp, [fresh]).ok).toBe(false);
	});

	it('refuses a changed body, id or timestamp', () => {
		expect(verify(headers(), '{"test": 2432232315}')).toMatchObject({ ok: false, reason: 'no_matching_signature' });
		expect(verify(headers({ 'webhook-id': 'msg_other' }))).toMatchObject({ ok: false, reason: 'no_matching_signature' });
		expect(verify(headers({ 'webhook-timestamp': String(VECTOR.timestamp + 1) }))).toMatchObject({
			ok: false,
			reason: 'no_matching_signature',
		});
		// truncated signature: different length, still compared safely
		expect(verify(headers({ 'webhook-signature': VECTOR.signature.slice(0, 20) }))).toMatchObject({ ok: false });
	});

	it('enforces the 5-minute tolerance both ways, inclusive at the edge', () => {
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp + 300).ok).toBe(true);
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp - 300).ok).toBe(true);
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp + 301)).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp - 301)).toMatchObject({ ok: false, reason: 'timestamp_too_new' });
		const now = VECTOR.timestamp + 60;
		expect(verifySignature({ secrets: [VECTOR.secret], headers: headers(), body: VECTOR.body, nowSeconds: now, toleranceSeconds: 30 })).toMatchObject({
			ok: false,
			reason: 'timestamp_too_old',
		});
	});

	it('refuses missing headers and a timestamp that is not whole seconds', () => {
		expect(verify({ 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp) })).toMatchObject({ reason: 'missing_headers' });
		expect(verify(headers({ 'webhook-timestamp': '1614265330.5' }))).toMatchObject({ reason: 'bad_timestamp' });
		expect(verify(headers({ 'webhook-timestamp': '2021-02-25T15:02:10Z' }))).toMatchObject({ reason: 'bad_timestamp' });
	});

	it('reports an unusable secret instead of throwing', () => {
		expect(verify(headers(), VECTOR.body, VECTOR.timestamp, ['whsec_not base64!'])).toMatchObject({ ok: false, reason: 'bad_secret' });
		expect(() => decodeSecret('whsec_c2hvcnQ=')).toThrow(/shorter than 16 bytes/);
		expect(decodeSecret(VECTOR.secret)).toHaveLength(24);
	});

	it('builds headers a receiver accepts (round trip)', () => {
		const secret = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
		const body = JSON.stringify({ events: [{ id: 'e1', contactId: 'c', name: 'purchase' }] });
		const h = signedHeaders(secret, 'msg_1', 1_700_000_000, body);
		expect(verifySignature({ secrets: [secret], headers: h, body: Buffer.from(body), nowSeconds: 1_700_000_100 }).ok).toBe(true);
	});
});
