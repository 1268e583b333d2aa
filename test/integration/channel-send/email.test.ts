/**
 * Channel Send's email channel against a real SMTP server on 127.0.0.1 (smtp-server): what the
 * server received (headers, both parts, the Korean advertising subject, List-Unsubscribe), the
 * exactly-once log, the before-send checks with the store's contact state, and bad input.
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSmtpPools, verifySmtp } from '../../../lib/channels/smtp';
import { readUnsubscribeToken, unsubscribeChange } from '../../../lib/channels/unsubscribe';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext, type ExecuteContextOptions } from '../../unit/helpers/executeContext';
import { startSmtp, type SmtpFixture } from './servers';

let smtp: SmtpFixture;
beforeAll(async () => {
	smtp = await startSmtp();
});
afterAll(async () => {
	closeSmtpPools();
	await smtp.close();
});

const store = getMemoryStore();

function credential(port = smtp.port) {
	return { channelSendSmtpApi: { host: '127.0.0.1', port, security: 'none', user: '', password: '', from: 'Acme Shop <news@acme.example>' } };
}

async function run(items: Array<Record<string, unknown>>, parameters: Record<string, unknown> = {}, extra: Partial<ExecuteContextOptions> = {}) {
	const ctx = executeContext({
		items,
		parameters: {
			channel: 'email',
			messageType: 'transactional',
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			to: (_i: number, item: INodeExecutionData) => item.json.email,
			subject: 'Your receipt',
			text: 'Thank you for your order.',
			html: '<p>Thank you for your <b>order</b>.</p>',
			store: 'memory',
			messageKey: (_i: number, item: INodeExecutionData) => item.json.key ?? '',
			options: { retries: 0 },
			...parameters,
		},
		credentials: credential(),
		...extra,
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json), raw: [sent, notSent] };
}

const contact = () => `c-${randomUUID()}`;
const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));

describe('Channel Send: email over SMTP', () => {
	it('sends one email with both parts and the headers, and reports it on Sent', async () => {
		const id = contact();
		const email = `${id}@example.com`;
		const { sent, notSent, raw } = await run([{ contactId: id, email, key: `receipt-${id}` }]);
		expect(notSent).toEqual([]);
		expect(sent).toHaveLength(1);
		expect(sent[0].send).toEqual({
			channel: 'email',
			provider: 'smtp',
			key: `receipt-${id}`,
			messageId: expect.stringMatching(/^<[\w-]{32}@acme\.example>$/),
			sentAt: expect.any(String),
		});
		expect(raw[0][0].pairedItem).toEqual({ item: 0 });
		const [mail] = mailsTo(email);
		expect(mail.from).toBe('news@acme.example');
		expect(mail.headers.from).toBe('Acme Shop <news@acme.example>');
		expect(mail.headers.to).toBe(email);
		expect(mail.headers.subject).toBe('Your receipt');
		expect(mail.headers['message-id']).toBe((sent[0].send as { messageId: string }).messageId);
		expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
		expect(mail.raw).toMatch(/Content-Type: text\/plain[^]*Thank you for your order\./);
		expect(mail.raw).toMatch(/Content-Type: text\/html[^]*<p>Thank you for your <b>order<\/b>\.<\/p>/);
		expect(mail.headers['list-unsubscribe']).toBeUndefined();
	});

	it('a key already sent leaves on Sent with duplicate: true and no second email; so does a node retry', async () => {
		const id = contact();
		const email = `${id}@example.com`;
		const first = await run([{ contactId: id, email, key: `k-${id}` }]);
		const again = await run([{ contactId: id, email, key: `k-${id}` }]);
		expect(again.sent[0].send).toMatchObject({ duplicate: true, messageId: (first.sent[0].send as { messageId: string }).messageId });
		// no explicit key: workflow + node + contact + execution + item, the same when n8n retries the node
		await run([{ contactId: id, email }], {}, { executionId: `exec-${id}` });
		const retried = await run([{ contactId: id, email }], {}, { executionId: `exec-${id}` });
		expect(retried.sent[0].send).toMatchObject({ duplicate: true });
		expect(mailsTo(email)).toHaveLength(2);
	});

	it('the key defaults to the journey entry of the item', async () => {
		const id = contact();
		const email = `${id}@example.com`;
		const item = { contactId: id, email, journey: { entryId: `entry-${id}` } };
		const a = await run([item], {}, { executionId: 'e-1' });
		const b = await run([item], {}, { executionId: 'e-2' });
		expect(a.sent[0].send).toMatchObject({ key: `journey:entry-${id}:node-1` });
		expect(b.sent[0].send).toMatchObject({ duplicate: true });
		expect(mailsTo(email)).toHaveLength(1);
	});

	it('records message_sent in the contact history', async () => {
		const id = contact();
		await run([{ contactId: id, email: `${id}@example.com`, key: `h-${id}` }], { options: { retries: 0, campaign: 'winter', tags: 'promo, sale' } });
		const [history] = await store.events.list([{ contactId: id, names: ['message_sent'] }]);
		expect(history).toHaveLength(1);
		expect(history[0].properties).toMatchObject({ channel: 'email', provider: 'smtp', messageKey: `h-${id}`, campaign: 'winter', tags: ['promo', 'sale'] });
	});

	it('a live lease is not sent again; an expired one (a crash mid-call) is outcome_unknown unless resending is allowed', async () => {
		const id = contact();
		const email = `${id}@example.com`;
		const log = { retentionMs: 3_600_000 };
		await store.sends.claim([{ contactId: id, messageKey: `live-${id}`, token: 'other-process', leaseMs: 60_000, takeUnknown: false }], log);
		const live = await run([{ contactId: id, email, key: `live-${id}` }]);
		expect(live.notSent[0].send).toMatchObject({ reason: 'in_progress', retryable: true, retryAt: expect.any(String) });

		await store.sends.claim([{ contactId: id, messageKey: `dead-${id}`, token: 'crashed-process', leaseMs: 1, takeUnknown: false }], log);
		await new Promise((resolve) => setTimeout(resolve, 10));
		const unknown = await run([{ contactId: id, email, key: `dead-${id}` }]);
		expect(unknown.notSent[0].send).toMatchObject({ reason: 'outcome_unknown', retryable: false });
		expect(mailsTo(email)).toHaveLength(0);
		const resent = await run([{ contactId: id, email, key: `dead-${id}` }], { options: { retries: 0, resendAfterUnknown: true } });
		expect(resent.sent).toHaveLength(1);
		expect(mailsTo(email)).toHaveLength(1);
	});

	it('marketing to a Korean recipient: "(광고)" subject, opt-out line and one-click List-Unsubscribe', async () => {
		const id = contact();
		const email = `${id}@example.kr`;
		await store.contacts.update([{ contactId: id, at: Date.now(), consent: { email: true, night: true } }], { ttlSeconds: 3600 });
		const unsubscribeUrl = 'http://127.0.0.1:5678/webhook/journey-events/unsubscribe?t=opaque-token';
		const { sent, notSent } = await run([{ contactId: id, email, key: `m-${id}` }], {
			messageType: 'marketing',
			subject: '겨울 세일 30%',
			options: { retries: 0, timezone: 'Asia/Seoul', optOutLine: '무료수신거부 080-123-4567', unsubscribeUrl },
		});
		expect(notSent).toEqual([]);
		expect(sent).toHaveLength(1);
		const [mail] = mailsTo(email);
		expect(mail.headers.subject).toBe('(광고) 겨울 세일 30%');
		expect(mail.headers['list-unsubscribe']).toBe(`<${unsubscribeUrl}>`);
		expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
		expect(mail.raw).toContain(unsubscribeUrl.slice(0, 40));
	});

	it('Unsubscribe Endpoint: a signed opaque link per contact; recording it stops the next marketing email', async () => {
		const id = contact();
		const email = `${id}@example.com`;
		const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
		await store.contacts.update([{ contactId: id, at: Date.now() - 1000, consent: { email: true } }], { ttlSeconds: 3600 });
		const parameters = {
			messageType: 'marketing',
			options: { retries: 0, koreanRules: 'never', unsubscribeEndpoint: 'http://127.0.0.1:5678/webhook/journey-events/unsubscribe' },
		};
		const credentials = { ...credential(), journeyEventSigningApi: { secret } };
		const first = await run([{ contactId: id, email, key: `u1-${id}` }], parameters, { credentials });
		expect(first.sent).toHaveLength(1);
		const [mail] = mailsTo(email);
		const link = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'])![1];
		expect(link).not.toContain(id);
		const claim = readUnsubscribeToken([secret], new URL(link).searchParams.get('token')!);
		expect(claim).toMatchObject({ contactId: id, channel: 'email' });
		// what the endpoint does with a one-click POST
		await store.contacts.update([unsubscribeChange(claim!, Date.now())], { ttlSeconds: 3600 });
		const second = await run([{ contactId: id, email, key: `u2-${id}` }], parameters, { credentials });
		expect(second.notSent[0].send).toMatchObject({ reason: 'unsubscribed' });
		expect(mailsTo(email)).toHaveLength(1);
	});

	it('marketing without consent, or after an unsubscribe, leaves on Not sent and sends nothing', async () => {
		const noConsent = contact();
		const unsubscribed = contact();
		await store.contacts.update([{ contactId: unsubscribed, at: Date.now(), consent: { email: true }, unsubscribe: ['email'] }], { ttlSeconds: 3600 });
		const { sent, notSent } = await run(
			[
				{ contactId: noConsent, email: `${noConsent}@example.com` },
				{ contactId: unsubscribed, email: `${unsubscribed}@example.com` },
			],
			{ messageType: 'marketing', options: { retries: 0, koreanRules: 'never' } },
		);
		expect(sent).toEqual([]);
		expect(notSent.map((j) => (j.send as { reason: string }).reason)).toEqual(['no_consent', 'unsubscribed']);
		expect(notSent[0].send).toMatchObject({ retryable: false, retryAt: null, channel: 'email' });
		expect(mailsTo(`${noConsent}@example.com`)).toHaveLength(0);
		expect(mailsTo(`${unsubscribed}@example.com`)).toHaveLength(0);
	});

	it('a recipient the server refuses is Not sent naming To; the key is free again and a Frequency Cap reservation is released', async () => {
		const id = contact();
		const rules = [{ kind: 'limit' as const, id: 'one a day', scope: 'all' as const, limit: 1, window: { kind: 'rolling' as const, ms: 86_400_000 } }];
		const [reserved] = await store.caps.apply([{ mode: 'reserve', contactId: id, messageKey: `fc-${id}`, rules }]);
		expect(reserved.allowed).toBe(true);
		const item = { contactId: id, email: `bounce-${id}@example.com`, key: `b-${id}`, frequencyCap: { messageKey: `fc-${id}` } };
		const { notSent } = await run([item]);
		expect(notSent[0].send).toMatchObject({ reason: 'provider_rejected', field: 'To', status: 550, retryable: false });
		const [again] = await store.caps.apply([{ mode: 'reserve', contactId: id, messageKey: `fc2-${id}`, rules }]);
		expect(again).toMatchObject({ allowed: true });
		const retry = await run([item]);
		expect(retry.notSent[0].send).toMatchObject({ reason: 'provider_rejected' });
	});

	it('an SMTP server that is down: Not sent, provider_error, retryable', async () => {
		const id = contact();
		const closed = await startSmtp();
		await closed.close();
		const ctxCredentials = credential(closed.port);
		const { notSent } = await run([{ contactId: id, email: `${id}@example.com`, key: `down-${id}` }], {}, { credentials: ctxCredentials });
		expect(notSent[0].send).toMatchObject({ reason: 'provider_error', retryable: true });
	});

	it('bad input names the parameter and the item (counted from 1)', async () => {
		const id = contact();
		await expect(run([{ contactId: id, email: `${id}@example.com` }, { contactId: id, email: '' }])).rejects.toThrow('Parameter "To": Item 2: To is empty');
		await expect(run([{ contactId: id, email: 'not-an-address' }])).rejects.toThrow('Parameter "To": Item 1: "not-an-address" is not an email address');
		await expect(run([{ contactId: '', email: `${id}@example.com` }])).rejects.toThrow('Parameter "Contact ID": Item 1: Contact ID is empty');
		await expect(run([{ contactId: id, email: `${id}@example.com` }], { options: { timezone: 'Mars/Olympus' } })).rejects.toThrow(
			'Parameter "Contact Time Zone": Item 1: "Mars/Olympus" is not a valid time zone',
		);
		const { sent, notSent } = await run([{ contactId: id, email: '' }, { contactId: id, email: `${id}@example.com`, key: `ok-${id}` }], {}, { continueOnFail: true });
		expect(notSent).toEqual([{ contactId: id, email: '', error: 'Parameter "To": Item 1: To is empty' }]);
		expect(sent).toHaveLength(1);
	});

	it('credential test: logs in, and names a refused login', async () => {
		const auth = await startSmtp({ user: 'mailer', password: 'right-pass' });
		try {
			const base = { host: '127.0.0.1', port: auth.port, security: 'none' as const, user: 'mailer', from: 'a@b.example' };
			expect(await verifySmtp({ ...base, password: 'right-pass' })).toEqual({ ok: true, message: `Connected to 127.0.0.1:${auth.port}` });
			const wrong = await verifySmtp({ ...base, password: 'wrong' });
			expect(wrong.ok).toBe(false);
			expect(wrong.message).toMatch(/refused the login.*535/);
			expect(auth.logins).toEqual([
				{ user: 'mailer', password: 'right-pass' },
				{ user: 'mailer', password: 'wrong' },
			]);
		} finally {
			await auth.close();
		}
	});
});
