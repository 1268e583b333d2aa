import { randomBytes } from 'node:crypto';
import {
	CAP_MAX_ENTRIES,
	CAP_RETENTION_MS,
	BatchCompiler,
	toCapDecision,
	type CapApplyOptions,
	type CapDecision,
	type CapRequest,
	type CapStore,
	type CompiledCapRequest,
	type DimKind,
} from '../caps';
import type { RedisContext } from './context';
import { withDeadline } from './connection';
import { sendScript } from './scripts';

/** Requests per script call: big enough to amortise the call, small enough to keep each script short. */
export const CAP_CALL_SIZE = 256;

/**
 * Caps on Redis: a batch of requests becomes a few cap-apply calls (cap-apply-n.lua) written
 * back to back without waiting for replies — one round trip for the batch. A call carries up to
 * CAP_CALL_SIZE requests; requests of one contact stay in order and in one call, so later ones
 * see earlier ones. Requests of one shape (same rules, channel, campaign, tags, zone) are
 * compiled once per batch and their tables sent once per call.
 */
export class RedisCapStore implements CapStore {
	private readonly dimCache = new Map<string, string>();
	/** calendar bounds per zone, kept across batches (see BatchCompiler) */
	private readonly zoneCache = new Map<string, number[]>();

	constructor(private readonly ctx: RedisContext) {}

	async apply(requests: CapRequest[], options: CapApplyOptions = {}): Promise<CapDecision[]> {
		if (requests.length === 0) return [];
		const deadline = this.ctx.deadline(options);
		const around = Date.now() + this.ctx.offsetMs();
		if (this.zoneCache.size > 1_000) this.zoneCache.clear();
		const compiler = new BatchCompiler(around, (kind: DimKind, value: string) => this.dim(kind, value), this.zoneCache);
		const compiled = requests.map((r) => compiler.compile(r));

		// calls split only between contacts (a contact's requests stay in order in one call)
		const calls = groupCalls(
			requests.map((r) => r.contactId),
			CAP_CALL_SIZE,
		);

		await this.ctx.ready(deadline);
		const time = this.ctx.timeArg();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		// each call is sent as soon as it is encoded, without waiting for the previous one (one
		// round trip for the batch), so Redis runs a call while the next one is being encoded
		const replies = new Array<Promise<unknown>>(calls.length);
		for (let c = 0; c < calls.length; c++) {
			const [keys, args] = encodeCall(calls[c], compiled, requests, time, this);
			replies[c] = sendScript(this.ctx.client, 'capApply', keys, args, serverDeadline);
		}
		const results = await withDeadline(Promise.all(replies), deadline, this.ctx.where);

		const decisions = new Array<CapDecision>(requests.length);
		const raw = { code: 0, ruleRef: 0, count: 0, limit: 0, retryAt: 0 };
		for (let c = 0; c < calls.length; c++) {
			const call = calls[c];
			const reply = parseReply(results[c], 1 + 5 * call.length);
			const at = reply[0];
			for (let j = 0, o = 1; j < call.length; j++, o += 5) {
				const i = call[j];
				raw.code = reply[o];
				raw.ruleRef = reply[o + 1];
				raw.count = reply[o + 2];
				raw.limit = reply[o + 3];
				raw.retryAt = reply[o + 4];
				decisions[i] = toCapDecision(requests[i], compiled[i], raw, at);
			}
		}
		return decisions;
	}

	private dim(kind: DimKind, value: string): string {
		if (kind === 'all') return 'a';
		const id = `${kind}\u0000${value}`;
		let dim = this.dimCache.get(id);
		if (dim === undefined) {
			dim = kind[0] + this.ctx.keys.digest(`dim:${kind}`, value, 8);
			if (this.dimCache.size > 10_000) this.dimCache.clear();
			this.dimCache.set(id, dim);
		}
		return dim;
	}

	/** @internal the per-contact digest secret of a contact; pushes its send log key to `keys` */
	contact(contactId: string, keys: string[]): Buffer {
		const { tag, secret } = this.ctx.keys.contactHash(contactId);
		keys.push(this.ctx.keys.keyForTag(tag, 'capLog'));
		return secret;
	}

	/** @internal */
	messageDigest(request: CapRequest, contactSecret: Buffer): string {
		if (request.messageKey) return this.ctx.keys.contactDigest(contactSecret, 'message', request.messageKey, 12);
		// no key: a unique id, so the entry never matches a later request (and release can't find it)
		return request.mode === 'reserve' || request.mode === 'record' ? `~${randomBytes(9).toString('base64url')}` : '';
	}
}

/**
 * Splits request indexes into script calls of at most `size`, never splitting one contact's
 * requests (so their order holds). This store talks to one Redis server (the credential has no
 * cluster mode), where one call may carry many contacts. On Redis Cluster a call must stay in
 * one slot: group by the slot of the contact's hash tag instead (keys.ts puts every key of a
 * contact in one slot, so a one-contact call always works).
 */
