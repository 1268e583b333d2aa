import { randomBytes } from 'node:crypto';
import {
	CAP_CODE,
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

/**
 * Requests per script call: big enough to amortise the call (on one server a call carries that
 * many contacts), small enough that each script, which blocks Redis while it runs, stays short.
 */
export const CAP_CALL_SIZE = 256;
/**
 * Requests per pipeline (one socket write each, sent while the next ones are encoded, so Redis
 * runs them meanwhile): one full call on one server, many one-contact calls on Cluster.
 */
const REQUESTS_PER_WRITE = CAP_CALL_SIZE;

/** What a batch needs of one contact: its send log key, digest secret and Redis Cluster slot (0 on one server). */
interface CapContact {
	key: string;
	secret: string;
	slot: number;
}

export interface RedisCapStoreOptions {
	/**
	 * Keep every script call in one hash slot, as Redis Cluster requires (default: when the
	 * client is a Cluster client). On one server a call carries contacts of any slot.
	 */
	oneSlotPerCall?: boolean;
}

/**
 * Caps on Redis: a batch of requests becomes cap-apply calls (cap-apply-n.lua) written back to
 * back in pipelines without waiting for replies — one round trip for the batch. A call carries
 * up to CAP_CALL_SIZE requests of many contacts: on one server, the batch's contacts in order;
 * on Redis Cluster, of one slot (Cluster refuses a call whose keys span slots). Requests of one
 * contact stay in order and in one call, so later ones see earlier ones. Requests of one shape
 * (same rules, channel, campaign, tags, zone) are compiled once per batch and their tables sent
 * once per call.
 */
export class RedisCapStore implements CapStore {
	private readonly dimCache = new Map<string, string>();
	/** calendar bounds per zone, kept across batches (see BatchCompiler) */
	private readonly zoneCache = new Map<string, number[]>();
	private readonly oneSlotPerCall: boolean;

	constructor(
		private readonly ctx: RedisContext,
		options: RedisCapStoreOptions = {},
	) {
		// ioredis' Cluster client says so; a plain client talks to one server
		this.oneSlotPerCall = options.oneSlotPerCall ?? (ctx.client as { isCluster?: boolean }).isCluster === true;
	}

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
		// what every call of the batch shares, in one argument
		const header = `${this.ctx.timeArg()},${CAP_RETENTION_MS},${CAP_MAX_ENTRIES}`;
		const serverDeadline = this.ctx.serverDeadline(deadline);
		// pipelines are sent as soon as they are encoded, without waiting for the previous one (one
		// round trip for the batch), so Redis runs calls while the next ones are being encoded
		const replies: Array<Promise<unknown[]>> = [];
		let pipeline = this.ctx.client.pipeline();
		let queued = 0;
		for (let c = 0; c < calls.length; c++) {
			const [keys, args] = encodeCall(calls[c], compiled, requests, contacts, header, around, this);
			sendScript(pipeline, 'capApply', keys, args, serverDeadline);
			queued += calls[c].length;
			if (queued >= REQUESTS_PER_WRITE || c === calls.length - 1) {
				replies.push(this.ctx.exec(pipeline, deadline));
				pipeline = this.ctx.client.pipeline();
				queued = 0;
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
			contacts.set(contactId, { key: this.ctx.keys.keyForTag(tag, 'capLog'), secret, slot: this.oneSlotPerCall ? tagSlot(tag) : 0 });
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
 * tag's slot; on one server every contact is given slot 0), never splitting one contact's requests: they stay together and in order, so
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
 * Encodes one cap-apply call (see the script header): the shapes of its requests (requests of
 * one shape share one compiled object, encoded once per batch) in one argument, then every
 * request in one ";"-terminated string. A call of one contact (the usual case on a cluster-ready
 * batch) is a handful of arguments, however many rules it carries.
 */
function encodeCall(
	call: number[],
	compiled: CompiledCapRequest[],
	requests: CapRequest[],
	contacts: Map<string, CapContact>,
	header: string,
	around: number,
	store: RedisCapStore,
): [string[], Array<string | number>] {
	const keys: string[] = [];
	const shapes: CompiledCapRequest[] = [];
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
		let s = shapes.indexOf(c) + 1;
		if (s === 0) s = shapes.push(c);
		perRequest += `${keys.length},${s},${store.messageDigest(request, secret)};`;
	}
	let lean = shapeStrings(shapes[0], around);
	let leanArg = lean[0];
	let rulesArg = lean[1];
	for (let s = 1; s < shapes.length; s++) {
		lean = shapeStrings(shapes[s], around);
		leanArg += `#${lean[0]}`;
		rulesArg += `#${lean[1]}`;
	}
	return [keys, [header, leanArg, rulesArg, perRequest]];
}

const shapeCache = new WeakMap<CompiledCapRequest, [string, string]>();
/**
 * A shape's two parts of a call (see the script header): "mode/,dim,dim,/from/until/answer" and
 * "kind:dim:limit:ms[:bound…] …/open:close:…", built once per compiled object (one per shape
 * and batch, so for one `around`).
 */
function shapeStrings(c: CompiledCapRequest, around: number): [string, string] {
	let s = shapeCache.get(c);
	if (s === undefined) {
		const lean = leanAnswer(c, around);
		const rules = c.rules.map((r) => [r.kind === 'gap' ? 'G' : 'L', r.dim, r.limit, r.ms, ...r.bounds].join(':'));
		s = [
			`${MODE_CODE[c.mode]}/,${c.dims.join(',')},/${lean ? `${lean.from}/${lean.until}/${lean.answer}` : '0/0/'}`,
			`${rules.join(' ')}/${c.open.join(':')}`,
		];
		shapeCache.set(c, s);
	}
	return s;
}

/**
 * The script's answer to a request of this shape for a contact with no send log, and the span
 * of server time it holds for: a record is always recorded; a reservation is allowed when no
 * rule has a limit of 0, within the send window's interval and the calendar periods around
 * `around` (the same checks as the full evaluation, which the script runs outside that span or
 * when the contact has a log). The count is the tightest rule's, after this reservation.
 */
export function leanAnswer(c: CompiledCapRequest, around: number): { from: number; until: number; answer: string } | undefined {
	if (c.mode === 'record') return { from: 0, until: Number.MAX_SAFE_INTEGER, answer: `${CAP_CODE.recorded},0,-1,-1,-1` };
	if (c.mode !== 'reserve') return undefined;
	let from = 0;
	let until = Number.MAX_SAFE_INTEGER;
	if (c.open.length > 0) {
		let i = 0;
		while (i < c.open.length && !(c.open[i] <= around && around < c.open[i + 1])) i += 2;
		if (i >= c.open.length) return undefined;
		from = c.open[i];
		until = c.open[i + 1];
	}
	let ref = 0;
	let limit = -1;
	for (let r = 0; r < c.rules.length; r++) {
		const rule = c.rules[r];
		if (rule.kind === 'gap') continue;
		if (rule.limit === 0) return undefined;
		if (rule.bounds.length > 0) {
			from = Math.max(from, rule.bounds[0]);
			until = Math.min(until, rule.bounds[rule.bounds.length - 1]);
		}
		if (ref === 0 || rule.limit < limit) {
			ref = r + 1;
			limit = rule.limit;
		}
	}
	if (!(from <= around && around < until)) return undefined;
	return { from, until, answer: ref > 0 ? `${CAP_CODE.allowed},${ref},1,${limit},-1` : `${CAP_CODE.allowed},0,-1,-1,-1` };
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
