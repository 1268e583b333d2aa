/**
 * Frequency caps: the store concept behind the Frequency Cap node.
 *
 * Every message a contact is sent (or reserved to be sent) is one entry in the contact's send
 * log: its time, its message key and the dimensions it belongs to (all channels, its channel,
 * its campaign, each of its tags). Rules read the log: "N per window" counts the entries of one
 * dimension in a rolling or calendar window, "minimum gap" looks at the newest entry of one
 * dimension. Because every send is logged under all of its dimensions, a rule in one journey
 * sees the sends of every other journey and channel of the same client.
 *
 * This file holds the API both stores implement and the pure planning step they share: it turns
 * a request into dimensions, rules and time boundaries (calendar periods and quiet hours are
 * computed with luxon in the contact's time zone, correct on DST change days). The decision
 * itself runs inside the store (a Lua script for Redis), with the store's clock.
 */
import { DateTime } from 'luxon';
import { isValidTimeZone } from '../../rules/context';
import { StoreUnavailableError } from './unavailable';

export type CapMode = 'reserve' | 'check' | 'record' | 'release';
export type CapScope = 'all' | 'channel' | 'campaign' | 'tag';
export type CalendarUnit = 'day' | 'week' | 'month';

export type CapWindow = { kind: 'rolling'; ms: number } | { kind: 'calendar'; unit: CalendarUnit };

export type CapRule =
	| {
			kind: 'limit';
			/** shown in decisions as `rule` */
			id: string;
			scope: CapScope;
			/** scope 'tag': the tag counted; empty = each tag of the message separately */
			tag?: string;
			/** at most this many messages in the window (0 blocks every message) */
			limit: number;
			window: CapWindow;
	  }
	| {
			kind: 'gap';
			id: string;
			scope: CapScope;
			tag?: string;
			/** at least this long between two messages of the scope */
			gapMs: number;
	  };

/**
 * The daily window that defines quiet hours: sending is allowed from `from` until `until`
 * ("HH:mm" in the contact's time zone; past midnight when until < from), quiet the rest of the day.
 */
export interface SendWindow {
	from: string;
	until: string;
}

export interface CapRequest {
	mode: CapMode;
	contactId: string;
	/**
	 * Idempotency: one key takes at most one slot however often it is submitted, until it is
	 * released or ages out (CAP_RETENTION_MS). Required for release; without it every reserve
	 * or record takes a new slot.
	 */
	messageKey?: string;
	channel?: string;
	campaign?: string;
	tags?: string[];
	/** IANA zone for calendar windows and quiet hours (required when either is used) */
	timeZone?: string;
	/** reserve / check only */
	rules?: CapRule[];
	/** reserve / check only */
	quietHours?: SendWindow;
}

export type CapReason =
	| 'within_limits'
	| 'already_reserved'
	| 'limit_reached'
	| 'min_gap'
	| 'quiet_hours'
	| 'recorded'
	| 'already_recorded'
	| 'released'
	| 'not_reserved';

export interface CapDecision {
	allowed: boolean;
	reason: CapReason;
	/** the deciding rule's id ('quiet_hours' for quiet hours); for an allowed item the rule closest to its limit */
	rule: string | null;
	/** messages in the rule's window (after this reservation, for reserve) */
	count: number | null;
	limit: number | null;
	/** epoch ms when the deciding rule next lets a message through; null when never or not capped */
	retryAt: number | null;
	/** the store's clock at the decision, epoch ms */
	at: number;
}

export interface CapApplyOptions {
	/** the whole batch fails with StoreUnavailableError when it takes longer */
	timeoutMs?: number;
	/**
	 * epoch ms (host clock) by which the batch must be decided, instead of timeoutMs: one
	 * deadline for every batch of an execution. A Redis script that reaches the server after it
	 * writes nothing.
	 */
	deadline?: number;
}

export interface CapStore {
	/** One batch, one round trip: result[i] answers requests[i]; requests apply in order. */
	apply(requests: CapRequest[], options?: CapApplyOptions): Promise<CapDecision[]>;
}

