/**
 * One-click unsubscribe links (RFC 8058) for marketing email. The link carries an opaque token:
 * the contact id and channel encrypted and authenticated (AES-256-GCM) with a key derived from
 * the package's signing secret, so no address or id is readable in the URL and a token cannot
 * be forged or altered. The endpoint that receives the link reads the token and records the
 * unsubscribe as the Journey Event node does.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeSecret } from '../events/signature';
import type { ContactStateChange } from '../store/contacts';

export interface UnsubscribeClaim {
	contactId: string;
	/** the channel to unsubscribe from, or `all` */
	channel: string;
	/** epoch ms the link was made */
	issuedAt: number;
}

function keyOf(secret: string): Buffer {
	return createHash('sha256').update('journeys-unsubscribe\u0000').update(decodeSecret(secret)).digest();
}

export function unsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
	const body = Buffer.concat([cipher.update(JSON.stringify({ c: claim.contactId, h: claim.channel, t: claim.issuedAt }), 'utf8'), cipher.final()]);
	return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The claim of a token made with one of the secrets, or undefined (altered, foreign or malformed). */
export function readUnsubscribeToken(secrets: string[], token: string): UnsubscribeClaim | undefined {
	const raw = Buffer.from(token, 'base64url');
	if (raw.length < 12 + 16 + 2) return undefined;
	for (const secret of secrets) {
		try {
			const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), raw.subarray(0, 12));
			decipher.setAuthTag(raw.subarray(raw.length - 16));
			const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
			const parsed = JSON.parse(text) as { c?: unknown; h?: unknown; t?: unknown };
			if (typeof parsed.c === 'string' && typeof parsed.h === 'string' && typeof parsed.t === 'number') {
				return { contactId: parsed.c, channel: parsed.h, issuedAt: parsed.t };
			}
		} catch {
			// not this secret's token: try the next one
		}
	}
	return undefined;
}

/** The link for one contact: the endpoint URL with `?token=…`. */
export function unsubscribeUrl(endpoint: string, secret: string, claim: UnsubscribeClaim): string {
	const url = new URL(endpoint);
	url.searchParams.set('token', unsubscribeToken(secret, claim));
	return url.toString();
}

/** Channels a link can unsubscribe from as such; any other name is a consent topic (a list). */
const LINK_CHANNELS = new Set(['email', 'all']);

/**
 * The contact-state change an unsubscribe link records (as the Journey Event node records one).
 * A link made for a consent topic (Channel Send's Consent Topic, e.g. `newsletter`) withdraws
 * that consent too: Channel Send checks unsubscribes per channel and consent per topic, so
 * without it the next newsletter would still go out.
 */
export function unsubscribeChange(claim: UnsubscribeClaim, at: number): ContactStateChange {
	const change: ContactStateChange = { contactId: claim.contactId, at, unsubscribe: [claim.channel], source: 'unsubscribe link' };
	if (!LINK_CHANNELS.has(claim.channel)) change.consent = { [claim.channel]: false };
	return change;
}
