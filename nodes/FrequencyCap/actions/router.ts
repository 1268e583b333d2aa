import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	batchOutcomes,
	CapRequestError,
	countOutcomes,
	isoInZone,
	isValidTimeZone,
	ItemBatch,
	itemMessage,
	readItems,
	StoreUnavailableError,
	toNodeError,
	validateCapRequest,
	withField,
	type CapDecision,
	type CapRequest,
	type ErrorDescriber,
	type JourneyStore,
} from '../../../lib';
import type { OperationName } from '../description';
import * as check from './check.operation';
import * as checkAndReserve from './checkAndReserve.operation';
import * as record from './record.operation';
import * as release from './release.operation';
import { displayZone, ItemParameters, type InvalidZonePolicy, type Plan } from './shared';

const operations: Record<OperationName, { plan: (p: ItemParameters, itemIndex: number) => Plan }> = {
	checkAndReserve,
	check,
	record,
	release,
};

type StorePolicy = 'failClosed' | 'failOpen' | 'error';

interface Options {
	decisionTimeoutMs?: number;
	fallbackTimezone?: string;
	onStoreUnavailable?: StorePolicy;
	onInvalidTimezone?: InvalidZonePolicy;
}

/**
 * Calendar bounds per zone for validation, kept across executions: a cached set is used only
 * while the time stays in its period, so it gives exactly what a fresh one would.
 */
const zoneCache = new Map<string, number[]>();

/** Items per store call: one pipelined round trip each (a typical execution needs one). */
export const STORE_BATCH = 5000;

/** The decision field on every item; retryAt is an ISO date a Wait node can use. */
interface CapField extends IDataObject {
	allowed: boolean;
	reason: string;
	rule: string | null;
	count: number | null;
	limit: number | null;
	retryAt: string | null;
	/** retryAt in the contact's time zone (or the fallback zone) */
	retryAtContactTime?: string | null;
	messageKey: string;
	/** set when the contact's time zone was invalid and the fallback zone was used */
	timezoneFallback?: true;
	invalidTimezone?: string;
}

type Outcome = { field: CapField } | { error: NodeOperationError };

/**
 * The Frequency Cap's item loop and error policy. Each mode (one file each) turns an item into
 * a plan; the router validates every request (and, without Continue On Fail, stops on a bad
 * one before any store write), sends all of them to the store in one batch (one round trip per
 * STORE_BATCH items) under one decision timeout for the execution, applies the store-down policy,
 * and routes each item to Allowed (0) or Capped (1) with its `frequencyCap` decision.
 */
export async function route(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = ctx.getNodeParameter('operation', 0) as OperationName;
	const mode = operations[operation];
	if (!mode) {
		throw new NodeOperationError(ctx.getNode(), `Unknown mode "${operation}"`, {
			description: 'Choose Check and Reserve, Check Only, Record Send or Release.',
		});
	}
	const options = ctx.getNodeParameter('options', 0, {}) as Options;
	const policy: StorePolicy = options.onStoreUnavailable ?? 'failClosed';
	const timeoutMs = Number(options.decisionTimeoutMs ?? 1000);
	if (!(timeoutMs >= 10)) {
		throw new NodeOperationError(ctx.getNode(), `Decision Timeout ${options.decisionTimeoutMs} is not a number of milliseconds ≥ 10`, {
			description: 'Set Options → Decision Timeout to e.g. 1000 (milliseconds).',
		});
	}
	const fallbackZone = (options.fallbackTimezone ?? '').trim() || ctx.getTimezone();
	if (!isValidTimeZone(fallbackZone)) {
		throw new NodeOperationError(ctx.getNode(), `Fallback Time Zone "${fallbackZone}" is not a valid time zone`, {
			description: 'Use an IANA zone name such as "Europe/Berlin", "Asia/Seoul" or "UTC" under Options → Fallback Time Zone.',
		});
	}

	// plan and validate every item; without Continue On Fail a bad item stops the node here,
	// before anything is reserved or recorded
	const params = new ItemParameters(ctx, fallbackZone, options.onInvalidTimezone ?? 'error');
	if (zoneCache.size > 1_000) zoneCache.clear();
	const now = Date.now();
	const batch = readItems<Plan, CapField>(
		ctx,
		(i) => {
			const plan = mode.plan(params, i);
			if (plan.request) validateCapRequest(plan.request, now, zoneCache);
			return plan;
		},
		describeError,
	);
	const plans = batch.valuesByIndex();

	// one store batch for every planned request
	const pending: number[] = [];
	for (const { itemIndex, value } of batch.ready) if (value.request) pending.push(itemIndex);
	const store = await batch.storeFor(pending);
	if (store) await decideWithStore(ctx, store, pending, plans, batch, policy, timeoutMs);

	// bypassed items that needed no store call
	for (const { itemIndex, value } of batch.ready) {
		if (value.bypass && !batch.errorOf(itemIndex) && batch.resultOf(itemIndex) === undefined) batch.set(itemIndex, bypassField(value.messageKey));
	}

	// an item that could not be decided is never sent: it leaves on Capped
	const outputs = batch.route(2, 1, (i, field) => {
		if (plans[i]?.request?.mode === 'reserve' || plans[i]?.request?.mode === 'check') withContactTime(field, displayZone(params, i));
		return { output: field.allowed ? 0 : 1, item: withField(batch.items[i], i, 'frequencyCap', field) };
	});
	// Journey KPIs, bounded by the Decision Timeout; nothing once the store failed this execution
	const [yes, no] = KPI_OUTCOMES[operation];
	const storeDown = batch.ready.some(({ itemIndex }) => batch.resultOf(itemIndex)?.reason === 'store_unavailable');
	if (!storeDown) await countOutcomes(ctx, store, batchOutcomes(batch, (field) => (field.allowed ? yes : no + field.reason)), { timeoutMs });
	return outputs;
}

