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

	constructor(private readonly ctx: RedisContext) {}

	async apply(requests: CapRequest[], options: CapApplyOptions = {}): Promise<CapDecision[]> {
		if (requests.length === 0) return [];
		const deadline = this.ctx.deadline(options.timeoutMs);
		const around = Date.now() + this.ctx.offsetMs();
		const compiler = new BatchCompiler(around, (kind: DimKind, value: string) => this.dim(kind, value));
		const compiled = requests.map((r) => compiler.compile(r));

		// calls split only between contacts (a contact's requests stay in order in one call)
		const calls = groupCalls(
			requests.map((r) => r.contactId),
			CAP_CALL_SIZE,
		);

		await this.ctx.ready(deadline);
		const time = this.ctx.timeArg();
		// each call is sent as soon as it is encoded, without waiting for the previous one (one
		// round trip for the batch), so Redis runs a call while the next one is being encoded
		const replies: Array<Promise<unknown>> = [];
		for (const call of calls) replies.push(sendScript(this.ctx.client, 'capApply', ...this.encodeCall(call, compiled, requests, time)));
		const results = await withDeadline(Promise.all(replies), deadline, this.ctx.where);

		const decisions = new Array<CapDecision>(requests.length);
		calls.forEach((call, c) => {
			const reply = results[c] as number[];
			const at = Number(reply[0]);
			const raw = { code: 0, ruleRef: 0, count: 0, limit: 0, retryAt: 0 };
			call.forEach((i, j) => {
				const o = 1 + j * 5;
				raw.code = reply[o];
				raw.ruleRef = reply[o + 1];
				raw.count = reply[o + 2];
				raw.limit = reply[o + 3];
				raw.retryAt = reply[o + 4];
				decisions[i] = toCapDecision(requests[i], compiled[i], raw, at);
			});
		});
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

	/** one cap-apply call: keys and arguments (see the script header) */
	private encodeCall(call: number[], compiled: CompiledCapRequest[], requests: CapRequest[], time: number | string) {
		return encodeCall(call, compiled, requests, time, this);
	}

	/** @internal the send log key and the per-contact digest secret of a contact */
	contact(contactId: string): { key: string; secret: Buffer } {
		const { tag, secret } = this.ctx.keys.contactHash(contactId);
		return { key: this.ctx.keys.keyForTag(tag, 'capLog'), secret };
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
 * compiled object), then one argument per request.
 */
function encodeCall(
	call: number[],
	compiled: CompiledCapRequest[],
	requests: CapRequest[],
	time: number | string,
	store: RedisCapStore,
): [string[], Array<string | number>] {
	const keys: string[] = [];
	const keyIndex = new Map<string, number>();
	const secrets: Buffer[] = [];
	const dimSets = new Table<string>();
	const ruleSets = new Table<CompiledCapRequest['rules']>();
	const openSets = new Table<number[]>();
	const perRequest: string[] = [];
	for (const i of call) {
		const contactId = requests[i].contactId;
		let k = keyIndex.get(contactId);
		if (k === undefined) {
			const contact = store.contact(contactId);
			keys.push(contact.key);
			secrets.push(contact.secret);
			k = keys.length;
			keyIndex.set(contactId, k);
		}
		const c = compiled[i];
		const dims = dimSets.ref(c.dims, dimString(c));
		const rules = c.rules.length > 0 ? ruleSets.ref(c.rules, c.rules) : 0;
		const open = c.open.length > 0 ? openSets.ref(c.open, c.open) : 0;
		perRequest.push(`${k},${MODE_CODE[c.mode]},${dims},${rules},${open},${store.messageDigest(requests[i], secrets[k - 1])}`);
	}
	const args: Array<string | number> = [time, CAP_RETENTION_MS, CAP_MAX_ENTRIES, dimSets.values.length, ...dimSets.values];
	args.push(ruleSets.values.length);
	for (const rules of ruleSets.values) {
		args.push(rules.length);
		for (const r of rules) args.push(r.kind === 'gap' ? 'G' : 'L', r.dim, r.limit, r.ms, r.bounds.length, ...r.bounds);
	}
	args.push(openSets.values.length);
	for (const open of openSets.values) args.push(open.length / 2, ...open);
	args.push(perRequest.length);
	for (const v of perRequest) args.push(v);
	return [keys, args];
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
