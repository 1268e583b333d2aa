import { randomUUID } from 'node:crypto';
import type { IDataObject, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import {
	DEFAULT_HISTORY_LIMIT,
	DEFAULT_HISTORY_TTL_DAYS,
	DEFAULT_TOLERANCE_SECONDS,
	eventToJson,
	ingestEvents,
	normalizeEvent,
	resolveStore,
	verifySignature,
	type ContactEvent,
	type IngestedEvent,
	type JourneyStore,
} from '../../lib';

/**
 * How long a delivery id is held while its events are processed. Only after they are recorded
 * and their waits resumed is the id remembered for the whole replay window: if n8n dies midway,
 * the sender's retry of the same webhook-id is accepted once the lease has run out, and the
 * retry finishes the work (events deduplicate by id, resumes happen once). A delivery answered
 * 503 releases its hold (a hold that reached the store after the answer is never taken), so the
 * sender's retry is accepted at once.
 */
const PROCESSING_LEASE_SECONDS = 60;

interface Options {
	toleranceSeconds?: number;
	historyLimit?: number;
	historyTtlDays?: number;
	maxEvents?: number;
}

/**
 * One delivery: verify the Standard Webhooks signature (401 with the reason), refuse a replayed
 * webhook-id (401), parse one event or `{ events: [...] }` (400 naming the event and field),
 * record + resume (unless turned off), then start the workflow with one item per event.
 * Nothing is recorded for a refused delivery. A delivery that fails after its id was
 * remembered forgets the id again, so the sender's retry is not taken for a replay.
 */
export async function handleDelivery(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject();
	const options = ctx.getNodeParameter('options', {}) as Options;
	const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
	const credentials = await ctx.getCredentials('journeyEventSigningApi');
	const secrets = [credentials.secret, credentials.previousSecret].filter((s): s is string => typeof s === 'string' && s.trim() !== '');
	const raw = (req as { rawBody?: Buffer }).rawBody ?? Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? {}));

	const verdict = verifySignature({ secrets, headers: req.headers, body: raw, nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: tolerance });
	if (!verdict.ok) return reject(ctx, 401, verdict.reason, verdict.message);

	let body: unknown;
	try {
		body = JSON.parse(raw.toString('utf8'));
	} catch {
		return reject(ctx, 400, 'bad_json', 'the body is not JSON');
	}
	const inputs = Array.isArray((body as { events?: unknown })?.events) ? ((body as { events: unknown[] }).events) : [body];
	if (inputs.length === 0) return reject(ctx, 400, 'no_events', '"events" is empty');
	const maxEvents = options.maxEvents ?? 1000;
	if (inputs.length > maxEvents) return reject(ctx, 413, 'too_many_events', `more than ${maxEvents} events in one delivery`);
	const now = Date.now();
	const events: ContactEvent[] = [];
	for (let i = 0; i < inputs.length; i++) {
		const input = inputs[i];
		if (input === null || typeof input !== 'object' || Array.isArray(input)) {
			return reject(ctx, 400, 'bad_event', `event ${i} is not an object`);
		}
		const result = normalizeEvent(input as IDataObject, now, `${verdict.id}:${i}`);
		if (!result.ok) return reject(ctx, 400, 'bad_event', `event ${i}: ${result.message} (field "${result.field}")`);
		events.push(result.event);
	}

	const scope = `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}`;
	let store: JourneyStore;
	try {
		store = await resolveStore(ctx, 0);
	} catch (error) {
		ctx.logger.error(`Journey Event Trigger is misconfigured: ${(error as Error).message}`, { node: ctx.getNode().name });
		return reject(ctx, 500, 'misconfigured', (error as Error).message);
	}
	// this attempt's own hold on the webhook-id: only it can release it
	const holder = randomUUID();
	let fresh: boolean;
	try {
		[fresh] = await store.deliveries.firstSeen(scope, [verdict.id], Math.min(PROCESSING_LEASE_SECONDS, tolerance * 2), holder);
	} catch (error) {
		// the hold may have been taken just before the store stopped answering
		await store.deliveries.forget(scope, [verdict.id], holder).catch(() => undefined);
		return reject(ctx, 503, 'store_unavailable', 'the store did not answer; retry later', (error as Error).message);
	}
	if (!fresh) return reject(ctx, 401, 'replayed', 'this webhook-id was delivered before');

	let ingested: IngestedEvent[];
	try {
		if (ctx.getNodeParameter('record', true) as boolean) {
			ingested = await ingestEvents(store, events, {
				historyLimit: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
				ttlSeconds: (options.historyTtlDays ?? DEFAULT_HISTORY_TTL_DAYS) * 86_400,
				resumeOptions: { logger: ctx.logger },
			});
		} else {
			ingested = events.map((event) => ({ event, recorded: false, resumed: 0, attempts: [], converted: 0 }));
		}
	} catch (error) {
		await store.deliveries.forget(scope, [verdict.id], holder).catch(() => undefined);
		return reject(ctx, 503, 'store_unavailable', 'the events could not be recorded; retry later', (error as Error).message);
	}

	try {
		await store.deliveries.remember(scope, [verdict.id], tolerance * 2);
	} catch (error) {
		// the events are in: a replay after the lease only finds duplicates, which resume nothing twice
		ctx.logger.warn(`Journey Event Trigger could not extend its replay window: ${(error as Error).message}`, { node: ctx.getNode().name });
	}

	const recordOn = ctx.getNodeParameter('record', true) as boolean;
	const items: INodeExecutionData[] = ingested.map((result) => ({
		json: {
			...eventToJson(result.event),
			journeyEvent: recordOn
				? { recorded: result.recorded, duplicate: !result.recorded, resumed: result.resumed, deliveryId: verdict.id, ...(result.converted ? { converted: result.converted } : {}) }
				: { recorded: false, deliveryId: verdict.id },
		} as IDataObject,
	}));
	const summary: IDataObject = {
		accepted: events.length,
		recorded: ingested.filter((r) => r.recorded).length,
		duplicates: recordOn ? ingested.filter((r) => !r.recorded).length : 0,
		resumed: ingested.reduce((sum, r) => sum + r.resumed, 0),
	};
	const converted = ingested.reduce((sum, r) => sum + r.converted, 0);
	if (converted > 0) summary.converted = converted;
	// what happened to the resume attempts that did not continue a journey (for the sender's logs)
	const others: Record<string, number> = {};
	for (const result of ingested) for (const a of result.attempts) if (a.outcome !== 'resumed') others[a.outcome] = (others[a.outcome] ?? 0) + 1;
	if (Object.keys(others).length > 0) summary.notResumed = others;
	return { workflowData: [items], webhookResponse: summary };
}

