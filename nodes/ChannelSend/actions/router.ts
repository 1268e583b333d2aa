import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	batchOutcomes,
	checkBeforeSend,
	countOutcomes,
	journeyContextOf,
	DEFAULT_SEND_RETENTION_MS,
	ingestEvents,
	isValidTimeZone,
	ItemError,
	limiterFor,
	ProviderError,
	readItems,
	StoreUnavailableError,
	signingCredentialProblem,
	toNodeError,
	unsubscribeUrl,
	validateQuietHours,
	withField,
	withRetries,
	type CapRequest,
	type ContactEvent,
	type ContactState,
	type EntrySend,
	type ErrorDescriber,
	type ItemBatch,
	type JourneyStore,
	type QuietHours,
	type Refusal,
	type SendClaim,
} from '../../../lib';
import type { ChannelName } from '../description';
import * as alimTalk from './alimTalk.operation';
import * as email from './email.operation';
import * as fcmPush from './fcmPush.operation';
import * as resendEmail from './resendEmail.operation';
import * as slack from './slack.operation';
import * as solapiSms from './solapiSms.operation';
import * as twilioSms from './twilioSms.operation';
import { decideGlobalHoldout } from './globalHoldout';
import { text, type ChannelOperation, type ItemContext, type SendOptions } from './shared';
import * as webhook from './webhook.operation';

const operations: Record<ChannelName, ChannelOperation<unknown>> = {
	email: email as ChannelOperation<unknown>,
	resendEmail: resendEmail as ChannelOperation<unknown>,
	fcmPush: fcmPush as ChannelOperation<unknown>,
	solapiSms: solapiSms as ChannelOperation<unknown>,
	alimTalk: alimTalk as ChannelOperation<unknown>,
	twilioSms: twilioSms as ChannelOperation<unknown>,
	slack: slack as ChannelOperation<unknown>,
	webhook: webhook as ChannelOperation<unknown>,
};

/** Items claimed, sent and settled together: one store round trip each way per chunk. */
const CHUNK = 500;
/** How long a claim protects an attempt; longer than any send with its retries in a chunk. */
const LEASE_MS = 10 * 60_000;
/** The store must decide a claim within this, or it writes nothing (the item is not sent). */
const CLAIM_DEADLINE_MS = 5_000;
/** Recording a send that happened gets longer: losing it would make a retry report outcome_unknown. */
const SETTLE_DEADLINE_MS = 30_000;

interface Plan {
	contactId: string;
	messageKey: string;
	marketing: boolean;
	korean: boolean;
	consentTopic: string;
	quietHours?: QuietHours;
	campaign?: string;
	tags?: string[];
	/** the Frequency Cap reservation this send uses (released when nothing was sent) */
	capKey?: string;
	ignoreUnsubscribe: boolean;
	countTowardCaps: boolean;
	payload: unknown;
}

/** The `send` field of every item that leaves the node. */
interface SendField extends IDataObject {
	channel: string;
	provider: string;
	key: string;
}

type Outcome = { sent: SendField } | { notSent: SendField; release: boolean };
type Batch = ItemBatch<Plan, Outcome>;

/**
 * Channel Send's item loop and error policy. Each channel (one file each) reads and checks an
 * item's message and sends it; the router plans every item, applies the before-send checks with
 * the contacts' state (one store call), claims every message key (one call per chunk), sends the
 * claimed ones with bounded concurrency per provider account, settles the claims, records the
 * sends in the contacts' history and caps, and routes each item to Sent (0) or Not sent (1).
 */
export async function route(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const channelName = ctx.getNodeParameter('channel', 0) as ChannelName;
	const op = operations[channelName];
	if (!op) {
		throw new NodeOperationError(ctx.getNode(), `Unknown channel "${channelName}"`, { description: 'Choose a channel under "Channel".' });
	}
	const linkSecret = await unsubscribeSecret(ctx, op);
	// a bad item fails the node here, before anything is claimed or sent
	const items = ctx.getInputData();
	const batch: Batch = readItems(ctx, (i) => plan(ctx, op, i, items[i], linkSecret), describeError);
	const plans = batch.valuesByIndex();
	const pending = batch.ready.map((r) => r.itemIndex);
	const store = await batch.storeFor(pending);
	if (store) await sendAll(ctx, op, store, pending, plans, batch);

	// Sent (0) and Not sent (1); with Continue On Fail a failed item goes to Not sent
	return batch.route(2, 1, (i, outcome) =>
		'sent' in outcome ? { output: 0, item: withField(items[i], i, 'send', outcome.sent) } : { output: 1, item: withField(items[i], i, 'send', outcome.notSent) },
	);
}

