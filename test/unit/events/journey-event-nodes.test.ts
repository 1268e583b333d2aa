/**
 * The Journey Event Trigger's delivery handling (signature, tolerance, replay, batch, errors)
 * and the Journey Event node's operations, over the process memory store.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../../../lib/events/signature';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { fakeExecute, fakeWebhook } from './helpers';

const store = getMemoryStore();
const trigger = new JourneyEventTrigger();
const action = new JourneyEvent();
const SECRET = 'whsec_' + Buffer.alloc(32, 3).toString('base64');

function deliver(body: unknown, options: { id?: string; timestamp?: number; secret?: string; headers?: Record<string, string>; parameters?: Record<string, unknown> } = {}) {
	const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
	const id = options.id ?? `msg_${randomUUID()}`;
	const headers = { ...signedHeaders(options.secret ?? SECRET, id, options.timestamp ?? Math.floor(Date.now() / 1000), raw), ...options.headers };
	const hook = fakeWebhook({
		body: JSON.parse(raw.toString()),
		rawBody: raw,
		headers,
		parameters: { store: 'memory', record: true, options: {}, ...options.parameters },
		credentials: { secret: SECRET, previousSecret: '' },
		nodeId: 'trigger-node',
	});
	return { hook, run: () => trigger.webhook.call(hook.ctx), id };
}

const contactId = () => `c-${randomUUID()}`;

describe('Journey Event Trigger', () => {
	it('accepts one signed event, records it and starts the workflow with it', async () => {
		const c = contactId();
		const { run } = deliver({ id: 'e1', contactId: c, name: 'purchase', properties: { total: 5 }, occurredAt: '2026-01-10T12:00:00Z' });
		const result = await run();
		expect(result.webhookResponse).toEqual({ accepted: 1, recorded: 1, duplicates: 0, resumed: 0 });
		expect(result.workflowData?.[0][0].json).toMatchObject({
			id: 'e1',
			contactId: c,
			name: 'purchase',
			properties: { total: 5 },
			occurredAt: '2026-01-10T12:00:00.000Z',
			journeyEvent: { recorded: true, duplicate: false, resumed: 0 },
		});
		expect((await store.events.list([{ contactId: c }]))[0].map((e) => e.id)).toEqual(['e1']);
	});

	it('accepts a batch { events: [...] }, deduplicating ids, and ids default to <webhook-id>:<index>', async () => {
		const c = contactId();
		const { run, id } = deliver({
			events: [
				{ id: 'a', contactId: c, name: 'view' },
				{ id: 'a', contactId: c, name: 'view' },
				{ contactId: c, name: 'click' },
			],
		});
		const result = await run();
		expect(result.webhookResponse).toEqual({ accepted: 3, recorded: 2, duplicates: 1, resumed: 0 });
		expect(result.workflowData?.[0].map((item) => item.json.id)).toEqual(['a', 'a', `${id}:2`]);
	});

	it('refuses a bad signature, a stale or future timestamp, missing headers and a replayed id with 401, recording nothing', async () => {
		const c = contactId();
		const body = { id: 'x', contactId: c, name: 'purchase' };
		const now = Math.floor(Date.now() / 1000);
		const cases: Array<[ReturnType<typeof deliver>, string]> = [
			[deliver(body, { secret: 'whsec_' + Buffer.alloc(32, 4).toString('base64') }), 'no_matching_signature'],
			[deliver(body, { timestamp: now - 301 }), 'timestamp_too_old'],
			[deliver(body, { timestamp: now + 400 }), 'timestamp_too_new'],
			[deliver(body, { headers: { 'webhook-signature': '' } }), 'missing_headers'],
		];
		for (const [delivery, reason] of cases) {
			const result = await delivery.run();
			expect(result).toEqual({ noWebhookResponse: true });
			expect(delivery.hook.response).toMatchObject({ status: 401, body: { error: reason } });
		}
		expect(await store.events.list([{ contactId: c }])).toEqual([[]]);

		const first = deliver({ id: 'y', contactId: c, name: 'purchase' });
		await first.run();
		const replay = deliver({ id: 'y2', contactId: c, name: 'purchase' }, { id: first.id });
		expect(await replay.run()).toEqual({ noWebhookResponse: true });
		expect(replay.hook.response).toMatchObject({ status: 401, body: { error: 'replayed' } });
		expect((await store.events.list([{ contactId: c }]))[0].map((e) => e.id)).toEqual(['y']);
		// refusals are warnings an operator can trace by the sender's webhook-id, never errors
		for (const delivery of [...cases.map(([d]) => d), replay]) {
			expect(delivery.hook.logs.filter((l) => l.level === 'error')).toEqual([]);
			expect(delivery.hook.logs).toContainEqual(expect.objectContaining({ level: 'warn', meta: expect.objectContaining({ webhookId: delivery.id }) }));
		}
	});

	it('answers 400 naming the event and field, and lets a corrected retry with the same id through', async () => {
		const c = contactId();
		const bad = deliver({ events: [{ id: '1', contactId: c, name: 'ok' }, { id: '2', name: 'no-contact' }] });
		await bad.run();
		expect(bad.hook.response).toMatchObject({ status: 400, body: { error: 'bad_event', message: expect.stringMatching(/event 1: .*contactId/) } });
		expect(await store.events.list([{ contactId: c }])).toEqual([[]]);
		const retry = deliver({ events: [{ id: '1', contactId: c, name: 'ok' }] }, { id: bad.id });
		expect((await retry.run()).webhookResponse).toMatchObject({ recorded: 1 });
	});

	it('only verifies and passes events on when recording is off', async () => {
		const c = contactId();
		const { run } = deliver({ id: 'z', contactId: c, name: 'purchase' }, { parameters: { record: false } });
		const result = await run();
		expect(result.webhookResponse).toMatchObject({ accepted: 1, recorded: 0 });
		expect(await store.events.list([{ contactId: c }])).toEqual([[]]);
	});

	it('a refused test delivery (editor listening) shows its reason as an item; a live one starts nothing', async () => {
		const c = contactId();
		const badSecret = 'whsec_' + Buffer.alloc(32, 4).toString('base64');
		const test = deliver({ id: 'r1', contactId: c, name: 'purchase' }, { secret: badSecret });
		const hook = fakeWebhook({
			body: { id: 'r1', contactId: c, name: 'purchase' },
			rawBody: Buffer.from(JSON.stringify({ id: 'r1', contactId: c, name: 'purchase' })),
			headers: signedHeaders(badSecret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), JSON.stringify({ id: 'r1', contactId: c, name: 'purchase' })),
			parameters: { store: 'memory', record: true, options: {} },
			credentials: { secret: SECRET, previousSecret: '' },
			mode: 'manual',
		});
		const shown = await trigger.webhook.call(hook.ctx);
		expect(hook.response).toMatchObject({ status: 401, body: { error: 'no_matching_signature' } });
		expect(shown.workflowData?.[0][0].json.journeyEvent).toMatchObject({
			refused: true,
			status: 401,
			reason: 'no_matching_signature',
			hint: expect.stringMatching(/secret/),
		});
		const noContact = fakeWebhook({
			body: { name: 'purchase' },
			rawBody: Buffer.from('{"name":"purchase"}'),
			headers: signedHeaders(SECRET, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), '{"name":"purchase"}'),
			parameters: { store: 'memory', record: true, options: {} },
			credentials: { secret: SECRET, previousSecret: '' },
			mode: 'manual',
		});
		const missing = await trigger.webhook.call(noContact.ctx);
		expect(missing.workflowData?.[0][0].json.journeyEvent).toMatchObject({ status: 400, reason: 'bad_event', message: expect.stringMatching(/contactId/) });
		// live: answered, nothing started
		expect(await test.run()).toEqual({ noWebhookResponse: true });
	});

	it('describes its listening state: what to send and where', () => {
		const panel = trigger.description.triggerPanel as { header: string; executionsHelp: { inactive: string; active: string } };
		expect(panel.header).toMatch(/Test URL/);
		expect(panel.executionsHelp.inactive).toMatch(/POST.*Test URL.*contactId.*webhook-signature.*Signing credential/s);
		expect(panel.executionsHelp.active).toMatch(/Production URL/);
	});

	it('the signing credential test says what is wrong on its face, and hands out a new secret', async () => {
		const test = (data: Record<string, unknown>) =>
			trigger.methods.credentialTest.journeyEventSigningSecretTest.call({} as never, { id: '1', name: 'x', type: 'journeyEventSigningApi', data: data as never });
		const cases: Array<[string, RegExp]> = [
			['', /Signing Secret is empty/],
			[` ${SECRET}`, /spaces/],
			[`"${SECRET}"`, /quotes/],
			[SECRET.slice('whsec_'.length), /does not start with "whsec_".*put "whsec_" in front/],
			['whsec_abc-def', /"-" at position 10.*base64/],
			['whsec_' + Buffer.alloc(8, 1).toString('base64'), /8-byte key; at least 16/],
		];
		for (const [secret, problem] of cases) {
			const result = await test({ secret });
			expect(result.status, secret).toBe('Error');
			expect(result.message, secret).toMatch(problem);
			const offered = /new secret you can paste into Signing Secret \(and give to the sender\): (whsec_\S+)$/.exec(result.message)?.[1];
			expect(offered, result.message).toBeDefined();
			expect(await test({ secret: offered })).toMatchObject({ status: 'OK' });
		}
		expect(await test({ secret: SECRET, previousSecret: 'whsec_x' })).toMatchObject({ status: 'Error', message: expect.stringMatching(/^Previous Signing Secret/) });
		expect(await test({ secret: SECRET })).toMatchObject({ status: 'OK', message: expect.stringMatching(/32-byte key/) });
	});

	it('tests the signing secret credential', async () => {
		const test = trigger.methods.credentialTest.journeyEventSigningSecretTest;
		const ok = await test.call({} as never, { id: '1', name: 'x', type: 'journeyEventSigningApi', data: { secret: SECRET } });
		expect(ok.status).toBe('OK');
		const bad = await test.call({} as never, { id: '1', name: 'x', type: 'journeyEventSigningApi', data: { secret: 'whsec_%%%' } });
		expect(bad).toMatchObject({ status: 'Error', message: expect.stringMatching(/base64/) });
	});
});

describe('Journey Event node', () => {
	const base = { store: 'memory', options: {} };

	it('records a batch of items in one go, deduplicating by id, with expression-style fields', async () => {
		const c = contactId();
		const items = [
			{ id: 'o1', contactId: c, name: 'purchase', properties: { total: 9 }, occurredAt: '2026-01-01T00:00:00Z' },
			{ id: 'o1', contactId: c, name: 'purchase', properties: { total: 9 }, occurredAt: '2026-01-01T00:00:00Z' },
			{ id: 'o2', contactId: c, name: 'refund', properties: {}, occurredAt: '' },
		];
		const run = fakeExecute({
			items,
			parameters: {
				...base,
				operation: 'record',
				eventId: (i: number) => items[i].id,
				contactId: (i: number) => items[i].contactId,
				eventName: (i: number) => items[i].name,
				properties: (i: number) => items[i].properties,
				occurredAt: (i: number) => items[i].occurredAt,
			},
		});
		const [out] = await action.execute.call(run.ctx);
		expect(out.map((item) => item.json.journeyEvent)).toEqual([
			{ operation: 'record', eventId: 'o1', name: 'purchase', recorded: true, duplicate: false, resumed: 0 },
			{ operation: 'record', eventId: 'o1', name: 'purchase', recorded: false, duplicate: true, resumed: 0 },
			{ operation: 'record', eventId: 'o2', name: 'refund', recorded: true, duplicate: false, resumed: 0 },
		]);
		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect((await store.events.list([{ contactId: c }]))[0].map((e) => e.id)).toEqual(['o1', 'o2']);
	});

	it('Record Event on a contact item guesses nothing: the event name must be set, id and time default sensibly', async () => {
		const byName = new Map(action.description.properties.filter((p) => p.displayOptions?.show?.operation?.includes('record') ?? true).map((p) => [p.name, p]));
		expect(byName.get('eventName')?.default).toBe('');
		expect(byName.get('eventId')?.default).toBe('');
		expect(byName.get('occurredAt')?.default).toBe('');
		const c = contactId();
		const contactItem = { contactId: c, name: 'Ada Lovelace', email: 'ada@example.com' };
		// the defaults: Event Name empty, Event ID empty, Occurred At empty
		const params = { ...base, operation: 'record', contactId: c, eventName: '', eventId: '', occurredAt: '', properties: {} };
		await expect(action.execute.call(fakeExecute({ items: [contactItem], parameters: params }).ctx)).rejects.toMatchObject({
			message: 'Item 1: the event has no name (e.g. "purchase")',
			description: expect.stringMatching(/Event Name/),
		});
		expect(await store.events.list([{ contactId: c }])).toEqual([[]]);

		const before = Date.now();
		const run = fakeExecute({ items: [contactItem, contactItem], parameters: { ...params, eventName: 'signup' }, executionId: 'exec-42' });
		const [out] = await action.execute.call(run.ctx);
		expect(out.map((i) => (i.json.journeyEvent as { eventId: string }).eventId)).toEqual(['wf-1:exec-42:Node Under Test:0', 'wf-1:exec-42:Node Under Test:1']);
		const [history] = await store.events.list([{ contactId: c }]);
		expect(history.map((e) => e.name)).toEqual(['signup', 'signup']);
		for (const event of history) expect(event.occurredAt).toBeGreaterThanOrEqual(before);
		// the node retried in the same execution records nothing twice
		const [again] = await action.execute.call(fakeExecute({ items: [contactItem, contactItem], parameters: { ...params, eventName: 'signup' }, executionId: 'exec-42' }).ctx);
		expect(again.map((i) => (i.json.journeyEvent as { duplicate: boolean }).duplicate)).toEqual([true, true]);
	});

	it('names body.contactId when the contact id is empty on an item from n8n\'s Webhook node', async () => {
		const params = { ...base, operation: 'record', contactId: '', eventName: 'purchase', eventId: 'x', occurredAt: '', properties: {} };
		await expect(action.execute.call(fakeExecute({ items: [{ body: { contactId: 'c-9' }, headers: {} }], parameters: params }).ctx)).rejects.toMatchObject({
			description: expect.stringMatching(/"body\.contactId" is set.*\{\{ \$json\.body\.contactId \}\}/),
		});
	});

	it('says what enforces "unsubscribe" today', () => {
		const operation = action.description.properties.find((p) => p.name === 'operation');
		const subscription = (operation?.options as Array<{ value: string; description: string }>).find((o) => o.value === 'subscription');
		expect(subscription?.description).toMatch(/Channel Send skips unsubscribed contacts \(it reads this store\); a send from any other node is not checked/);
	});

	it('fails naming the item and field, or passes the error on with continue on fail', async () => {
		const params = { ...base, operation: 'record', eventId: 'x', contactId: (i: number) => (i === 1 ? '' : 'someone'), eventName: 'n', properties: {}, occurredAt: '' };
		await expect(action.execute.call(fakeExecute({ items: [{}, {}], parameters: params }).ctx)).rejects.toMatchObject({
			message: 'Item 2: the event has no contact id',
			description: expect.stringMatching(/Contact ID/),
		});
		const [out] = await action.execute.call(fakeExecute({ items: [{}, {}], parameters: params, continueOnFail: true }).ctx);
		expect(out[0].json.journeyEvent).toBeDefined();
		expect(out[1].json.error).toMatch(/no contact id/);
	});

	it('without Continue On Fail, an invalid item in the middle stops the node before anything is recorded or changed', async () => {
		const [first, third] = [contactId(), contactId()];
		const ids = [first, '', third];
		const record = fakeExecute({
			items: [{}, {}, {}],
			parameters: { ...base, operation: 'record', eventId: (i: number) => `ev-${i}`, contactId: (i: number) => ids[i], eventName: 'purchase', properties: {}, occurredAt: '' },
		});
		await expect(action.execute.call(record.ctx)).rejects.toMatchObject({ message: 'Item 2: the event has no contact id' });
		expect(await store.events.list([{ contactId: first }, { contactId: third }])).toEqual([[], []]);

		const consent = fakeExecute({
			items: [{}, {}, {}],
			parameters: { ...base, operation: 'consent', contactId: (i: number) => ids[i], consentChanges: { changes: [{ topic: 'email', granted: true }] }, occurredAt: '' },
		});
		await expect(action.execute.call(consent.ctx)).rejects.toMatchObject({ message: 'Item 2: Contact ID is empty' });
		expect(await store.contacts.get([first, third])).toEqual([undefined, undefined]);

		await store.events.record([{ id: 'kept', contactId: first, name: 'x', properties: {}, occurredAt: Date.now() }], { historyLimit: 5, ttlSeconds: 60 });
		const erase = fakeExecute({ items: [{}, {}, {}], parameters: { ...base, operation: 'erase', contactId: (i: number) => ids[i] } });
		await expect(action.execute.call(erase.ctx)).rejects.toMatchObject({ message: 'Item 2: Contact ID is empty' });
		expect((await store.events.list([{ contactId: first }]))[0].map((e) => e.id)).toEqual(['kept']);
	});

	it('updates consent and subscriptions (latest wins) and erases everything of a contact', async () => {
		const c = contactId();
		const consent = fakeExecute({
			items: [{ contactId: c }],
			parameters: { ...base, operation: 'consent', contactId: c, consentChanges: { changes: [{ topic: 'email', granted: true }, { topic: 'night', granted: false }] }, occurredAt: '2026-01-01T00:00:00Z', source: 'form' },
		});
		const [[afterConsent]] = await action.execute.call(consent.ctx);
		expect(afterConsent.json.journeyEvent).toMatchObject({
			operation: 'consent',
			consent: { email: { granted: true, source: 'form', at: '2026-01-01T00:00:00.000Z' }, night: { granted: false, at: '2026-01-01T00:00:00.000Z' } },
			updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		const unsubscribe = fakeExecute({
			items: [{ contactId: c }],
			parameters: { ...base, operation: 'subscription', contactId: c, subscriptionAction: 'unsubscribe', channels: 'sms, email', occurredAt: '2026-01-02T00:00:00Z' },
		});
		const [[afterUnsubscribe]] = await action.execute.call(unsubscribe.ctx);
		expect(afterUnsubscribe.json.journeyEvent).toMatchObject({
			subscriptions: { sms: { subscribed: false, at: '2026-01-02T00:00:00.000Z' }, email: { subscribed: false, at: '2026-01-02T00:00:00.000Z' } },
		});

		await store.events.record([{ id: 'e', contactId: c, name: 'x', properties: {}, occurredAt: Date.now() }], { historyLimit: 5, ttlSeconds: 60 });
		const erase = fakeExecute({ items: [{ contactId: c }], parameters: { ...base, operation: 'erase', contactId: c } });
		const [[erased]] = await action.execute.call(erase.ctx);
		expect(erased.json.journeyEvent).toMatchObject({ operation: 'erase', erased: true });
		expect((erased.json.journeyEvent as { removedKeys: number }).removedKeys).toBeGreaterThanOrEqual(3);
		expect(await store.contacts.get([c])).toEqual([undefined]);
		expect(await store.events.list([{ contactId: c }])).toEqual([[]]);
	});
});