/** The longest rolling window or gap a rule may use. */
export const CAP_MAX_WINDOW_MS = 30 * 86_400_000;
/** Log entries and message keys are kept this long (a calendar month plus DST and margin). */
export const CAP_RETENTION_MS = 32 * 86_400_000;
/** Entries kept per contact; counts are exact up to this many sends per retention period. */
export const CAP_MAX_ENTRIES = 1000;
export const CAP_MAX_LIMIT = CAP_MAX_ENTRIES;

/** A request the caller got wrong (names what to change); the node turns it into a NodeOperationError. */
export class CapRequestError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'CapRequestError';
	}
}

// ---------------------------------------------------------------------------------------------
// Planning: request → dimensions, compiled rules, boundaries. Shared by both stores.
// ---------------------------------------------------------------------------------------------

export type DimKind = 'all' | 'channel' | 'campaign' | 'tag';
/** How a store names a dimension (memory: readable; Redis: keyed hash, so no raw value is stored). */
export type DimNamer = (kind: DimKind, value: string) => string;

export interface CompiledRule {
	/** index into request.rules, so the decision can name the rule */
	ruleIndex: number;
	kind: 'limit' | 'gap';
	dim: string;
	limit: number;
	/** rolling window (limit) or gap length (gap), ms; 0 for calendar */
	ms: number;
	/** calendar: consecutive period starts around now (the store picks the one containing its now) */
	bounds: number[];
}

