/**
 * The Journey Event Trigger's one-click unsubscribe endpoint (the link Channel Send puts in
 * List-Unsubscribe), over the process memory store: POST records, GET only shows the page,
 * a bad token records nothing, and the link Channel Send makes is the path the trigger serves.
 */
import { randomUUID } from 'node:crypto';
import { NodeHelpers } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { unsubscribeToken, unsubscribeUrl } from '../../../lib/channels/unsubscribe';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { fakeWebhook } from './helpers';

const store = getMemoryStore();
const trigger = new JourneyEventTrigger();
const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const OLD_SECRET = 'whsec_' + Buffer.alloc(32, 8).toString('base64');

function call(method: 'GET' | 'POST', query: Record<string, unknown>, options: { mode?: string; secret?: string } = {}) {
	const hook = fakeWebhook({
		method,
		query,
		webhookName: 'setup',
		// what a mail client sends for one-click (RFC 8058), without any signature headers
		body: method === 'POST' ? { 'List-Unsubscribe': 'One-Click' } : {},
		parameters: { path: 'journey-events', store: 'memory', record: true, options: {} },
		credentials: { secret: options.secret ?? SECRET, previousSecret: OLD_SECRET },
		mode: options.mode,
	});
	return { hook, run: () => trigger.webhook.call(hook.ctx) };
}

const contactId = () => `c-${randomUUID()}`;
const tokenFor = (id: string, channel = 'email', secret = SECRET) => unsubscribeToken(secret, { contactId: id, channel, issuedAt: Date.now() - 60_000 });
const stateOf = async (id: string) => (await store.contacts.get([id]))[0];