export function groupCalls(contactOf: string[], size: number): number[][] {
	// most batches name each contact once: only repeated contacts get a list of their own
	const first = new Map<string, number>();
	const more = new Map<number, number[]>();
	for (let i = 0; i < contactOf.length; i++) {
		const at = first.get(contactOf[i]);
		if (at === undefined) first.set(contactOf[i], i);
		else {
			const list = more.get(at);
			if (list) list.push(i);
			else more.set(at, [at, i]);
		}
	}
	const calls: number[][] = [];
	let current: number[] = [];
	for (const at of first.values()) {
		const group = more.get(at);
		const n = group ? group.length : 1;
		if (current.length > 0 && current.length + n > size) {
			calls.push(current);
			current = [];
		}
		if (group) for (const i of group) current.push(i);
		else current.push(at);
	}
	if (current.length > 0) calls.push(current);
	return calls;
}

const MODE_CODE = { reserve: 'R', check: 'C', record: 'W', release: 'X' } as const;

/**
 * Encodes one cap-apply call (see the script header): the dimension sets, rule sets and
 * send-window sets the requests share go once into a table (requests of one shape share one
 * compiled object), then every request in one ";"-terminated string.
 */
function encodeCall(
	call: number[],
	compiled: CompiledCapRequest[],
	requests: CapRequest[],
	time: number | string,
	store: RedisCapStore,
): [string[], Array<string | number>] {
	const keys: string[] = [];
	// contact → its 1-based index into KEYS
	const keyIndex = new Map<string, number>();
	const secrets: Buffer[] = [];
	const dimSets = new Table<string>();
	const ruleSets = new Table<CompiledCapRequest['rules']>();
	const openSets = new Table<number[]>();
	// the shape part ("mode,dimSet,ruleSet,openSet,") of each compiled object in the call
	const shapes = new Map<CompiledCapRequest, string>();
	let perRequest = '';
	for (let j = 0; j < call.length; j++) {
		const request = requests[call[j]];
		const contactId = request.contactId;
		let k = keyIndex.get(contactId);
		if (k === undefined) {
			secrets.push(store.contact(contactId, keys));
			k = keys.length;
			keyIndex.set(contactId, k);
		}
		const c = compiled[call[j]];
		let shape = shapes.get(c);
		if (shape === undefined) {
			const dims = dimSets.ref(c.dims, dimString(c));
			const rules = c.rules.length > 0 ? ruleSets.ref(c.rules, c.rules) : 0;
			const open = c.open.length > 0 ? openSets.ref(c.open, c.open) : 0;
			shape = `,${MODE_CODE[c.mode]},${dims},${rules},${open},`;
			shapes.set(c, shape);
		}
		perRequest += `${k}${shape}${store.messageDigest(request, secrets[k - 1])};`;
	}
	const args: Array<string | number> = [time, CAP_RETENTION_MS, CAP_MAX_ENTRIES, dimSets.values.length, ...dimSets.values];
	args.push(ruleSets.values.length);
	for (const rules of ruleSets.values) {
		args.push(rules.length);
		for (const r of rules) args.push(r.kind === 'gap' ? 'G' : 'L', r.dim, r.limit, r.ms, r.bounds.length, ...r.bounds);
	}
	args.push(openSets.values.length);
	for (const open of openSets.values) args.push(open.length / 2, ...open);
	args.push(perRequest);
	return [keys, args];
}

/**
 * The script's reply: one string of integers joined by "," (see the script header), read
 * without splitting it into strings. Lua numbers that are not plain integers (never expected)
 * go through Number and are truncated, as Redis truncates a Lua number in an integer reply.
 */
export function parseReply(reply: unknown, expected: number): number[] {
	const s = typeof reply === 'string' ? reply : String(reply);
	const out = new Array<number>(expected);
	let n = 0;
	let value = 0;
	let negative = false;
	let digits = 0;
	for (let i = 0; i < s.length; i++) {
		const ch = s.charCodeAt(i);
		if (ch >= 48 && ch <= 57) {
			value = value * 10 + (ch - 48);
			if (++digits > 15) return parseReplySlow(s, expected);
		} else if (ch === 44 && digits > 0) {
			out[n++] = negative ? -value : value;
			value = 0;
			negative = false;
			digits = 0;
		} else if (ch === 45 && digits === 0 && !negative) negative = true;
		else return parseReplySlow(s, expected);
	}
	out[n++] = negative ? -value : value;
	if (n !== expected || digits === 0) return parseReplySlow(s, expected);
	return out;
}

function parseReplySlow(s: string, expected: number): number[] {
	const parts = s.split(',');
	const out = parts.map((v) => (v.trim() === '' ? NaN : Math.trunc(Number(v))));
	if (out.length !== expected || out.some((v) => !Number.isFinite(v))) throw new Error(`unexpected cap-apply reply: ${s.slice(0, 200)}`);
	return out;
}

const dimStrings = new WeakMap<CompiledCapRequest, string>();
/** ",a,c…,p…,t…," — the message's dimensions as the script stores them */
function dimString(c: CompiledCapRequest): string {
	let s = dimStrings.get(c);
	if (s === undefined) {
		s = `,${c.dims.join(',')},`;
		dimStrings.set(c, s);
	}
	return s;
}

/** Distinct values of one call, by identity, referenced by 1-based index. */
class Table<T> {
	readonly values: T[] = [];
	private readonly index = new Map<object, number>();

	ref(identity: object, value: T): number {
		let i = this.index.get(identity);
		if (i === undefined) {
			this.values.push(value);
			i = this.values.length;
			this.index.set(identity, i);
		}
		return i;
	}
}