/** The signing secret for one-click unsubscribe links, when Options → Unsubscribe Endpoint is set. */
async function unsubscribeSecret(ctx: IExecuteFunctions, op: ChannelOperation<unknown>): Promise<string | undefined> {
	const endpoint = text((ctx.getNodeParameter('options', 0, {}) as SendOptions).unsubscribeEndpoint);
	if (!endpoint || op.channel !== 'email') return undefined;
	const data = await ctx.getCredentials('journeyEventSigningApi').catch(() => undefined);
	const secret = String(data?.secret ?? '');
	const problem = data ? signingCredentialProblem(data as Record<string, unknown>) : 'no Journey Event Signing credential is selected';
	if (problem) {
		throw new NodeOperationError(ctx.getNode(), `Options → Unsubscribe Endpoint needs the signing secret: ${problem}`, {
			description: 'Select the Journey Event Signing credential the Journey Event Trigger uses: its secret signs the unsubscribe links.',
		});
	}
	return secret;
}

function plan(ctx: IExecuteFunctions, op: ChannelOperation<unknown>, i: number, item: INodeExecutionData, linkSecret: string | undefined): Plan {
	const itemNumber = i + 1;
	const contactId = text(ctx.getNodeParameter('contactId', i, ''));
	if (!contactId) {
		throw new ItemError(`Item ${itemNumber}: Contact ID is empty`, 'Set "Contact ID" to the field that identifies the contact, e.g. {{ $json.contactId }}.', 'Contact ID');
	}
	const options = ctx.getNodeParameter('options', i, {}) as SendOptions;
	const marketing = ctx.getNodeParameter('messageType', i, 'marketing') === 'marketing';
	const zone = text(options.timezone) || ctx.getTimezone();
	if (!isValidTimeZone(zone)) {
		throw new ItemError(`Item ${itemNumber}: "${zone}" is not a valid time zone`, 'Use an IANA zone such as "Asia/Seoul" or "Europe/Berlin" under Options → Contact Time Zone.', 'Contact Time Zone');
	}
	const rules = options.koreanRules ?? 'auto';
	const korean = marketing && (rules === 'always' || (rules === 'auto' && (zone === 'Asia/Seoul' || op.koreanRecipient?.(ctx, i) === true)));
	const messageKey = text(ctx.getNodeParameter('messageKey', i, '')) || defaultMessageKey(ctx, item, contactId, i);
	const itemContext: ItemContext = { itemNumber, marketing, korean, options, messageKey };
	const endpoint = text(options.unsubscribeEndpoint);
	if (linkSecret && endpoint && marketing) {
		if (!/^https?:\/\/\S+$/.test(endpoint)) {
			throw new ItemError(`Item ${itemNumber}: "${endpoint}" is not an http(s) URL`, 'Use the Journey Event Trigger\'s unsubscribe URL, e.g. https://n8n.example.com/webhook/journey-events/unsubscribe.', 'Unsubscribe Endpoint');
		}
		itemContext.unsubscribeLink = unsubscribeUrl(endpoint, linkSecret, { contactId, channel: text(options.consentTopic) || op.channel, issuedAt: Date.now() });
	}
	const payload = op.prepare(ctx, i, itemContext);
	const capKey = text((item.json.frequencyCap as IDataObject | undefined)?.messageKey) || undefined;
	return {
		contactId,
		messageKey,
		marketing,
		korean,
		consentTopic: text(options.consentTopic) || op.channel,
		quietHours: readQuietHours(options, zone, itemNumber),
		campaign: text(options.campaign) || undefined,
		tags: text(options.tags) ? text(options.tags).split(',').map((t) => t.trim()).filter(Boolean) : undefined,
		capKey,
		ignoreUnsubscribe: options.ignoreUnsubscribe === true,
		countTowardCaps: options.countTowardCaps !== false,
		payload,
	};
}

/** The journey entry and this node; else workflow + node + contact + execution + item. */
function defaultMessageKey(ctx: IExecuteFunctions, item: INodeExecutionData, contactId: string, i: number): string {
	const node = ctx.getNode();
	const entryId = text((item.json.journey as IDataObject | undefined)?.entryId);
	if (entryId) return `journey:${entryId}:${node.id}`;
	return `${ctx.getWorkflow().id ?? ''}:${node.id}:${contactId}:${ctx.getExecutionId() ?? ''}:${i}`;
}