describe('Journey Event Trigger: unsubscribe endpoint', () => {
	it('serves POST and GET on <path>/unsubscribe, the URL Channel Send links to', () => {
		const hooks = trigger.description.webhooks!.filter((w) => w.name === 'setup');
		expect(hooks.map((w) => w.httpMethod).sort()).toEqual(['GET', 'POST']);
		for (const hook of hooks) {
			expect(hook.isFullPath).toBe(true);
			expect(hook.path).toBe('={{ $parameter["path"] + "/unsubscribe" }}');
		}
		// Channel Send's Unsubscribe Endpoint is that URL; the link only adds ?token=
		const link = new URL(unsubscribeUrl('https://n8n.example.com/webhook/journey-events/unsubscribe', SECRET, { contactId: 'c-1', channel: 'email', issuedAt: 1 }));
		expect(link.pathname).toBe('/webhook/journey-events/unsubscribe');
		expect([...link.searchParams.keys()]).toEqual(['token']);
	});

	it("n8n keeps Channel Send's email options (Unsubscribe Endpoint, From) inside its Options collection", () => {
		const description = new ChannelSend().description;
		const options = { unsubscribeEndpoint: 'https://n8n.example.com/webhook/journey-events/unsubscribe', unsubscribeUrl: 'https://x.example/u', from: 'news@acme.example', replyTo: 'help@acme.example', retries: 0 };
		// what n8n does to saved parameters before the node reads them: hidden options are dropped
		const resolved = NodeHelpers.getNodeParameters(description.properties, { channel: 'email', messageType: 'marketing', options }, false, false, null, description);
		expect(resolved?.options).toEqual(options);
		const forSlack = NodeHelpers.getNodeParameters(description.properties, { channel: 'slack', messageType: 'marketing', options }, false, false, null, description);
		expect(forSlack?.options).toEqual({ retries: 0 });
	});

	it('one-click POST with a valid token records the unsubscribe and does not start the workflow', async () => {
		const id = contactId();
		await store.contacts.update([{ contactId: id, at: Date.now() - 120_000, consent: { email: true } }], { ttlSeconds: 3600 });
		const { hook, run } = call('POST', { token: tokenFor(id) });
		const result = await run();
		expect(result).toEqual({ noWebhookResponse: true });
		expect(hook.response.status).toBe(200);
		expect(hook.response.headers?.['content-type']).toBe('text/html; charset=utf-8');
		expect(hook.response.text).toContain('수신거부가 처리되었습니다');
		expect(hook.response.text).toContain('You are unsubscribed');
		const state = await stateOf(id);
		expect(state?.subscriptions.email).toMatchObject({ subscribed: false, source: 'unsubscribe link' });
		// a second click changes nothing but still answers 200
		const again = call('POST', { token: tokenFor(id) });
		await again.run();
		expect(again.hook.response.status).toBe(200);
		expect((await stateOf(id))?.subscriptions.email?.subscribed).toBe(false);
	});

	it('GET shows the bilingual confirmation page with a button that POSTs, and records nothing', async () => {
		const id = contactId();
		const { hook, run } = call('GET', { token: tokenFor(id) });
		const result = await run();
		expect(result).toEqual({ noWebhookResponse: true });
		expect(hook.response.status).toBe(200);
		const page = hook.response.text ?? '';
		expect(page).toContain('<form method="post">');
		expect(page).toContain('name="List-Unsubscribe" value="One-Click"');
		expect(page).toMatch(/광고성 메일/);
		expect(page).toMatch(/stop receiving marketing email/);
		// self-contained: no external scripts, styles, images or fonts
		expect(page).not.toMatch(/<script|<link|<img|src=|https?:\/\//);
		expect(hook.response.headers?.['content-security-policy']).toContain("default-src 'none'");
		expect(hook.response.headers?.['referrer-policy']).toBe('no-referrer');
		expect(await stateOf(id)).toBeUndefined();
	});

	it('refuses a missing, altered or foreign token (400/404) and records nothing', async () => {
		const id = contactId();
		const token = tokenFor(id);
		const altered = Buffer.from(token, 'base64url');
		altered[14] ^= 1;
		const foreign = tokenFor(id, 'email', 'whsec_' + Buffer.alloc(32, 9).toString('base64'));
		const cases: Array<[Record<string, unknown>, number]> = [
			[{}, 400],
			[{ token: '' }, 400],
			[{ token: altered.toString('base64url') }, 404],
			[{ token: foreign }, 404],
			[{ token: 'not-a-token' }, 404],
		];
		for (const [query, status] of cases) {
			for (const method of ['POST', 'GET'] as const) {
				const { hook, run } = call(method, query);
				expect(await run()).toEqual({ noWebhookResponse: true });
				expect(hook.response.status, `${method} ${JSON.stringify(query)}`).toBe(status);
				expect(hook.response.text).not.toContain('<form');
				expect(hook.logs.some((l) => l.level === 'warn' && l.message.includes(`HTTP ${status}`))).toBe(true);
			}
		}
		expect(await stateOf(id)).toBeUndefined();
	});

	it("accepts links signed with the credential's previous secret (rotation)", async () => {
		const id = contactId();
		const { hook, run } = call('POST', { token: tokenFor(id, 'email', OLD_SECRET) });
		await run();
		expect(hook.response.status).toBe(200);
		expect((await stateOf(id))?.subscriptions.email?.subscribed).toBe(false);
	});

	it('a link made for a consent topic unsubscribes from it and withdraws that consent', async () => {
		const id = contactId();
		await store.contacts.update([{ contactId: id, at: Date.now() - 120_000, consent: { email: true, newsletter: true } }], { ttlSeconds: 3600 });
		await call('POST', { token: tokenFor(id, 'newsletter') }).run();
		const state = await stateOf(id);
		expect(state?.subscriptions.newsletter?.subscribed).toBe(false);
		expect(state?.consent.newsletter?.granted).toBe(false);
		// other lists on the same channel are untouched
		expect(state?.consent.email?.granted).toBe(true);
		expect(state?.subscriptions.email).toBeUndefined();
	});

	it('a test call from the editor shows what was done as one item', async () => {
		const id = contactId();
		const { run } = call('POST', { token: tokenFor(id) }, { mode: 'manual' });
		const result = await run();
		expect(result.workflowData?.[0][0].json).toMatchObject({ unsubscribe: { outcome: 'unsubscribed', status: 200, contactId: id, channel: 'email' } });
		const refused = await call('GET', { token: 'nope' }, { mode: 'manual' }).run();
		expect(refused.workflowData?.[0][0].json).toMatchObject({ unsubscribe: { outcome: 'unknown_link', status: 404 } });
	});

	it('the events webhook still requires signed deliveries', async () => {
		const hook = fakeWebhook({ body: { contactId: 'x', name: 'y' }, parameters: { store: 'memory', record: true, options: {} }, credentials: { secret: SECRET } });
		await trigger.webhook.call(hook.ctx);
		expect(hook.response.status).toBe(401);
	});
});
