/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs
 * `<webhook-id>.<webhook-timestamp>.<body>` with HMAC-SHA256 keyed by the base64-decoded part of
 * a `whsec_…` secret and sends `webhook-signature: v1,<base64>` (several, space-separated, while
 * a secret is rotated). The receiver checks the timestamp against a tolerance window (replays of
 * old requests fail) and remembers ids inside that window (replays of recent requests fail).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Five minutes either way, as the scheme recommends. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export type SignatureFailure =
	| 'missing_headers'
	| 'bad_timestamp'
	| 'timestamp_too_old'
	| 'timestamp_too_new'
	| 'no_matching_signature'
	| 'bad_secret';

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: SignatureFailure; message: string };

/** The key bytes of a `whsec_<base64>` secret (a secret without the prefix is taken as base64 too). */
export function decodeSecret(secret: string): Buffer {
	const trimmed = secret.trim();
	const encoded = trimmed.startsWith('whsec_') ? trimmed.slice('whsec_'.length) : trimmed;
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
		throw new Error('The signing secret is not valid base64 after the "whsec_" prefix');
	}
	const key = Buffer.from(encoded, 'base64');
	if (key.length < 16) throw new Error('The signing secret is shorter than 16 bytes; generate a new one');
	return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` */
export function sign(secret: string | Buffer, id: string, timestamp: number, body: string | Buffer): string {
	const key = typeof secret === 'string' ? decodeSecret(secret) : secret;
	const mac = createHmac('sha256', key);
	mac.update(`${id}.${timestamp}.`);
	mac.update(body);
	return `v1,${mac.digest('base64')}`;
}

/** Headers a sender adds, for tests, the bench and anyone posting events from their own code. */
export function signedHeaders(
	secret: string,
	id: string,
	timestamp: number,
	body: string | Buffer,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
	return {
		'webhook-id': id,
		'webhook-timestamp': String(timestamp),
		'webhook-signature': sign(secret, id, timestamp, body),
	};
}

export interface VerifyInput {
	/** one secret, or several while rotating (any may match) */
	secrets: string[];
	headers: Record<string, string | string[] | undefined>;
	/** the raw request body exactly as received */
	body: Buffer | string;
	/** receiver's clock, epoch seconds */
	nowSeconds: number;
	toleranceSeconds?: number;
}

/** Verifies headers and signature (not the replay check, which needs the store). */
export function verifySignature(input: VerifyInput): VerifyResult {
	const id = header(input.headers, 'webhook-id');
	const timestampText = header(input.headers, 'webhook-timestamp');
	const signatures = header(input.headers, 'webhook-signature');
	if (!id || !timestampText || !signatures) {
		return fail('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature headers are required');
	}
	if (!/^\d{1,12}$/.test(timestampText)) {
		return fail('bad_timestamp', 'webhook-timestamp must be whole seconds since the epoch');
	}
	const timestamp = Number(timestampText);
	const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
	if (timestamp < input.nowSeconds - tolerance) {
		return fail('timestamp_too_old', `webhook-timestamp is more than ${tolerance} s in the past`);
	}
	if (timestamp > input.nowSeconds + tolerance) {
		return fail('timestamp_too_new', `webhook-timestamp is more than ${tolerance} s in the future`);
	}
	const offered = signatures
		.split(' ')
		.map((part) => part.trim())
		.filter((part) => part.startsWith('v1,'))
		.map((part) => Buffer.from(part.slice(3), 'base64'));
	let keys: Buffer[];
	try {
		keys = input.secrets.map(decodeSecret);
	} catch (error) {
		return fail('bad_secret', (error as Error).message);
	}
	for (const key of keys) {
		const expected = Buffer.from(sign(key, id, timestamp, input.body).slice(3), 'base64');
		// every offered signature is compared (constant time per comparison, no early exit on a byte)
		let matched = false;
		for (const candidate of offered) {
			if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
		}
		if (matched) return { ok: true, id, timestamp };
	}
	return fail('no_matching_signature', 'no webhook-signature matches the body signed with the configured secret');
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return value[0];
	return value === undefined || value === '' ? undefined : value;
}

function fail(reason: SignatureFailure, message: string): VerifyResult {
	return { ok: false, reason, message };
}
