/**
 * Channel Send's Resend email channel against a local HTTP server speaking Resend's
 * `POST /emails`: the Authorization and Idempotency-Key headers and the body exactly, 429 with
 * Retry-After, a 422 naming the field, and a resend after a 500 under the same Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext } from '../../unit/helpers/executeContext';
import { startHttp, type HttpFixture } from './servers';

let resend: HttpFixture;
beforeAll(async () => {
	resend = await startHttp();
});
afterAll(() => resend.close());

async function run(items: Array<Record<string, unknown>>, options: Record<string, unknown> = {}) {
	const ctx = executeContext({
		items,
		parameters: {
			channel: 'resendEmail',
			messageType: 'transactional',
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			to: (_i: number, item: INodeExecutionData) => item.json.email,
			subject: 'Your receipt',
			text: 'Thank you.',
			html: '<p>Thank you.</p>',
			store: 'memory',
			messageKey: (_i: number, item: INodeExecutionData) => item.json.key,
			options: { retries: 2, maxRetryDelaySeconds: 2, ...options },
		},
		credentials: { channelSendResendApi: { apiKey: 're_test_123', from: 'Acme <news@acme.example>', baseUrl: `${resend.url}/` } },
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json) };
}

const forKey = (key: string) => resend.requests.filter((r) => r.headers['idempotency-key'] === key);

describe('Channel Send: email through Resend', () => {
	it('posts /emails with the API key, the message key as Idempotency-Key and the message', async () => {
		const key = `r-${randomUUID()}`;
		resend.script.push({ status: 200, body: { id: 'resend-id-1' } });
		const { sent } = await run([{ contactId: 'c1', email: 'ann@example.com', key }]);
		const [request] = forKey(key);
		expect(request.method).toBe('POST');
		expect(request.url).toBe('/emails');
		expect(request.headers.authorization).toBe('Bearer re_test_123');
		expect(JSON.parse(request.body)).toEqual({
			from: 'Acme <news@acme.example>',
			to: ['ann@example.com'],
			subject: 'Your receipt',
			text: 'Thank you.',
			html: '<p>Thank you.</p>',
		});
		expect(sent[0].send).toMatchObject({ channel: 'email', provider: 'resend', messageId: 'resend-id-1', key });
	});

	it('429 with Retry-After is retried; a 500 leaves the outcome unknown and the next run resends under the same key', async () => {
		const key = `r-${randomUUID()}`;
		resend.script.push({ status: 429, headers: { 'retry-after': '1' }, body: { name: 'rate_limit_exceeded', message: 'Too many requests' } });
		expect((await run([{ contactId: 'c1', email: 'ann@example.com', key }])).sent).toHaveLength(1);
		expect(forKey(key)).toHaveLength(2);

		const other = `r-${randomUUID()}`;
		resend.script.push({ status: 500 });
		const failed = await run([{ contactId: 'c1', email: 'ann@example.com', key: other }], { retries: 0 });
		expect(failed.notSent[0].send).toMatchObject({ reason: 'provider_error', status: 500, retryable: true });
		const resent = await run([{ contactId: 'c1', email: 'ann@example.com', key: other }], { retries: 0 });
		expect(resent.sent).toHaveLength(1);
		expect(forKey(other)).toHaveLength(2);
	});

	it('a 422 names the field to fix and is not retried', async () => {
		const key = `r-${randomUUID()}`;
		resend.script.push({ status: 422, body: { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field.' } });
		const { notSent } = await run([{ contactId: 'c1', email: 'ann@example.com', key }]);
		expect(notSent[0].send).toMatchObject({ reason: 'provider_rejected', field: 'To', status: 422, retryable: false });
		expect(forKey(key)).toHaveLength(1);
	});
});
