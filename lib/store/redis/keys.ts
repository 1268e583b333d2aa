import * as crypto from 'node:crypto';

/**
 * Redis key layout: `<namespace>:<kind>:{<contact hash>}:<suffix>`.
 *
 * - namespace: from the credential, one per client; [A-Za-z0-9_.-] only, so one namespace is
 *   never a prefix of another's keys.
 * - contact hash: HMAC-SHA256(hash secret, contact id), first 128 bits, base64url (22 chars).
 *   No e-mail address or phone number ever appears in a key, and all keys of one contact share
 *   the `{hash}` tag, so they live in one Redis Cluster slot and one script can use them all.
 * - every key written carries a TTL (set by the script that writes it).
 *
 * Values derived from user data that scripts keep inside values (message keys, event ids,
 * channel/campaign/tag names) go through `digest` too, with a purpose label so equal strings
 * of different purposes never collide.
 */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The per-contact keys of every concept; erase deletes exactly these. Append when adding a concept. */
export const CONTACT_KEYS = {
	/** cap-apply-n.lua: the contact's send log (a string of `<ts>|<message key digest>|,<dim>,…,` entries joined by `;`) */
	capLog: ['cap', 'log'],
	/** events-record-2.lua: event history (zset by occurredAt) and dedupe marks (zset by recording time) */
	eventHistory: ['ev', 'hist'],
	eventSeen: ['ev', 'seen'],
	/** wait-*.lua: Wait Until Event registrations (hash) and their index by event name (zset) */
	waitRegs: ['wait', 'regs'],
	waitIndex: ['wait', 'idx'],
	/** contact-update-1.lua: consent and subscription state (hash) */
	contactState: ['ct', 'state'],
	/** journey-enter-2.lua: journey entries and last entries (hash) and live entries by end time (zset) */
	journeyEntries: ['jr', 'entries'],
	journeyLive: ['jr', 'live'],
	/** journey-goal-2.lua, journey-mark-1.lua, journey-convert-1.lua: entries' conversion goals, variants, last sends (hash) */
	journeyGoals: ['jr', 'goals'],
	/** score-apply-2.lua: lead score state (hash) and audit log (list) */
	scoreState: ['score', 'state'],
	scoreLog: ['score', 'log'],
	/** send-claim-1.lua: Channel Send's exactly-once log of message keys (hash) */
	sendLog: ['send', 'log'],
} as const satisfies Record<string, readonly [string, string]>;

export type ContactKeyName = keyof typeof CONTACT_KEYS;

export class RedisKeys {
	private readonly hmac: HmacSha256;

	constructor(
		readonly namespace: string,
		secret: string,
	) {
		const problem = namespaceProblem(namespace) ?? secretProblem(secret);
		if (problem) throw new Error(problem);
		this.hmac = new HmacSha256(secret);
	}

	/** The `{…}` hash tag of a contact: 22 base64url characters, no raw id. */
	contactTag(contactId: string): string {
		return this.contactHash(contactId).tag;
	}

	/**
	 * The contact's tag and a per-contact secret: the HMAC's first 128 bits are the tag (visible
	 * in key names), the last 128 bits (as a latin1 string) never leave the process and key
	 * `contactDigest`. Strings, not Buffers: this runs once per item of a batch.
	 */
	contactHash(contactId: string): { tag: string; secret: string } {
		const mac = this.hmac.digestLatin1(`contact\u0000${contactId}`);
		return { tag: base64urlOfLatin1(mac, 0, 16), secret: mac.slice(16) };
	}

	/**
	 * A keyed digest of a value that lives inside one contact's data (a message key): one
	 * SHA-256 of the contact's secret half (see contactHash) and the value. Unlike the contact
	 * tag, no reader of Redis knows that key, so a value holding PII can't be guessed back.
	 */
	contactDigest(contactSecret: string, purpose: string, value: string, bytes = 16): string {
		const data = `${contactSecret}\u0000${purpose}\u0000${value}`;
		// whole groups of 3 bytes are whole base64 characters: cut the text, no Buffer needed
		if (oneShotHash && bytes % 3 === 0) return oneShotHash('sha256', data, 'base64url').slice(0, (bytes / 3) * 4);
		return sha256(data).subarray(0, bytes).toString('base64url');
	}

	/** `<namespace>:<kind>:{<tag>}:<suffix>` for a contact tag from `contactTag`. */
	keyForTag(tag: string, name: ContactKeyName): string {
		const [kind, suffix] = CONTACT_KEYS[name];
		return `${this.namespace}:${kind}:{${tag}}:${suffix}`;
	}

	key(contactId: string, name: ContactKeyName): string {
		return this.keyForTag(this.contactTag(contactId), name);
	}

	/** Every per-contact key this package writes for a contact. */
	allKeys(contactId: string): string[] {
		const tag = this.contactTag(contactId);
		return (Object.keys(CONTACT_KEYS) as ContactKeyName[]).map((name) => this.keyForTag(tag, name));
	}