export interface CompiledCapRequest {
	mode: CapMode;
	/** dimensions this message is logged under */
	dims: string[];
	rules: CompiledRule[];
	/** outside quiet hours: [open, close) pairs, flattened, ascending; empty = no quiet hours */
	open: number[];
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Raw result of one request, as both stores compute it (and the Lua script returns it). */
export interface RawCapResult {
	code: number;
	/** 1-based index into compiled.rules; 0 = none; -1 = quiet hours */
	ruleRef: number;
	count: number;
	limit: number;
	retryAt: number;
}

export const CAP_CODE = {
	allowed: 1,
	alreadyReserved: 2,
	limit: 3,
	gap: 4,
	quiet: 5,
	recorded: 6,
	alreadyRecorded: 7,
	released: 8,
	notReserved: 9,
	clockSkew: 10,
} as const;

/**
 * Validates a request and compiles it. `around` is the caller's best estimate of the store's
 * clock: calendar bounds and send-window intervals are computed for the periods around it, and
 * the store chooses with its own clock. `cache` memoises per-zone computations for one batch.
 */
export function compileCapRequest(
	request: CapRequest,
	around: number,
	dimName: DimNamer,
	cache: Map<string, number[]> = new Map(),
): CompiledCapRequest {
	if (typeof request.contactId !== 'string' || request.contactId === '') {
		throw new CapRequestError('The contact ID is empty: map it to a field that identifies the contact');
	}
	const mode = request.mode;
	if (!['reserve', 'check', 'record', 'release'].includes(mode)) {
		throw new CapRequestError(`Unknown mode "${String(mode)}"`);
	}
	if (mode === 'release' && !request.messageKey) {
		throw new CapRequestError('Release needs the message key the slot was reserved with');
	}
	const tags = uniqueTags(request.tags);
	const dims = [dimName('all', '')];
	if (request.channel) dims.push(dimName('channel', request.channel));
	if (request.campaign) dims.push(dimName('campaign', request.campaign));
	for (const tag of tags) dims.push(dimName('tag', tag));

	const compiled: CompiledCapRequest = { mode, dims, rules: [], open: [] };
	if (mode !== 'reserve' && mode !== 'check') return compiled;

	const rules = request.rules ?? [];
	rules.forEach((rule, ruleIndex) => {
		const label = rule.id || `rule ${ruleIndex + 1}`;
		let ruleDims: string[];
		switch (rule.scope) {
			case 'all':
				ruleDims = [dimName('all', '')];
				break;
			case 'channel':
				if (!request.channel) {
					throw new CapRequestError(`${label} counts per channel, but the channel is empty: set the Channel parameter`);
				}
				ruleDims = [dimName('channel', request.channel)];
				break;
			case 'campaign':
				if (!request.campaign) {
					throw new CapRequestError(`${label} counts per campaign, but the campaign is empty: set the Campaign parameter`);
				}
				ruleDims = [dimName('campaign', request.campaign)];
				break;
			case 'tag':
				if (rule.tag) ruleDims = tags.includes(rule.tag) ? [dimName('tag', rule.tag)] : [];
				else ruleDims = tags.map((t) => dimName('tag', t));
				break;
			default:
				throw new CapRequestError(`${label}: unknown scope "${String((rule as { scope: unknown }).scope)}"`);
		}
		if (rule.kind === 'limit') {
			if (!Number.isInteger(rule.limit) || rule.limit < 0 || rule.limit > CAP_MAX_LIMIT) {
				throw new CapRequestError(`${label}: the limit must be a whole number from 0 to ${CAP_MAX_LIMIT}`);
			}
			let ms = 0;
			let bounds: number[] = [];
			if (rule.window.kind === 'rolling') {
				ms = rule.window.ms;
				if (!Number.isFinite(ms) || ms < 1000 || ms > CAP_MAX_WINDOW_MS) {
					throw new CapRequestError(`${label}: a rolling window must be between 1 second and 30 days`);
				}
				ms = Math.round(ms);
			} else {
				const unit = rule.window.unit;
				if (!['day', 'week', 'month'].includes(unit)) {
					throw new CapRequestError(`${label}: unknown calendar window "${String(unit)}"`);
				}
				bounds = calendarBounds(unit, zoneOf(request, label), around, cache);
			}
			for (const dim of ruleDims) compiled.rules.push({ ruleIndex, kind: 'limit', dim, limit: rule.limit, ms, bounds });
		} else if (rule.kind === 'gap') {
			const ms = rule.gapMs;
			if (!Number.isFinite(ms) || ms < 1000 || ms > CAP_MAX_WINDOW_MS) {
				throw new CapRequestError(`${label}: the minimum gap must be between 1 second and 30 days`);
			}
			for (const dim of ruleDims) {
				compiled.rules.push({ ruleIndex, kind: 'gap', dim, limit: 0, ms: Math.round(ms), bounds: [] });
			}
		} else {
			throw new CapRequestError(`${label}: unknown rule kind "${String((rule as { kind: unknown }).kind)}"`);
		}
	});
	if (request.quietHours) compiled.open = sendWindowIntervals(request.quietHours, zoneOf(request, 'Quiet hours'), around, cache);
	return compiled;
}

/** Shapes found valid, by rules array: whether a request is valid does not depend on the time. */
const validShapes = new WeakMap<CapRule[] | typeof NO_RULES, ShapeMap<true>>();
const NO_RULES: CapRule[] = [];

/** Checks a request the way the store will (throws CapRequestError), without touching a store. */
export function validateCapRequest(request: CapRequest, around = Date.now(), cache?: Map<string, number[]>): void {
	checkContact(request);
	const rules = request.rules ?? NO_RULES;
	// tags that are not a list of texts must reach the checks, not match a valid shape's joined text
	const tags = request.tags;
	if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
		compileCapRequest(request, around, (kind, value) => `${kind}:${value}`, cache);
		return;
	}
	let valid = validShapes.get(rules);
	// items of one execution usually share a few shapes: each is compiled once
	if (valid?.get(request)) return;
	compileCapRequest(request, around, (kind, value) => `${kind}:${value}`, cache);
	if (!valid || valid.size > 10_000) {
		valid = new ShapeMap();
		validShapes.set(rules, valid);
	}
	valid.set(request, true);
}

/** The checks that depend on more than the request's shape. */
function checkContact(request: CapRequest): void {
	if (typeof request.contactId !== 'string' || request.contactId === '') {
		throw new CapRequestError('The contact ID is empty: map it to a field that identifies the contact');
	}
	if (request.mode === 'release' && !request.messageKey) {
		throw new CapRequestError('Release needs the message key the slot was reserved with');
	}
}