function readQuietHours(options: SendOptions, zone: string, itemNumber: number): QuietHours | undefined {
	const window = options.quietHours?.window;
	if (!window) return undefined;
	const quiet: QuietHours = { window: { from: text(window.from) || '08:00', until: text(window.until) || '21:00' }, zone, action: window.action ?? 'hold' };
	const problem = validateQuietHours(quiet, Date.now());
	if (problem) throw new ItemError(`Item ${itemNumber}: ${problem}`, 'Set Send From and Send Until as HH:mm, e.g. 08:00 and 21:00.', 'Quiet Hours');
	return quiet;
}

async function sendAll(
	ctx: IExecuteFunctions,
	op: ChannelOperation<unknown>,
	store: JourneyStore,
	pending: number[],
	plans: Array<Plan | undefined>,
	batch: Batch,
): Promise<void> {
	const base = (i: number): SendField => ({ channel: op.channel, provider: op.provider, key: plans[i]!.messageKey });
	// before-send checks against each contact's consent and unsubscribes
	let states: Map<string, ContactState | undefined>;
	let now: number;
	const holdout = Number((ctx.getNodeParameter('options', 0, {}) as SendOptions).globalHoldoutPercent ?? 0);
	if (!(holdout >= 0 && holdout <= 50)) {
		throw new NodeOperationError(ctx.getNode(), `Parameter "Global Holdout (%)": ${holdout} is not a percentage from 0 to 50`, { description: 'Set Options → Global Holdout (%) to e.g. 5, or 0 for none.' });
	}
	try {
		const ids = [...new Set(pending.map((i) => plans[i]!.contactId))];
		const found = await store.contacts.get(ids);
		states = new Map(ids.map((id, j) => [id, found[j]]));
		now = await store.now();
		await decideGlobalHoldout(store, pending.filter((i) => plans[i]!.marketing).map((i) => plans[i]!.contactId), holdout, states, now);
	} catch (error) {
		for (const i of pending) batch.fail(i, storeError(ctx, error, i));
		return;
	}
	const toClaim: number[] = [];
	for (const i of pending) {
		const p = plans[i]!;
		const refusal = checkBeforeSend({
			channel: op.channel,
			consentTopic: p.consentTopic,
			messageType: p.marketing ? 'marketing' : 'transactional',
			state: states.get(p.contactId),
			ignoreUnsubscribe: p.ignoreUnsubscribe,
			korean: p.korean,
			quietHours: p.quietHours,
			now,
		});
		if (refusal) batch.set(i, { notSent: { ...base(i), ...refusalField(refusal) }, release: true });
		else toClaim.push(i);
	}
	if (toClaim.length === 0) return afterSend(ctx, store, pending, plans, batch);

	const options = ctx.getNodeParameter('options', 0, {}) as SendOptions;
	let connection;
	try {
		connection = await op.connect(ctx);
	} catch (error) {
		batch.failAll(toClaim, error);
		return afterSend(ctx, store, pending, plans, batch);
	}
	const limiter = limiterFor(connection.slotKey, Math.max(1, Number(options.concurrency ?? 10)));
	const policy = { retries: Math.max(0, Number(options.retries ?? 3)), maxDelayMs: Math.max(0, Number(options.maxRetryDelaySeconds ?? 30)) * 1000 };
	const takeUnknown = op.idempotent || options.resendAfterUnknown === true;
	const failNode = options.onProviderError === 'error';
	const log = { retentionMs: DEFAULT_SEND_RETENTION_MS };

	for (let from = 0; from < toClaim.length; from += CHUNK) {
		const chunk = toClaim.slice(from, from + CHUNK);
		const tokens = chunk.map(() => `${process.pid}-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`);
		let claims: SendClaim[];
		try {
			claims = await store.sends.claim(
				chunk.map((i, j) => ({ contactId: plans[i]!.contactId, messageKey: plans[i]!.messageKey, token: tokens[j], leaseMs: LEASE_MS, takeUnknown })),
				{ ...log, deadline: Date.now() + CLAIM_DEADLINE_MS },
			);
		} catch (error) {
			for (const i of chunk) batch.fail(i, storeError(ctx, error, i));
			continue;
		}
		const sending: number[] = [];
		chunk.forEach((i, j) => {
			const claim = claims[j];
			if (claim.state === 'claimed') sending.push(j);
			else if (claim.state === 'sent' || claim.state === 'busy' || claim.state === 'unknown') batch.set(i, claimOutcome(claim, base(i)));
			else batch.fail(i, storeError(ctx, new StoreUnavailableError('The store did not record the message key in time'), i));
		});
		const results = await Promise.all(
			sending.map((j) =>
				limiter
					.run(() => withRetries(() => connection.send(plans[chunk[j]]!.payload, plans[chunk[j]]!.messageKey), policy))
					.then(
						(ok) => ({ ok }),
						(error: unknown) => ({ error }),
					),
			),
		);
		const settles = sending.map((j, k) => {
			const r = results[k];
			const outcome: 'sent' | 'failed' | 'unknown' = 'ok' in r ? 'sent' : isAmbiguous(r.error) ? 'unknown' : 'failed';
			return { contactId: plans[chunk[j]]!.contactId, messageKey: plans[chunk[j]]!.messageKey, token: tokens[j], outcome, messageId: 'ok' in r ? r.ok.messageId : undefined };
		});
		let settled: Array<{ state: string; sentAt?: number } | undefined> = [];
		let settleError: unknown;
		try {
			settled = await store.sends.settle(settles, { ...log, deadline: Date.now() + SETTLE_DEADLINE_MS });
		} catch (error) {
			settleError = error;
		}
		sending.forEach((j, k) => {
			const i = chunk[j];
			const r = results[k];
			if ('ok' in r) {
				const s = settled[k];
				const sentAt = s?.state === 'sent' && s.sentAt ? s.sentAt : Date.now();
				const field: SendField = { ...base(i), messageId: r.ok.messageId, sentAt: new Date(sentAt).toISOString() };
				if (r.ok.fallback) field.fallback = r.ok.fallback;
				// sent, but not recorded: a retry of this key will say outcome_unknown rather than send again
				if (settleError || s?.state === 'late') field.logError = settleError ? (settleError as Error).message : 'the store did not record the send in time';
				batch.set(i, { sent: field });
				return;
			}
			const error = r.error;
			if (!(error instanceof ProviderError)) {
				batch.fail(i, error);
				return;
			}
			const field = providerField(base(i), error);
			if (failNode && error.retryable) {
				batch.fail(
					i,
					new NodeOperationError(ctx.getNode(), `Item ${i + 1}: ${error.message}`, {
						itemIndex: i,
						description: 'The provider failed after the retries. Retrying the node or the execution is safe: a message the provider took is not sent again.',
					}),
				);
				return;
			}
			batch.set(i, { notSent: field, release: !error.ambiguous });
		});
	}
	await afterSend(ctx, store, pending, plans, batch);
}

