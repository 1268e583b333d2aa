import { randomUUID } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	buildResumeUrl,
	countOutcomes,
	kpiDay,
	type OutcomeRow,
	checkEventConditions,
	correlationText,
	durationMs,
	errorItem,
	eventToJson,
	firstMatch,
	isKnownZone,
	journeyContextOf,
	makeWaitId,
	MAX_WAIT_MS,
	parseDateTime,
	resolveStore,
	toNodeError,
	type ContactEvent,
	type TimeUnit,
	type WaitMatchSpec,
	type JourneyStore,
	type WaitRegistration,
	explainMismatch,
	webhookBodyHint,
} from '../../lib';

/** How long a registration outlives its timeout, so late events still find (and drop) it. */
const REGISTRATION_GRACE_SECONDS = 24 * 3600;

interface Options {
	eventField?: string;
	resumeBaseUrl?: string;
}

/**
 * Registers the wait, then looks back for an event that already happened (since journey entry
 * by default). Order matters for "no event lost": the registration is stored before the
 * look-back reads the history, so an event recorded at any moment is seen by one of the two —
 * by the look-back if it was recorded first, else by the resumer (which finds the registration).
 * Both paths claim the registration in the store, so only one of them continues the journey.
 */
export async function executeWait(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	if (items.length === 0) return [[], []];
	if (items.length > 1) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Wait Until Event received ${items.length} items, but it waits for one contact per execution`,
			{
				description:
					'Start one execution per contact: send each contact to this journey\'s trigger (e.g. a Webhook or the Journey Event Trigger), or call this journey from another workflow with an Execute Workflow node set to "Run once for each item" (without waiting for the sub-workflow to finish). A Loop Over Items node does not help: the whole execution would wait.',
			},
		);
	}
	try {
		// Journey KPIs: event / timeout when decided now; a parked wait counts waiting, and a timeout
		// under the day it will time out, which an event that resumes it takes back (resume.ts)
		const parked: OutcomeRow[] = [];
		const outputs = await waitForOne(ctx, items[0], parked);
		const json = items[0].json;
		await countOutcomes(ctx, undefined, outputs[1].length ? [{ json, outcome: 'event' }] : outputs[0].length ? [{ json, outcome: 'timeout' }] : parked);
		return outputs;
	} catch (error) {
		const nodeError = toNodeError(ctx, error, 0);
		if (ctx.continueOnFail()) return [[errorItem(items[0], 0, nodeError)], []];
		throw nodeError;
	}
}

async function waitForOne(ctx: IExecuteFunctions, item: INodeExecutionData, parked: OutcomeRow[]): Promise<INodeExecutionData[][]> {
	const node = ctx.getNode();
	const fail = (message: string, description: string) => new NodeOperationError(node, message, { itemIndex: 0, description });

	const names = String(ctx.getNodeParameter('eventNames', 0, '') ?? '')
		.split(',')
		.map((name) => name.trim())
		.filter((name) => name !== '');
	if (names.length === 0) {
		throw fail('Event Names is empty', 'Enter the event name to wait for, e.g. "purchase" (several separated by commas).');
	}
	const contactId = String(ctx.getNodeParameter('contactId', 0, '') ?? '').trim();
	if (contactId === '') {
		throw fail(
			'Contact ID is empty for item 1',
			webhookBodyHint(item.json, 'contactId', 'Contact ID') ?? 'Set "Contact ID" to the field that holds it, e.g. {{ $json.contactId }}.',
		);
	}

	const match: WaitMatchSpec = { names, sinceMs: 0 };
	if (ctx.getNodeParameter('correlate', 0, false) as boolean) {
		const value = correlationText(ctx.getNodeParameter('correlationValue', 0, ''));
		const eventPath = String(ctx.getNodeParameter('correlationProperty', 0, '') ?? '').trim();
		if (value === undefined) {
			throw fail('The correlation Item Value is empty', 'Point "Item Value" at the field that holds the key, e.g. {{ $json.cartId }}, or turn off "Match a Correlation Key".');
		}
		if (eventPath === '') throw fail('Event Property is empty', 'Enter the event property that carries the key, e.g. "cartId".');
		match.correlation = { eventPath, value };
	}
	const conditions = readConditions(ctx);
	if (conditions) match.conditions = conditions;

	const store = await resolveStore(ctx, 0);
	const storeNow = await store.now();
	const hostNow = Date.now();

	// deadline: host clock for n8n's timer, store clock for the registration
	const timeoutType = ctx.getNodeParameter('timeoutType', 0, 'duration') as string;
	let deadlineHost: number;
	let deadlineStore: number;
	if (timeoutType === 'dateTime') {
		const zone = zoneParameter(ctx);
		let at: number;
		try {
			at = parseDateTime(ctx.getNodeParameter('timeoutDateTime', 0, ''), zone);
		} catch (error) {
			throw fail(`Timeout date and time: ${(error as Error).message}`, 'Give a date/time such as 2026-03-01T09:00:00 (read in the Time Zone) or with an offset.');
		}
		deadlineHost = at;
		deadlineStore = at;
	} else {
		let ms: number;
		try {
			ms = durationMs(ctx.getNodeParameter('timeoutAmount', 0, 24) as number, ctx.getNodeParameter('timeoutUnit', 0, 'hours') as TimeUnit);
		} catch (error) {
			throw fail(`Timeout: ${(error as Error).message}`, 'Set the timeout Amount to a number such as 24 and pick a Unit.');
		}
		deadlineHost = hostNow + ms;
		deadlineStore = storeNow + ms;
	}
	if (deadlineHost - hostNow > MAX_WAIT_MS) {
		throw fail('The timeout is more than 400 days away', 'Wait at most 400 days; chain waits for longer journeys.');
	}

	match.sinceMs = sinceParameter(ctx, storeNow, fail, item.json);

	const options = ctx.getNodeParameter('options', 0, {}) as Options;
	const eventField = (options.eventField ?? '').trim() || 'event';
	const executionId = ctx.getExecutionId();
	const nodeId = node.id;
	let resumeUrl: string;
	try {
		const raw = String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? '');
		resumeUrl = buildResumeUrl(raw, nodeId, options.resumeBaseUrl || process.env.JOURNEYS_RESUME_BASE_URL);
	} catch (error) {
		throw fail((error as Error).message, 'Set Options → Resume Base URL to the address of n8n\'s waiting webhooks, e.g. http://n8n:5678/webhook-waiting.');
	}

	if (deadlineHost <= hostNow) {
		// the deadline has passed already: only an event that already happened can win
		const [history] = await store.events.list([{ contactId, names, sinceMs: match.sinceMs }]);
		const already = firstMatch(match, history, contactId);
		if (already) return [[], [eventReceived(item, eventField, already)]];
		return [[{ json: item.json, binary: item.binary, pairedItem: { item: 0 } }], []];
	}

	const registration: WaitRegistration = {
		waitId: makeWaitId(executionId, nodeId),
		token: randomUUID(),
		contactId,
		executionId,
		nodeId,
		workflowId: ctx.getWorkflow().id,
		match,
		snapshot: item.json as Record<string, unknown>,
		resumeUrl,
		expiresAt: deadlineStore,
		createdAt: storeNow,
	};
	const ref = { contactId, waitId: registration.waitId, token: registration.token };
	await store.waits.register([registration], { graceSeconds: REGISTRATION_GRACE_SECONDS });

	// look-back: an event recorded since `sinceMs` (before this node ran) resumes at once
	const [history] = await store.events.list([{ contactId, names, sinceMs: match.sinceMs }]);
	const already = firstMatch(match, history, contactId);
	if (already) {
		const claim = await store.waits.claim(ref, already.id);
		if (claim.status === 'claimed') {
			await store.waits.remove([ref]);
			return [[], [eventReceived(item, eventField, already)]];
		}
		// another event claimed it in between: its resumer delivers it once this execution is parked
	}
	if (ctx.getMode?.() === 'manual') await hintOlderEvents(ctx, store, registration);
	await ctx.putExecutionToWait(new Date(deadlineHost));
	parked.push({ json: item.json, outcome: 'waiting' }, { json: item.json, outcome: 'timeout', day: kpiDay(deadlineStore) });
	return [[], []];
}

/**
 * A test run that parks although the contact's history holds a matching event dated before the
 * wait's "since" (a pinned sample event, say) says why that event does not count.
 */
async function hintOlderEvents(ctx: IExecuteFunctions, store: JourneyStore, registration: WaitRegistration): Promise<void> {
	const { contactId, match } = registration;
	const [history] = await store.events.list([{ contactId, names: match.names }]);
	const older = history.find((event) => explainMismatch(match, event, contactId) === 'since');
	if (!older) return;
	ctx.addExecutionHints({
		type: 'warning',
		location: 'outputPane',
		message: `Waiting although "${older.name}" (${older.id}) is in this contact's history: it occurred at ${new Date(older.occurredAt).toISOString()}, before ${new Date(match.sinceMs).toISOString()}, where Count Events Since starts. Count older events with A Look-Back Period, or record the event with a later Occurred At (empty = now).`,
	});
}

