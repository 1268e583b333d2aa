/**
 * Experiments and the journey report in a real n8n (Redis store):
 *   Journey Event Trigger → Journey Entry → Journey Split (A 50 / B 50, holdout 20 %) →
 *   A, B: Channel Send (signed webhook to a receiver on 127.0.0.1) → Exit Journey; Holdout → Exit Journey
 * Signed events start one execution per contact; purchases recorded by a second Journey Event
 * Trigger convert entries. Then the Journey Report (Output) runs, and the Journey Report Page is
 * opened in Chromium with Basic auth: every figure on the page equals the Output item's, the
 * assignments equal the Split outputs the executions took and what the receiver got, and a
 * screenshot is saved (test-artifacts/screenshots/journey-report.png; docs/journey-report.png
 * with UPDATE_README_SCREENSHOT=1 or when it is missing).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant } from '../../lib';
import { startHttp, type HttpFixture } from '../integration/channel-send/servers';
import {
	journeyEventNode,
	journeyEventTriggerNode,
	noOpNode,
	PKG,
	purchase,
	send,
	SIGNING_SECRET,
	workflow,
	type CredentialRef,
	type Json,
} from '../unit/events/workflows';
import { api, importWorkflow, n8nContext, outputItems, outputTakenBy, postToWebhook, printN8nLogOnFailure, waitForExecutions } from './helpers';
import { expectPageShows, reportOutputWorkflow, reportPageWorkflow, saveScreenshot, withReportPage } from './report-page';

printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tag = randomUUID().slice(0, 8);
const namespace = `e2e-report-${tag}`;
const journey = `cart-experiment-${tag}`;
const N = 40;
const contacts = Array.from({ length: N }, (_, i) => `report-contact-${i}`);
const buyers = new Set(contacts.filter((_, i) => i % 3 === 0));
const USER = 'marketing';
const PASSWORD = `report-${randomBytes(9).toString('base64url')}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
let receiver: HttpFixture;
let store: CredentialRef;
let signing: CredentialRef;
let reportAuth: CredentialRef;

beforeAll(async () => {
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	receiver = await startHttp();
	const redisCredential = await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `Report store ${tag}`, namespace, hashSecret: `e2e-report-hash-${tag}-0123456789`, extra: { commandTimeoutMs: 5000 } });
	if (!redisCredential) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	store = redisCredential;
	const s = await api().createCredential({ name: `Report signing ${tag}`, type: 'journeyEventSigningApi', data: { secret: SIGNING_SECRET, previousSecret: '' } });
	signing = { id: s.id, name: s.name };
	const a = await api().createCredential({ name: `Report login ${tag}`, type: 'journeyReportBasicAuthApi', data: { user: USER, password: PASSWORD } });
	reportAuth = { id: a.id, name: a.name };
});

afterAll(async () => {
	await receiver?.close();
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 1000);
			if (keys.length) await redis.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
});

const storeOf = () => ({ store: 'redis' });
const storeCredential = () => ({ journeyStoreRedisApi: { id: store.id, name: store.name } });

function journeyWorkflow(): Json {
	const node = (name: string, type: string, parameters: Json, credentials: Json = storeCredential()): Json => ({
		id: randomUUID(),
		name,
		type: `${PKG}.${type}`,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials,
	});
	const nodes = [
		journeyEventTriggerNode('Cart Abandoned', `report-journey-${tag}`, signing, store),
		node('Journey Entry', 'journeyEntry', {
			journeyName: journey,
			contactId: '={{ $json.contactId }}',
			reentry: 'anyTime',
			whileActive: 'allow',
			maxDurationDays: 90,
			entryId: '',
			...storeOf(),
			trackConversion: true,
			goalEvent: 'purchase',
			goalWindowDays: 7,
		}),
		node('Journey Split', 'journeySplit', {
			experimentName: '',
			contactId: '={{ $json.contactId }}',
			variants: { values: [{ name: 'A', weight: 50 }, { name: 'B', weight: 50 }] },
			holdoutPercent: 20,
			...storeOf(),
		}),
		node(
			'Send Reminder',
			'channelSend',
			{
				channel: 'webhook',
				messageType: 'transactional',
				contactId: '={{ $json.contactId }}',
				url: `${receiver.url}/reminder`,
				body: '={{ JSON.stringify({ contactId: $json.contactId, variant: $json.experiment.variant }) }}',
				messageKey: '',
				...storeOf(),
				options: { retries: 0 },
			},
			{ ...storeCredential(), journeyEventSigningApi: { id: signing.id, name: signing.name } },
		),
		journeyEventNode('Exit Journey', { operation: 'exitJourney', journeyName: journey, contactId: '={{ $json.contactId }}' }, store),
		journeyEventNode('Exit Holdout', { operation: 'exitJourney', journeyName: journey, contactId: '={{ $json.contactId }}' }, store),
	];
	return workflow(`e2e report journey ${tag}`, nodes, [
		['Cart Abandoned', 0, 'Journey Entry'],
		['Journey Entry', 0, 'Journey Split'],
		['Journey Split', 0, 'Send Reminder'],
		['Journey Split', 1, 'Send Reminder'],
		['Journey Split', 2, 'Exit Holdout'],
		['Send Reminder', 0, 'Exit Journey'],
	]);
}

describe('experiments and the journey report in n8n', () => {
	it('splits contacts stickily, counts them, and the report page shows the Output mode\'s numbers', async () => {
		const journeyFlow = await importWorkflow(journeyWorkflow());
		const events = await importWorkflow(
			workflow(`e2e report events ${tag}`, [journeyEventTriggerNode('Purchases', `report-events-${tag}`, signing, store), noOpNode('Received')], [['Purchases', 0, 'Received']]),
		);
		const reportFlow = await importWorkflow(reportOutputWorkflow(tag, journey, store));
		await importWorkflow(reportPageWorkflow(tag, store, reportAuth));

		// one execution per contact
		for (const contactId of contacts) await send({ url: n8nContext().url, eventsPath: `report-journey-${tag}` }, { contactId, name: 'cart_abandoned', properties: {}, occurredAt: new Date().toISOString() });
		const executions = await waitForExecutions(journeyFlow.id, N, 180_000);
		for (const e of executions) expect(e.status, `execution ${e.id}`).toBe('success');
		const taken = outputTakenBy(executions, 'Journey Split');
		const variantOfOutput = ['A', 'B', 'holdout'];
		const experiment = { name: journey, variants: [{ name: 'A', weight: 50 }, { name: 'B', weight: 50 }], holdoutPercent: 20 };
		for (const contactId of contacts) expect(variantOfOutput[taken[contactId]], contactId).toBe(assignVariant(experiment, contactId));
		const assigned = (variant: string) => contacts.filter((c) => variantOfOutput[taken[c]] === variant).length;
		for (const v of variantOfOutput) expect(assigned(v), v).toBeGreaterThan(0);
		const received = receiver.requests.filter((r) => r.url === '/reminder').map((r) => JSON.parse(r.body) as { contactId: string; variant: string });
		expect(received).toHaveLength(assigned('A') + assigned('B'));
		for (const r of received) expect(r.variant).toBe(variantOfOutput[taken[r.contactId]]);
		expect(outputItems(executions[0], 'Journey Split').flat()[0].experiment).toEqual({ name: journey, variant: variantOfOutput[taken[String(outputItems(executions[0], 'Journey Split').flat()[0].contactId)]] });

		// purchases convert their entries, once each (the second copy of an event changes nothing)
		for (const contactId of buyers) {
			const event = purchase(contactId);
			await send({ url: n8nContext().url, eventsPath: `report-events-${tag}` }, event);
			await send({ url: n8nContext().url, eventsPath: `report-events-${tag}` }, { ...event });
		}
		await waitForExecutions(events.id, buyers.size * 2, 120_000);

		// the Output mode
		await postToWebhook(`report-output-${tag}`, {});
		const [reportRun] = await waitForExecutions(reportFlow.id, 1, 60_000);
		const rows = outputItems(reportRun, 'Journey Report')[0];
		const row = (step: string, variant: string) => rows.find((r) => r.step === step && r.variant === variant)!;
		expect(row('', '').counts).toEqual({ entered: N, converted: buyers.size });
		const converted = (variant: string) => [...buyers].filter((c) => variantOfOutput[taken[c]] === variant).length;
		for (const v of variantOfOutput) {
			expect(row('', v).counts, v).toEqual({ assigned: assigned(v), converted: converted(v) });
			expect(row('Journey Split', v).counts).toEqual({ assigned: assigned(v) });
			// by hand: rate = conversions ÷ contacts assigned
			expect(row('', v).conversion.rate).toBeCloseTo(converted(v) / assigned(v), 12);
		}
		for (const v of ['A', 'B']) {
			expect(row('Send Reminder', v).counts.sent).toBe(assigned(v));
			const holdoutRate = converted('holdout') / assigned('holdout');
			if (holdoutRate > 0) expect(row('', v).conversion.uplift).toBeCloseTo((converted(v) / assigned(v) - holdoutRate) / holdoutRate, 12);
			expect(row('', v).conversion.control).toBe('holdout');
		}

		// the page, in Chromium, with Basic auth
		const pageUrl = `${n8nContext().url}/webhook/report-page-${tag}?journey=${encodeURIComponent(journey)}`;
		await withReportPage(pageUrl, { username: USER, password: PASSWORD }, async (page) => {
			await expectPageShows(page, journey, rows);
			await saveScreenshot(page, 'journey-report.png');
		});
	});
});
