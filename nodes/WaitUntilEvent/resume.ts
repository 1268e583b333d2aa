import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import {
	countOutcomes,
	eventToJson,
	kpiDay,
	explainMismatch,
	makeWaitId,
	normalizeEvent,
	resolveStore,
	type ResumeRequestBody,
} from '../../lib';

type Outcome = 'resumed' | 'not_matched' | 'gone' | 'claimed_by_other';

/**
 * The restart webhook: n8n calls it for `POST …/webhook-waiting/<executionId>/<nodeId>` while
 * this execution is waiting here. The resumer posts `{ journeysResume, token, event }`; the
 * wait checks the token (an old wait of this node cannot be woken by a stale resume), checks the
 * event against its match, claims itself for the event in the store (one event wins), and only
 * then returns the item for Event Received. n8n's compare-and-set on the `waiting` status then
 * makes sure the execution continues once, whoever else (the timeout, a retry) races it.
 *
 * Answers: 200 resumed · 202 not matched (keeps waiting) · 404 no such wait / stale token /
 * expired · 409 claimed by another event · 400 not a resume request.
 */
export async function handleResume(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const body = ctx.getBodyData() as Partial<ResumeRequestBody> & IDataObject;
	if (!body || body.journeysResume !== 1 || typeof body.token !== 'string' || typeof body.event !== 'object' || body.event === null) {
		return respond(ctx, 400, 'gone', 'not a resume request: this wait is resumed by the Journey Event nodes of this package');
	}
	const normalized = normalizeEvent(body.event, Date.now());
	if (!normalized.ok) return respond(ctx, 400, 'gone', `the event is not valid: ${normalized.message}`);
	const event = normalized.event;

	const waitId = makeWaitId(ctx.getExecutionId(), ctx.getNode().id);
	const ref = { contactId: event.contactId, waitId, token: body.token };
	// n8n resumes an execution in its own mode, so a test run's wait finds the test store again
	const store = await resolveStore(ctx, 0);
	const [registration] = await store.waits.get([ref]);
	if (!registration) return respond(ctx, 404, 'gone', 'no such wait (finished, replaced by a newer wait, or expired)');

	const mismatch = explainMismatch(registration.match, event, registration.contactId);
	if (mismatch) return respond(ctx, 202, 'not_matched', `the event does not match this wait (${mismatch})`);

	const claim = await store.waits.claim(ref, event.id);
	switch (claim.status) {
		case 'claimed': {
			const options = ctx.getNodeParameter('options', {}) as { eventField?: string };
			const eventField = (options.eventField ?? '').trim() || 'event';
			const json: IDataObject = { ...(registration.snapshot as IDataObject), [eventField]: eventToJson(event) as IDataObject };
			// the timeout counted when the wait parked will not happen: take it back (lib/store/kpis.ts)
			const snapshot = registration.snapshot as IDataObject;
			await countOutcomes(ctx, store, [
				{ json: snapshot, outcome: 'event' },
				{ json: snapshot, outcome: 'timeout', day: kpiDay(registration.expiresAt), count: -1 },
			]);
			return {
				webhookResponse: { journeys: { outcome: 'resumed' satisfies Outcome } },
				workflowData: [[], [{ json, pairedItem: { item: 0 } }]],
			};
		}
		case 'taken':
			return respond(ctx, 409, 'claimed_by_other', 'another event already resumed this wait');
		case 'expired':
			return respond(ctx, 404, 'gone', 'the wait has timed out');
		default:
			return respond(ctx, 404, 'gone', 'no such wait');
	}
}

function respond(ctx: IWebhookFunctions, status: number, outcome: Outcome, message: string): IWebhookResponseData {
	ctx.getResponseObject().status(status).json({ journeys: { outcome, message } });
	return { noWebhookResponse: true };
}