/** Journey KPI outcome names of each mode's two outputs (lib/store/kpis.ts). */
const KPI_OUTCOMES: Record<OperationName, [string, string]> = {
	checkAndReserve: ['allowed', 'capped:'],
	check: ['allowed', 'capped:'],
	record: ['recorded', 'not_recorded:'],
	release: ['released', 'not_released:'],
};

async function decideWithStore(
	ctx: IExecuteFunctions,
	store: JourneyStore,
	pending: number[],
	plans: Array<Plan | undefined>,
	batch: ItemBatch<Plan, CapField>,
	policy: StorePolicy,
	timeoutMs: number,
): Promise<void> {
	let down: StoreUnavailableError | undefined;
	// the Decision Timeout bounds the execution's store work, however many batches it takes
	const deadline = Date.now() + timeoutMs;
	for (let from = 0; from < pending.length; from += STORE_BATCH) {
		const chunk = pending.slice(from, from + STORE_BATCH);
		let decisions: CapDecision[] | undefined;
		// once the store failed in this execution, the rest is decided by the policy at once
		if (!down) {
			try {
				const requests = new Array<CapRequest>(chunk.length);
				for (let j = 0; j < chunk.length; j++) requests[j] = plans[chunk[j]]!.request!;
				decisions = await withTimeout(store.caps.apply(requests, { deadline }), deadline, timeoutMs);
			} catch (error) {
				if (error instanceof StoreUnavailableError) down = error;
				else if (error instanceof CapRequestError) {
					batch.failAll(chunk, error);
					continue;
				} else {
					down = new StoreUnavailableError('The store failed', { cause: error, detail: (error as Error).message });
				}
			}
		}
		chunk.forEach((i, j) => {
			const plan = plans[i]!;
			if (decisions) {
				batch.set(i, plan.bypass ? bypassField(plan.messageKey) : decisionField(decisions[j], plan.messageKey));
				return;
			}
			const outcome = unavailableOutcome(ctx, down!, plan, policy, i);
			if ('error' in outcome) batch.fail(i, outcome.error);
			else batch.set(i, outcome.field);
		});
	}
}

/**
 * The store bounds its own calls by the deadline; this bounds any store (a few ms of slack so
 * the store's own, more precise error wins when it has one).
 */
async function withTimeout<T>(promise: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new StoreUnavailableError(`The store did not decide within the Decision Timeout (${timeoutMs} ms)`)),
			Math.max(0, deadline - Date.now()) + 20,
		);
	});
	try {
		return await Promise.race([promise, expired]);
	} finally {
		clearTimeout(timer);
		promise.catch(() => undefined);
	}
}

function decisionField(d: CapDecision, messageKey: string): CapField {
	return {
		allowed: d.allowed,
		reason: d.reason,
		rule: d.rule,
		count: d.count,
		limit: d.limit,
		retryAt: d.retryAt === null ? null : new Date(d.retryAt).toISOString(),
		messageKey,
	};
}

/** retryAt in the contact's zone, and a flag when that zone was invalid and the fallback was used. */
function withContactTime(field: CapField, zone: { zone: string; invalid?: string }): void {
	field.retryAtContactTime = field.retryAt === null ? null : isoInZone(Date.parse(field.retryAt), zone.zone);
	if (zone.invalid !== undefined) {
		field.timezoneFallback = true;
		field.invalidTimezone = zone.invalid;
	}
}

function bypassField(messageKey: string): CapField {
	return { allowed: true, reason: 'bypass', rule: null, count: null, limit: null, retryAt: null, messageKey };
}

function unavailableOutcome(
	ctx: IExecuteFunctions,
	error: StoreUnavailableError,
	plan: Plan,
	policy: StorePolicy,
	itemIndex: number,
): Outcome {
	// a transactional message goes out even when it could not be counted
	const storeError = error.detail ? `${error.message}: ${error.detail}` : error.message;
	if (plan.bypass) return { field: { ...bypassField(plan.messageKey), storeError } };
	if (policy === 'error') {
		return {
			error: new NodeOperationError(ctx.getNode(), `The store is unavailable: ${error.message}`, {
				itemIndex,
				description: `${error.detail ? `Cause: ${error.detail}. ` : ''}Check that Redis is running and reachable with the "Journey Store (Redis)" credential, raise Options → Decision Timeout, or choose Fail Closed / Fail Open under Options → When the Store Is Unavailable.`,
			}),
		};
	}
	return {
		field: {
			allowed: policy === 'failOpen',
			reason: 'store_unavailable',
			rule: null,
			count: null,
			limit: null,
			retryAt: null,
			messageKey: plan.messageKey,
			storeError,
		},
	};
}

/** A cap the store refuses names the item; everything else is described as for every node. */
const describeError: ErrorDescriber = (ctx, error, itemIndex) => {
	if (error instanceof CapRequestError) {
		return new NodeOperationError(ctx.getNode(), itemMessage(itemIndex, error.message), {
			itemIndex,
			description: 'Change the parameter the message names (Caps, Channel, Campaign, Contact Time Zone or Quiet Hours).',
		});
	}
	return toNodeError(ctx, error, itemIndex);
};