function eventReceived(item: INodeExecutionData, eventField: string, event: ContactEvent): INodeExecutionData {
	const json: IDataObject = { ...item.json, [eventField]: eventToJson(event) as IDataObject };
	return { json, binary: item.binary, pairedItem: { item: 0 } };
}

function readConditions(ctx: IExecuteFunctions): Record<string, unknown> | undefined {
	const raw = ctx.getNodeParameter('conditions', 0, '') as unknown;
	if (raw === undefined || raw === null || raw === '') return undefined;
	let parsed: unknown = raw;
	if (typeof raw === 'string') {
		if (raw.trim() === '') return undefined;
		try {
			parsed = JSON.parse(raw);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), `Event Conditions is not valid JSON: ${(error as Error).message}`, {
				itemIndex: 0,
				description: 'Write a condition tree such as { "all": [{ "fact": "total", "operator": "greaterThan", "value": 50 }] }, or leave it empty.',
			});
		}
	}
	const problems = checkEventConditions(parsed);
	if (problems.length > 0) {
		throw new NodeOperationError(ctx.getNode(), `Event Conditions: ${problems[0]}`, {
			itemIndex: 0,
			description: `Fix the condition tree${problems.length > 1 ? ` (${problems.length} problems: ${problems.join('; ')})` : ''}. Facts are paths into the event's properties.`,
		});
	}
	return parsed as Record<string, unknown>;
}

