import { describe, expect, it } from 'vitest';
import { readUnsubscribeToken, unsubscribeToken, unsubscribeUrl } from '../../../lib/channels/unsubscribe';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvLTEyMzQ1Ng==';
const claim = { contactId: 'ann@example.com', channel: 'email', issuedAt: 1_790_000_000_000 };

describe('one-click unsubscribe tokens', () => {
	it('round-trips, with no address readable in the token', () => {
		const token = unsubscribeToken(SECRET, claim);
		expect(readUnsubscribeToken([SECRET], token)).toEqual(claim);
		expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('ann');
		expect(token).not.toContain('ann');
		expect(unsubscribeToken(SECRET, claim)).not.toBe(token);
	});

	it('refuses an altered token and one made with another secret; accepts the previous secret while rotating', () => {
		const token = unsubscribeToken(SECRET, claim);
		const raw = Buffer.from(token, 'base64url');
		raw[14] ^= 1;
		expect(readUnsubscribeToken([SECRET], raw.toString('base64url'))).toBeUndefined();
		expect(readUnsubscribeToken([OTHER], token)).toBeUndefined();
		expect(readUnsubscribeToken([OTHER, SECRET], token)).toEqual(claim);
		expect(readUnsubscribeToken([SECRET], 'short')).toBeUndefined();
	});

	it('builds the endpoint URL with the token as a query parameter', () => {
		const url = new URL(unsubscribeUrl('https://n8n.example.com/webhook/journey-events/unsubscribe?x=1', SECRET, claim));
		expect(url.origin + url.pathname).toBe('https://n8n.example.com/webhook/journey-events/unsubscribe');
		expect(url.searchParams.get('x')).toBe('1');
		expect(readUnsubscribeToken([SECRET], url.searchParams.get('token')!)).toEqual(claim);
	});
});
