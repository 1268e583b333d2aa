import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { isValidTimeZone, ItemError, itemMessage, journeyContextOf, parameterReader, webhookBodyHint, type CapRequest, type CapRule, type CapScope, type SendWindow } from '../../../lib';

/** A request to send to the store, or a decision made without it (transactional bypass). */
export interface Plan {
	/** absent: decided without the store */
	request?: CapRequest;
	/** transactional: allowed whatever the caps say (the request, if any, only records it) */
	bypass?: boolean;
	messageKey: string;
	/** the contact's time zone was not a valid IANA zone and the fallback zone was used instead */
	invalidTimeZone?: string;
}

/** What to do with a contact time zone that is not a valid IANA zone (Options). */
export type InvalidZonePolicy = 'error' | 'fallback';

/** Parameter readers for one execution (cheap for the usual `$json.x` values). */
export class ItemParameters {
	readonly contactId;
	readonly channel;
	readonly campaign;
	readonly tags;
	readonly timezone;
	readonly messageKey;
	readonly caps;
	readonly quietHours;
	readonly sendFrom;
	readonly sendUntil;
	readonly bypass;
	readonly bypassCounts;
	readonly items;
	/** the default message key's workflow + node part, and with the execution (read once) */
	readonly nodeKey: string;
	readonly executionKey: string;
	lastCaps?: { caps: IDataObject[]; rules: CapRule[] };

	constructor(
		readonly ctx: IExecuteFunctions,
		readonly fallbackZone: string,
		readonly invalidZone: InvalidZonePolicy = 'error',
	) {
		this.contactId = parameterReader<unknown>(ctx, 'contactId', '');
		this.channel = parameterReader<unknown>(ctx, 'channel', '');
		this.campaign = parameterReader<unknown>(ctx, 'campaign', '');
		this.tags = parameterReader<unknown>(ctx, 'tags', '');
		this.timezone = parameterReader<unknown>(ctx, 'timezone', '');
		this.messageKey = parameterReader<unknown>(ctx, 'messageKey', '');
		this.caps = parameterReader<{ cap?: IDataObject[] }>(ctx, 'caps', {});
		this.quietHours = parameterReader<boolean>(ctx, 'quietHours', false);
		this.sendFrom = parameterReader<string>(ctx, 'sendFrom', '08:00');
		this.sendUntil = parameterReader<string>(ctx, 'sendUntil', '21:00');
		this.bypass = parameterReader<unknown>(ctx, 'bypass', false);
		this.bypassCounts = parameterReader<boolean>(ctx, 'bypassCounts', true);
		this.items = ctx.getInputData();
		this.nodeKey = `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().name}`;
		this.executionKey = `${this.nodeKey}:${ctx.getExecutionId() ?? ''}`;
	}
}

/** The message an item describes: who, on which channel/campaign/tags, under which key. */
export function readMessage(p: ItemParameters, itemIndex: number): Omit<CapRequest, 'mode'> & { messageKey: string } {
	const contactId = readContactId(p, itemIndex);
	const explicitKey = text(p.messageKey(itemIndex));
	const messageKey = explicitKey || defaultMessageKey(p, itemIndex, contactId);
	return {
		contactId,
		messageKey,
		channel: text(p.channel(itemIndex)) || undefined,
		campaign: text(p.campaign(itemIndex)) || undefined,
		tags: readTags(p.tags(itemIndex), itemIndex),
	};
}

export function readContactId(p: ItemParameters, itemIndex: number): string {
	const contactId = text(p.contactId(itemIndex));
	if (!contactId) {
		throw new ItemError(
			itemMessage(itemIndex, `Contact ID is empty`),
			webhookBodyHint(p.ctx.getInputData()[itemIndex]?.json, 'contactId', 'Contact ID') ??
				'Set "Contact ID" to the field that identifies the contact, e.g. {{ $json.contactId }} or {{ $json.email }}.',
			'Contact ID',
		);
	}
	return contactId;
}

export function readText(read: (itemIndex: number) => unknown, itemIndex: number): string {
	return text(read(itemIndex));
}