function zoneParameter(ctx: IExecuteFunctions): string {
	const zone = String(ctx.getNodeParameter('timezone', 0, '') ?? '').trim() || ctx.getTimezone();
	if (!isKnownZone(zone)) {
		throw new NodeOperationError(ctx.getNode(), `Time Zone "${zone}" is not a valid time zone`, {
			itemIndex: 0,
			description: 'Use an IANA zone name such as "Europe/Berlin", "Asia/Seoul" or "UTC".',
		});
	}
	return zone;
}

function sinceParameter(
	ctx: IExecuteFunctions,
	storeNow: number,
	fail: (message: string, description: string) => NodeOperationError,
	item: IDataObject,
): number {
	const since = ctx.getNodeParameter('since', 0, 'journeyEntry') as string;
	switch (since) {
		case 'waitStart':
			return storeNow;
		case 'lookBack': {
			const amount = ctx.getNodeParameter('lookBackAmount', 0, 1) as number;
			const unit = ctx.getNodeParameter('lookBackUnit', 0, 'hours') as TimeUnit;
			try {
				return storeNow - durationMs(amount, unit);
			} catch (error) {
				throw fail(`Look Back: ${(error as Error).message}`, 'Set Look Back Amount to a number such as 2.');
			}
		}
		case 'dateTime':
			try {
				return parseDateTime(ctx.getNodeParameter('sinceDateTime', 0, ''), ctx.getTimezone());
			} catch (error) {
				throw fail(`Since Date and Time: ${(error as Error).message}`, 'Give an ISO date/time or epoch milliseconds.');
			}
		default: {
			// journey entry: the Journey Entry's enteredAt (the same after n8n's Retry); without one,
			// when n8n established this execution (kept across resumes), else the wait's start
			const journey = journeyContextOf(item);
			if (journey?.enteredAt !== undefined) return Math.min(journey.enteredAt, storeNow);
			const entered = ctx.getExecutionContext?.()?.establishedAt;
			return typeof entered === 'number' && Number.isFinite(entered) ? Math.min(entered, storeNow) : storeNow;
		}
	}
}