	/** Keyed digest of a user-supplied value stored inside a value (base64url, `bytes` bytes). */
	digest(purpose: string, value: string, bytes = 16): string {
		return this.hmac.digest(`${purpose}\u0000${value}`).subarray(0, bytes).toString('base64url');
	}

	/**
	 * A value only this store can read back (AES-256-GCM under a key derived from the hash
	 * secret): for names a script keeps inside a contact's data and the node needs again (the
	 * journey and step a conversion is counted under), which must not be readable in Redis.
	 * '' stays ''.
	 */
	seal(text: string): string {
		if (text === '') return '';
		const iv = crypto.randomBytes(12);
		const cipher = crypto.createCipheriv('aes-256-gcm', this.sealKey(), iv);
		const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
		return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
	}

	/** The text of a sealed value; throws when it was not sealed with this store's secret. */
	unseal(sealed: string): string {
		if (sealed === '') return '';
		const data = Buffer.from(sealed, 'base64url');
		const decipher = crypto.createDecipheriv('aes-256-gcm', this.sealKey(), data.subarray(0, 12));
		decipher.setAuthTag(data.subarray(12, 28));
		return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
	}

	private sealKeyBytes?: Buffer;
	private sealKey(): Buffer {
		return (this.sealKeyBytes ??= this.hmac.digest('seal\u0000aes-256-gcm'));
	}

	/** SCAN pattern for every key of this namespace (tests and maintenance). */
	get pattern(): string {
		return `${this.namespace}:*`;
	}
}

export function namespaceProblem(namespace: unknown): string | undefined {
	if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
		return 'The key namespace must be 1 to 64 letters, digits, ".", "_" or "-" (one per client, e.g. "acme-prod")';
	}
	return undefined;
}

export function secretProblem(secret: unknown): string | undefined {
	if (typeof secret !== 'string' || secret.length < 16) {
		return 'The hashing secret must be at least 16 characters (it keys the hash of contact IDs in Redis keys; keep it stable)';
	}
	return undefined;
}

type OneShotHash = {
	(algorithm: string, data: Buffer | string, outputEncoding: 'buffer'): Buffer;
	(algorithm: string, data: Buffer | string, outputEncoding: 'latin1' | 'base64url'): string;
};
const oneShotHash = (crypto as unknown as { hash?: OneShotHash }).hash;

function sha256(data: string): Buffer {
	return oneShotHash ? oneShotHash('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest();
}

/**
 * HMAC-SHA256 (RFC 2104) with the padded keys prepared once: two one-shot SHA-256 calls per
 * message (`crypto.hash`, Node ≥ 20.12), several times cheaper than `createHmac` per call, which
 * matters at one or two digests per item of a 100 000-item batch. Falls back to createHmac.
 */
export class HmacSha256 {
	private readonly key: Buffer;
	private readonly outer = Buffer.alloc(64 + 32);
	private inner = Buffer.alloc(64 + 256);

	constructor(secret: string) {
		let key = Buffer.from(secret);
		if (key.length > 64) key = crypto.createHash('sha256').update(key).digest();
		this.key = key;
		for (let i = 0; i < 64; i++) {
			const k = i < key.length ? key[i] : 0;
			this.inner[i] = k ^ 0x36;
			this.outer[i] = k ^ 0x5c;
		}
	}

	digest(message: string): Buffer {
		if (!oneShotHash) return crypto.createHmac('sha256', this.key).update(message).digest();
		oneShotHash('sha256', this.innerBlock(message), 'buffer').copy(this.outer, 64);
		return oneShotHash('sha256', this.outer, 'buffer');
	}

	/** The same MAC as a 32-character latin1 string (one character per byte): no Buffer per call. */
	digestLatin1(message: string): string {
		if (!oneShotHash) return crypto.createHmac('sha256', this.key).update(message).digest('binary');
		this.outer.write(oneShotHash('sha256', this.innerBlock(message), 'latin1'), 64, 'latin1');
		return oneShotHash('sha256', this.outer, 'latin1');
	}

	/** The padded key followed by the message, in the reused buffer. */
	private innerBlock(message: string): Buffer {
		// a UTF-16 code unit is at most 3 UTF-8 bytes: make room, then write once
		if (64 + 3 * message.length > this.inner.length) {
			const grown = Buffer.alloc(64 + Math.max(3 * message.length, this.inner.length * 2));
			this.inner.copy(grown, 0, 0, 64);
			this.inner = grown;
		}
		const length = this.inner.write(message, 64);
		return this.inner.subarray(0, 64 + length);
	}
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (unpadded) of `count` bytes held as latin1 characters from `from`, as Buffer#toString gives it. */
export function base64urlOfLatin1(s: string, from: number, count: number): string {
	let out = '';
	const end = from + count;
	let i = from;
	for (; i + 2 < end; i += 3) {
		const n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
		out += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63] + BASE64URL[(n >> 6) & 63] + BASE64URL[n & 63];
	}
	if (end - i === 1) {
		const n = s.charCodeAt(i) << 16;
		out += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63];
	} else if (end - i === 2) {
		const n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8);
		out += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63] + BASE64URL[(n >> 6) & 63];
	}
	return out;
}