/**
 * Values by everything but the rules that compiling a request depends on: mode, channel,
 * campaign, tags, zone, quiet hours. Nested maps on the request's own texts, so finding a shape
 * builds no key text (it runs once or twice per item).
 */
class ShapeMap<T> {
	private readonly root = new Map<unknown, unknown>();
	size = 0;

	get(request: CapRequest): T | undefined {
		const parts = shapeParts(request);
		let level = this.root as Map<unknown, unknown> | undefined;
		for (let i = 0; level !== undefined && i < parts.length - 1; i++) level = level.get(parts[i]) as Map<unknown, unknown> | undefined;
		return level?.get(parts[parts.length - 1]) as T | undefined;
	}

	set(request: CapRequest, value: T): void {
		const parts = shapeParts(request);
		let level = this.root;
		for (let i = 0; i < parts.length - 1; i++) {
			let next = level.get(parts[i]) as Map<unknown, unknown> | undefined;
			if (next === undefined) {
				next = new Map();
				level.set(parts[i], next);
			}
			level = next;
		}
		level.set(parts[parts.length - 1], value);
		this.size++;
	}
}

/** One reused array: lookups are synchronous, so no array per request. */
const PARTS: unknown[] = new Array(6);
function shapeParts(request: CapRequest): unknown[] {
	const tags = request.tags;
	const w = request.quietHours;
	PARTS[0] = request.mode;
	PARTS[1] = request.channel ?? '';
	PARTS[2] = request.campaign ?? '';
	PARTS[3] = !Array.isArray(tags) ? String(tags ?? '') : tags.length === 1 && typeof tags[0] === 'string' ? tags[0] : tags.join('\u0001');
	PARTS[4] = request.timeZone ?? '';
	PARTS[5] = w ? `${w.from}-${w.until}` : '';
	return PARTS;
}

/**
 * Compiles the requests of one batch, once per distinct shape (rules, mode, channel, campaign,
 * tags, zone, quiet hours): a batch of 100 000 items usually has a handful of shapes, and every
 * request of a shape shares one compiled object (the Redis store sends it once per call).
 */
export class BatchCompiler {
	private readonly shapes = new Map<CapRule[] | undefined, ShapeMap<CompiledCapRequest>>();

	/**
	 * `zoneCache` may outlive the batch (a store keeps one across batches): calendar bounds are
	 * reused only while `around` stays in their period, quiet hours only for the same `around`,
	 * so a shared cache gives exactly the results of a fresh one.
	 */
	constructor(
		private readonly around: number,
		private readonly dimName: DimNamer,
		private readonly zoneCache: Map<string, number[]> = new Map(),
	) {}

	compile(request: CapRequest): CompiledCapRequest {
		checkContact(request);
		let byRules = this.shapes.get(request.rules);
		if (!byRules) {
			byRules = new ShapeMap();
			this.shapes.set(request.rules, byRules);
		}
		let compiled = byRules.get(request);
		if (!compiled) {
			compiled = compileCapRequest(request, this.around, this.dimName, this.zoneCache);
			byRules.set(request, compiled);
		}
		return compiled;
	}
}

function uniqueTags(tags: unknown): string[] {
	if (tags === undefined || tags === null) return [];
	if (!Array.isArray(tags)) throw new CapRequestError('Tags must be a list of strings');
	const out: string[] = [];
	for (const tag of tags) {
		if (typeof tag !== 'string') throw new CapRequestError('Tags must be a list of strings');
		const t = tag.trim();
		if (t && !out.includes(t)) out.push(t);
	}
	return out;
}

function zoneOf(request: CapRequest, what: string): string {
	const zone = request.timeZone;
	if (!zone) throw new CapRequestError(`${what} needs the contact's time zone: set the Time Zone parameter or a fallback`);
	if (!isValidTimeZone(zone)) throw new CapRequestError(`"${zone}" is not a time zone (use an IANA name such as Asia/Seoul)`);
	return zone;
}