function isAmbiguous(error: unknown): boolean {
	return !(error instanceof ProviderError) || error.ambiguous;
}

function claimOutcome(claim: Extract<SendClaim, { state: 'sent' | 'busy' | 'unknown' }>, field: SendField): Outcome {
	switch (claim.state) {
		case 'sent':
			return { sent: { ...field, messageId: claim.messageId, sentAt: new Date(claim.sentAt).toISOString(), duplicate: true } };
		case 'busy':
			return {
				notSent: {
					...field,
					reason: 'in_progress',
					message: 'Another execution is sending this message key right now',
					retryable: true,
					retryAt: new Date(claim.leaseUntil).toISOString(),
				},
				release: false,
			};
		case 'unknown':
			return {
				notSent: {
					...field,
					reason: 'outcome_unknown',
					message:
						'An earlier attempt for this message key may have reached the provider, which has no idempotency key: not sent again. Turn on Options → Resend After Unknown Outcome to accept a possible second copy.',
					retryable: false,
					retryAt: null,
				},
				release: false,
			};
	}
}

function refusalField(refusal: Refusal): IDataObject {
	return {
		reason: refusal.reason,
		message: refusal.message,
		retryable: refusal.retryAt !== null,
		retryAt: refusal.retryAt === null ? null : new Date(refusal.retryAt).toISOString(),
	};
}

function providerField(field: SendField, error: ProviderError): SendField {
	const out: SendField = {
		...field,
		reason: error.reason ?? (error.kind === 'rejected' ? 'provider_rejected' : 'provider_error'),
		message: error.message,
		retryable: error.retryable,
		retryAt: null,
	};
	if (error.status !== undefined) out.status = error.status;
	if (error.field) out.field = error.field;
	return out;
}