/**
 * workflow + node + contact + journey entry when a Journey Entry upstream set `journey.entryId`:
 * the same after n8n's Retry, which starts a new execution. Otherwise workflow + node +
 * execution + item, stable only when n8n retries this node within the execution.
 */
function defaultMessageKey(p: ItemParameters, itemIndex: number, contactId: string): string {
	const journey = journeyContextOf(p.items[itemIndex]?.json);
	if (journey) return `${p.nodeKey}:${contactId}:${journey.entryId}`;
	return `${p.executionKey}:${itemIndex}`;
}

function readTags(value: unknown, itemIndex: number): string[] | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'string') return value.split(',').map((t) => t.trim()).filter(Boolean);
	if (Array.isArray(value)) {
		// one pass, no closures: this runs once per item
		const tags: string[] = [];
		for (const t of value) {
			if (typeof t !== 'string' && typeof t !== 'number') return badTags(value, itemIndex);
			const tag = String(t).trim();
			if (tag) tags.push(tag);
		}
		return tags;
	}
	return badTags(value, itemIndex);
}

function badTags(value: unknown, itemIndex: number): never {
	throw new ItemError(
		itemMessage(itemIndex, `Tags must be a list of names or a comma-separated string, got ${JSON.stringify(value)}`),
		'Map "Tags" to a list such as ["promotional"] or a string such as "promotional, newsletter".',
		'Tags',
	);
}

/** The store request of a capping mode, built field by field (no spread per item). */
export function cappedRequest(
	message: ReturnType<typeof readMessage>,
	capping: Pick<CapRequest, 'timeZone' | 'rules' | 'quietHours'>,
	mode: 'reserve' | 'check',
): CapRequest {
	return {
		contactId: message.contactId,
		messageKey: message.messageKey,
		channel: message.channel,
		campaign: message.campaign,
		tags: message.tags,
		timeZone: capping.timeZone,
		rules: capping.rules,
		quietHours: capping.quietHours,
		mode,
	};
}

/** Time zone, caps and quiet hours for a capping mode. */
export function readCapping(p: ItemParameters, itemIndex: number): Pick<CapRequest, 'timeZone' | 'rules' | 'quietHours'> {
	const rules = sharedRules(p, p.caps(itemIndex)?.cap ?? [], itemIndex);
	const quietHours: SendWindow | undefined = p.quietHours(itemIndex)
		? { from: clockTime(p.sendFrom, 'Send From', itemIndex), until: clockTime(p.sendUntil, 'Send Until', itemIndex) }
		: undefined;
	const needsZone = quietHours !== undefined || rules.some((r) => r.kind === 'limit' && r.window.kind === 'calendar');
	if (!needsZone) return { rules, quietHours };
	const zone = text(p.timezone(itemIndex));
	if (zone && !isValidTimeZone(zone) && p.invalidZone === 'fallback') return { timeZone: p.fallbackZone, rules, quietHours };
	if (zone && !isValidTimeZone(zone)) {
		throw new ItemError(
			itemMessage(itemIndex, `${JSON.stringify(zone)} is not a valid time zone`),
			'Use an IANA zone name such as "Europe/Berlin" or "Asia/Seoul", fix the contact\'s field, or choose Options → Invalid Contact Time Zone → Use the Fallback Zone and Flag the Item.',
			'Contact Time Zone',
		);
	}
	return { timeZone: zone || p.fallbackZone, rules, quietHours };
}

/**
 * Rules per Caps value, kept across executions: equal caps get one rules array, so the store
 * compiles them once per batch and a request shape found valid stays known to be valid (see
 * validateCapRequest) from one execution to the next. Rules are never changed once built.
 */
const rulesByCaps = new Map<string, CapRule[]>();
const MAX_CAPS_VALUES = 1_000;

/**
 * Items with equal caps get one rules array: the store compiles each rules array once per
 * batch, so a new array per item would compile (and send) the same caps once per item. A fixed
 * Caps parameter is one object for every item; caps from an expression are matched by value.
 */