/** Starts of the previous, current, next and the one after calendar period around `around`. */
export function calendarBounds(unit: CalendarUnit, zone: string, around: number, cache?: Map<string, number[]>): number[] {
	const key = `c|${unit}|${zone}`;
	const hit = cache?.get(key);
	// a cached set is reused while `around` stays inside its current period
	if (hit && hit[1] <= around && around < hit[2]) return hit;
	const current = DateTime.fromMillis(around, { zone }).startOf(unit);
	const bounds = [
		current.minus({ [unit + 's']: 1 }).toMillis(),
		current.toMillis(),
		current.plus({ [unit + 's']: 1 }).toMillis(),
		current.plus({ [unit + 's']: 2 }).toMillis(),
	];
	cache?.set(key, bounds);
	return bounds;
}

/** The intervals outside quiet hours (when sending is allowed) for the local days around `around`, flattened [open, close, …]. */
export function sendWindowIntervals(window: SendWindow, zone: string, around: number, cache?: Map<string, number[]>): number[] {
	const from = HHMM.exec(window.from ?? '');
	const until = HHMM.exec(window.until ?? '');
	if (!from || !until) throw new CapRequestError('Quiet hours: Send From and Send Until must be HH:mm (24-hour), e.g. 08:00 and 21:00');
	if (window.from === window.until) throw new CapRequestError('Quiet hours: Send From and Send Until are the same time: change one of them');
	// keyed by `around` too: a cache shared across batches never returns another day's set
	const key = `w|${window.from}|${window.until}|${zone}|${around}`;
	const hit = cache?.get(key);
	if (hit && hit[0] + 86_400_000 <= around && around < hit[hit.length - 1] - 86_400_000) return hit;
	const today = DateTime.fromMillis(around, { zone }).startOf('day');
	const wraps = window.until < window.from;
	const out: number[] = [];
	for (let d = -2; d <= 2; d++) {
		const day = today.plus({ days: d });
		const open = atLocal(day, +from[1], +from[2], zone);
		const close = atLocal(wraps ? day.plus({ days: 1 }) : day, +until[1], +until[2], zone);
		if (close > open) out.push(open, close);
	}
	cache?.set(key, out);
	return out;
}

/** A local wall-clock time on a day; a time skipped by a DST change moves forward (luxon's rule). */
function atLocal(day: DateTime, hour: number, minute: number, zone: string): number {
	return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone }).toMillis();
}

// ---------------------------------------------------------------------------------------------
// Turning raw results into decisions (both stores)
// ---------------------------------------------------------------------------------------------

export function toCapDecision(request: CapRequest, compiled: CompiledCapRequest, raw: RawCapResult, at: number): CapDecision {
	let rule: string | null = null;
	if (raw.ruleRef === -1) rule = 'quiet_hours';
	else if (raw.ruleRef > 0) {
		const idx = compiled.rules[raw.ruleRef - 1].ruleIndex;
		rule = request.rules?.[idx]?.id || `rule ${idx + 1}`;
	}
	const reason = REASONS[raw.code];
	if (reason === undefined) {
		if (raw.code === CAP_CODE.clockSkew) {
			throw new StoreUnavailableError(
				"The store's clock and this host's clock differ by more than a calendar period: check the clocks (NTP) of the Redis server and the n8n host",
			);
		}
		throw new Error(`unexpected cap result code ${raw.code}`);
	}
	return {
		allowed: reason[1],
		reason: reason[0],
		rule,
		count: raw.count < 0 ? null : raw.count,
		limit: raw.limit < 0 ? null : raw.limit,
		retryAt: raw.retryAt < 0 ? null : raw.retryAt,
		at,
	};
}

const REASONS: Record<number, [CapReason, boolean]> = {
	[CAP_CODE.allowed]: ['within_limits', true],
	[CAP_CODE.alreadyReserved]: ['already_reserved', true],
	[CAP_CODE.limit]: ['limit_reached', false],
	[CAP_CODE.gap]: ['min_gap', false],
	[CAP_CODE.quiet]: ['quiet_hours', false],
	[CAP_CODE.recorded]: ['recorded', true],
	[CAP_CODE.alreadyRecorded]: ['already_recorded', true],
	[CAP_CODE.released]: ['released', true],
	[CAP_CODE.notReserved]: ['not_reserved', true],
};