/**
 * Sends (new or already sent) go into the contact's history as `message_sent` and count toward
 * caps; both are idempotent by message key, so recording a duplicate again heals a crash between
 * the send and these writes. A Frequency Cap reservation of an item that was not sent is released.
 */
async function afterSend(
	ctx: IExecuteFunctions,
	store: JourneyStore,
	pending: number[],
	plans: Array<Plan | undefined>,
	batch: Batch,
): Promise<void> {
	const events: ContactEvent[] = [];
	const caps: CapRequest[] = [];
	const capOwners: number[] = [];
	for (const i of pending) {
		const p = plans[i]!;
		const outcome = batch.resultOf(i);
		if (!outcome) continue;
		if ('sent' in outcome) {
			const s = outcome.sent;
			events.push({
				id: `message_sent:${p.messageKey}`,
				contactId: p.contactId,
				name: 'message_sent',
				occurredAt: Date.parse(String(s.sentAt)),
				properties: { channel: s.channel, provider: s.provider, messageId: s.messageId, messageKey: p.messageKey, campaign: p.campaign ?? null, tags: p.tags ?? [] },
			});
			if (!p.capKey && p.countTowardCaps) {
				caps.push({ mode: 'record', contactId: p.contactId, messageKey: p.messageKey, channel: s.channel, campaign: p.campaign, tags: p.tags });
				capOwners.push(i);
			}
		} else if (outcome.release && p.capKey) {
			caps.push({ mode: 'release', contactId: p.contactId, messageKey: p.capKey });
			capOwners.push(i);
		}
	}
	const note = (indexes: number[], error: unknown) => {
		for (const i of indexes) {
			const outcome = batch.resultOf(i);
			if (outcome) ('sent' in outcome ? outcome.sent : outcome.notSent).recordError = (error as Error).message;
		}
	};
	const history = async () => {
		try {
			// a message_sent event converts no journey goal
			if (events.length) await ingestEvents(store, events, { convert: false });
		} catch (error) {
			note(pending.filter((i) => 'sent' in (batch.resultOf(i) ?? {})), error);
		}
		try {
			if (caps.length) await store.caps.apply(caps);
		} catch (error) {
			note(capOwners, error);
		}
	};
	await Promise.all([history(), journeyKpis(ctx, store, plans, batch)]);
}

/**
 * Journey KPIs: sent / not_sent:<reason> per item (a key sent before is not counted again), and
 * the step of the last message sent to each journey entry, which its conversion is attributed to.
 */
async function journeyKpis(ctx: IExecuteFunctions, store: JourneyStore, plans: Array<Plan | undefined>, batch: Batch): Promise<void> {
	const step = ctx.getNode().name;
	const sends: EntrySend[] = [];
	for (const { itemIndex } of batch.ready) {
		const outcome = batch.resultOf(itemIndex);
		const journey = outcome && 'sent' in outcome && !outcome.sent.duplicate ? journeyContextOf(batch.items[itemIndex].json) : undefined;
		if (journey?.name) sends.push({ contactId: plans[itemIndex]!.contactId, journey: journey.name, entryId: journey.entryId, step });
	}
	const recordSends = async () => {
		try {
			if (sends.length) await store.entries.recordSend(sends);
		} catch (error) {
			ctx.logger?.warn?.(`Channel Send "${step}" could not record the last send of ${sends.length} journey entries (conversions attribute to it): ${(error as Error).message}`);
		}
	};
	await Promise.all([
		recordSends(),
		countOutcomes(ctx, store, batchOutcomes(batch, (o) => ('sent' in o ? (o.sent.duplicate ? undefined : 'sent') : `not_sent:${String(o.notSent.reason)}`))),
	]);
}

function storeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	// the cause goes in the description: n8n replaces a message that names ECONNREFUSED & co.
	const detail = error instanceof StoreUnavailableError && error.detail ? `${error.message} (${error.detail})` : (error as Error).message;
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex + 1}: not sent, the store is unavailable`, {
		itemIndex,
		description: `${detail}. Nothing was sent: a message goes out only after its key is recorded. Check that Redis is running and reachable with the "Journey Store (Redis)" credential, then retry.`,
	});
}

/** The shared describer, except that a store outage says nothing was sent. */
const describeError: ErrorDescriber = (ctx, error, itemIndex) =>
	error instanceof StoreUnavailableError ? storeError(ctx, error, itemIndex) : toNodeError(ctx, error, itemIndex);
