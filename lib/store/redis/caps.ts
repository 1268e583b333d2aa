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
import { tagSlot } from './slots';

/** Requests per script call: big enough to amortise the call, small enough to keep each script short. */
export const CAP_CALL_SIZE = 256;
/** Script calls per pipeline: one socket write each, sent while the next ones are encoded. */
const CALLS_PER_WRITE = 64;

/** What a batch needs of one contact: its send log key, digest secret and Redis Cluster slot. */
interface CapContact {
	key: string;
	secret: string;
	slot: number;
}

/**
 * Caps on Redis: a batch of requests becomes cap-apply calls (cap-apply-n.lua) written back to
 * back in pipelines without waiting for replies — one round trip for the batch. A call carries
 * up to CAP_CALL_SIZE requests of one Redis Cluster slot (so it runs on a cluster too); requests
 * of one contact stay in order and in one call, so later ones see earlier ones. Requests of one
 * shape (same rules, channel, campaign, tags, zone) are compiled once per batch and their tables
 * sent once per call.
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

		const contacts = this.contactsOf(requests);
		// calls split only between contacts (a contact's requests stay in order in one call)
		const calls = groupCalls(
			requests.map((r) => r.contactId),
			CAP_CALL_SIZE,
			(contactId) => contacts.get(contactId)!.slot,
		);

		await this.ctx.ready(deadline);
		const time = this.ctx.timeArg();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		// pipelines are sent as soon as they are encoded, without waiting for the previous one (one
		// round trip for the batch), so Redis runs calls while the next ones are being encoded
		const replies: Array<Promise<unknown[]>> = [];
		let pipeline = this.ctx.client.pipeline();
		for (let c = 0; c < calls.length; c++) {
			const [keys, args] = encodeCall(calls[c], compiled, requests, contacts, time, this);
			sendScript(pipeline, 'capApply', keys, args, serverDeadline);
			if ((c + 1) % CALLS_PER_WRITE === 0 || c === calls.length - 1) {
				replies.push(this.ctx.exec(pipeline, deadline));
				pipeline = this.ctx.client.pipeline();
			}
		}
		const results = (await withDeadline(Promise.all(replies), deadline, this.ctx.where)).flat();

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

	/** Each contact of the batch hashed once, however many requests name it. */
	private contactsOf(requests: CapRequest[]): Map<string, CapContact> {
		const contacts = new Map<string, CapContact>();
		for (const { contactId } of requests) {
			if (contacts.has(contactId)) continue;
			const { tag, secret } = this.ctx.keys.contactHash(contactId);
			contacts.set(contactId, { key: this.ctx.keys.keyForTag(tag, 'capLog'), secret, slot: tagSlot(tag) });
		}
		return contacts;
	}

	/** @internal */
	messageDigest(request: CapRequest, contactSecret: string): string {
		if (request.messageKey) return this.ctx.keys.contactDigest(contactSecret, 'message', request.messageKey, 12);
		// no key: a unique id, so the entry never matches a later request (and release can't find it)
		return request.mode === 'reserve' || request.mode === 'record' ? `~${randomBytes(9).toString('base64url')}` : '';
	}
}

/**
 * Splits request indexes into script calls of at most `size` requests of one slot (Redis
 * Cluster refuses a call whose keys are in different slots; every key of a contact is in its
 * tag's slot), never splitting one contact's requests: they stay together and in order, so
 * later ones see earlier ones (and encodeCall finds a contact's requests next to each other).
 */
export function groupCalls(contactOf: string[], size: number, slotOf: (contactId: string) => number): number[][] {
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
	// the call each slot is filling
	const filling = new Map<number, number[]>();
	for (const [contactId, at] of first) {
		const group = more.get(at);
		const n = group ? group.length : 1;
		const slot = slotOf(contactId);
		let current = filling.get(slot);
		if (current === undefined || (current.length > 0 && current.length + n > size)) {
			current = [];
			calls.push(current);
			filling.set(slot, current);
		}
		if (group) for (const i of group) current.push(i);
		else current.push(at);
	}
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
	contacts: Map<string, CapContact>,
	time: number | string,
	store: RedisCapStore,
): [string[], Array<string | number>] {
	const keys: string[] = [];
	const dimSets = new Table<string>();
	const ruleSets = new Table<CompiledCapRequest['rules']>();
	const openSets = new Table<number[]>();
	// the shape part ("mode,dimSet,ruleSet,openSet,") of each compiled object in the call
	const shapes = new Table<string>();
	let perRequest = '';
	let contactId: string | undefined;
	let secret = '';
	for (let j = 0; j < call.length; j++) {
		const request = requests[call[j]];
		// a contact's requests are next to each other in a call (groupCalls)
		if (request.contactId !== contactId) {
			contactId = request.contactId;
			const contact = contacts.get(contactId)!;
			keys.push(contact.key);
			secret = contact.secret;
		}
		const c = compiled[call[j]];
		let s = shapes.find(c);
		if (s === 0) {
			const dims = dimSets.ref(c.dims, dimString(c));
			const rules = c.rules.length > 0 ? ruleSets.ref(c.rules, c.rules) : 0;
			const open = c.open.length > 0 ? openSets.ref(c.open, c.open) : 0;
			s = shapes.ref(c, `,${MODE_CODE[c.mode]},${dims},${rules},${open},`);
		}
		perRequest += `${keys.length}${shapes.values[s - 1]}${store.messageDigest(request, secret)};`;
	}
	const args: Array<string | number> = [time, CAP_RETENTION_MS, CAP_MAX_ENTRIES, dimSets.values.length, ...dimSets.values];
	args.push(ruleSets.values.length);
	for (const rules of ruleSets.values) for (const arg of ruleArgs(rules)) args.push(arg);
	args.push(openSets.values.length);
	for (const open of openSets.values) args.push(open.length / 2, ...open);
	args.push(perRequest);
	return [keys, args];
}

const ruleArgCache = new WeakMap<CompiledCapRequest['rules'], Array<string | number>>();
/** A rule set's arguments (nRules, then kind, dim, limit, ms, nBounds, bounds… per rule), built once per rule set. */
function ruleArgs(rules: CompiledCapRequest['rules']): Array<string | number> {
	let args = ruleArgCache.get(rules);
	if (args === undefined) {
		args = [rules.length];
		for (const r of rules) args.push(r.kind === 'gap' ? 'G' : 'L', r.dim, r.limit, r.ms, r.bounds.length, ...r.bounds);
		ruleArgCache.set(rules, args);
	}
	return args;
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

/**
 * Distinct values of one call, by identity, referenced by 1-based index. A call has a few
 * (often one contact, one shape): arrays searched in order cost less than a Map per call.
 */
class Table<T> {
	readonly values: T[] = [];
	private readonly identities: object[] = [];

	/** the 1-based index of an identity, 0 when absent */
	find(identity: object): number {
		return this.identities.indexOf(identity) + 1;
	}

	ref(identity: object, value: T): number {
		let i = this.find(identity);
		if (i === 0) {
			this.identities.push(identity);
			this.values.push(value);
			i = this.values.length;
		}
		return i;
	}
}