function sharedRules(p: ItemParameters, caps: IDataObject[], itemIndex: number): CapRule[] {
	if (p.lastCaps?.caps === caps) return p.lastCaps.rules;
	const key = JSON.stringify(caps);
	let rules = rulesByCaps.get(key);
	if (!rules) {
		rules = caps.map((cap, i) => toRule(cap, i, itemIndex));
		if (rulesByCaps.size >= MAX_CAPS_VALUES) rulesByCaps.clear();
		rulesByCaps.set(key, rules);
	}
	p.lastCaps = { caps, rules };
	return rules;
}

/** The zone an item's times are shown in: its own when valid, else the fallback (flagged by the router). */
export function displayZone(p: ItemParameters, itemIndex: number): { zone: string; invalid?: string } {
	const zone = text(p.timezone(itemIndex));
	if (!zone) return { zone: p.fallbackZone };
	return isValidTimeZone(zone) ? { zone } : { zone: p.fallbackZone, invalid: zone };
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

function clockTime(read: (itemIndex: number) => unknown, parameter: string, itemIndex: number): string {
	const value = text(read(itemIndex));
	if (CLOCK.test(value)) return value;
	throw new ItemError(
		itemMessage(itemIndex, `${JSON.stringify(value)} is not a time of day as HH:mm (24-hour)`),
		`Write "${parameter}" as two-digit hours and minutes, e.g. 08:00 or 21:30.`,
		parameter,
	);
}

export function readBypass(p: ItemParameters, itemIndex: number): boolean {
	const value = p.bypass(itemIndex);
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 1) return true;
	if (value === 'false' || value === 0 || value === '' || value === undefined || value === null) return false;
	throw new ItemError(
		itemMessage(itemIndex, `Transactional must be true or false, got ${JSON.stringify(value)}`),
		'Use an expression that gives true or false, e.g. {{ $json.type === "receipt" }}.',
		'Transactional (Bypass Caps)',
	);
}

const UNIT_MS: Record<string, number> = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
const SCOPE_LABEL: Record<CapScope, string> = { all: 'all channels', channel: 'this channel', campaign: 'this campaign', tag: 'tag' };

function toRule(cap: IDataObject, index: number, itemIndex: number): CapRule {
	const scope = (cap.scope as CapScope) ?? 'all';
	const tag = text(cap.tag) || undefined;
	const amount = Number(cap.amount ?? 1);
	const unit = String(cap.unit ?? 'days');
	const ms = amount * (UNIT_MS[unit] ?? NaN);
	const where = scope === 'tag' ? (tag ? `tag ${tag}` : 'each tag') : SCOPE_LABEL[scope];
	const length = `${amount} ${amount === 1 ? unit.replace(/s$/, '') : unit}`;
	if (cap.type === 'gap') {
		if (!(ms >= 1000 && ms <= 30 * 86_400_000)) throw capError(index, itemIndex, 'the minimum gap must be between 1 second and 30 days');
		return { kind: 'gap', id: text(cap.name) || `gap ${length} (${where})`, scope, tag, gapMs: ms };
	}
	const limit = Number(cap.maxMessages ?? 3);
	const windowName = String(cap.window ?? 'rolling');
	if (windowName === 'rolling') {
		if (!(ms >= 1000 && ms <= 30 * 86_400_000)) throw capError(index, itemIndex, 'a rolling window must be between 1 second and 30 days');
		return { kind: 'limit', id: text(cap.name) || `${limit} per ${length} (${where})`, scope, tag, limit, window: { kind: 'rolling', ms } };
	}
	if (windowName !== 'day' && windowName !== 'week' && windowName !== 'month') {
		throw capError(index, itemIndex, `unknown window "${windowName}"`);
	}
	return {
		kind: 'limit',
		id: text(cap.name) || `${limit} per calendar ${windowName} (${where})`,
		scope,
		tag,
		limit,
		window: { kind: 'calendar', unit: windowName },
	};
}

function capError(index: number, itemIndex: number, problem: string): ItemError {
	return new ItemError(itemMessage(itemIndex, `cap ${index + 1}: ${problem}`), `Change cap ${index + 1} under "Caps".`, 'Caps');
}

function text(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return JSON.stringify(value);
}