/**
 * Answers a refused delivery and logs it (warning level: the sender is told and retries, or
 * fixes its request) with the webhook-id, so an operator can match it to the sender's log.
 */
function reject(ctx: IWebhookFunctions, status: number, reason: string, message: string, cause?: string): IWebhookResponseData {
	const webhookId = headerText(ctx.getRequestObject().headers['webhook-id']);
	ctx.logger.warn(`Journey Event Trigger refused a delivery (HTTP ${status} ${reason}): ${message}${cause ? ` (${cause})` : ''}`, {
		node: ctx.getNode().name,
		webhookId,
	});
	ctx.getResponseObject().status(status).json({ error: reason, message });
	if (ctx.getMode?.() !== 'manual') return { noWebhookResponse: true };
	// a test delivery from the editor: show the refusal there too (a live one never starts the workflow)
	const refused = { refused: true, status, reason, message, hint: REFUSAL_HINTS[reason] ?? 'Fix the delivery and send it again.' };
	return { noWebhookResponse: true, workflowData: [[{ json: { journeyEvent: refused } }]] };
}

function headerText(value: string | string[] | undefined): string {
	return (Array.isArray(value) ? value[0] : value)?.slice(0, 200) ?? '';
}
const REFUSAL_HINTS: Record<string, string> = {
	no_matching_signature:
		'The sender signed with another secret than the Journey Event Signing credential\'s, or changed the body after signing: sign the exact body with that secret.',
	missing_headers: 'Send the webhook-id, webhook-timestamp and webhook-signature headers (Standard Webhooks).',
	timestamp_too_old: 'webhook-timestamp must be the current time in seconds since 1970; check the sender\'s clock.',
	timestamp_too_new: 'webhook-timestamp must be the current time in seconds since 1970; check the sender\'s clock.',
	bad_timestamp: 'webhook-timestamp must be a whole number of seconds since 1970, e.g. 1767225600.',
	bad_secret: 'The Journey Event Signing credential\'s secret is not valid: open the credential, its test says what is wrong.',
	replayed: 'Every delivery needs a new webhook-id; a retry of a delivery that succeeded is refused.',
	bad_json: 'Send a JSON body: one event { "contactId", "name", … } or { "events": [ … ] }.',
	bad_event: 'Give every event a contactId and a name, e.g. { "contactId": "c-42", "name": "purchase" }.',
	no_events: 'Put at least one event in "events".',
	too_many_events: 'Split the delivery, or raise Options → Max Events per Delivery.',
	store_unavailable: 'The store did not answer: check the Journey Store (Redis) credential and that Redis runs, then send again.',
	misconfigured: 'Fix the node\'s store settings (the message names what).',
};
