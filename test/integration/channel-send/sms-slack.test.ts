/**
 * Channel Send's Twilio SMS and Slack channels against local HTTP servers speaking their APIs:
 * auth headers and bodies exactly, the Korean advertising text for a +82 number, the errors
 * that name a field, and bad input (invalid number, text too long).
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext } from '../../unit/helpers/executeContext';
import { startHttp, type HttpFixture } from './servers';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
let server: HttpFixture;
beforeAll(async () => {
	server = await startHttp();
});
afterAll(() => server.close());

async function run(channel: string, items: Array<Record<string, unknown>>, parameters: Record<string, unknown>, credentials: Record<string, Record<string, unknown>>) {
	const ctx = executeContext({
		items,
		parameters: {
			channel,
			messageType: 'transactional',
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			phone: (_i: number, item: INodeExecutionData) => item.json.phone,
			message: 'Your code is 123456',
			store: 'memory',
			messageKey: () => `k-${randomUUID()}`,
			options: { retries: 0 },
			...parameters,
		},
		credentials,
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json) };
}

const twilio = () => ({ channelSendTwilioApi: { accountSid: SID, authToken: 'token-1', from: '+14155550100', baseUrl: server.url } });

describe('Channel Send: SMS through Twilio', () => {
	it('posts Messages.json form-encoded with Basic auth', async () => {
		const before = server.requests.length;
		server.script.push({ status: 201, body: { sid: 'SM123' } });
		const { sent } = await run('twilioSms', [{ contactId: 'c1', phone: '+1 (415) 555-0199' }], {}, twilio());
		const request = server.requests[before];
		expect(request.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
		expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:token-1`).toString('base64')}`);
		expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({ To: '+14155550199', Body: 'Your code is 123456', From: '+14155550100' });
		expect(sent[0].send).toMatchObject({ channel: 'sms', provider: 'twilio', messageId: 'SM123' });
	});

	it('marketing to a +82 number carries "(광고)", the sender and the opt-out line', async () => {
		const contactId = `kr-${randomUUID()}`;
		await getMemoryStore().contacts.update([{ contactId, at: Date.now(), consent: { sms: true, night: true } }], { ttlSeconds: 3600 });
		const before = server.requests.length;
		server.script.push({ status: 201, body: { sid: 'SM124' } });
		const { sent } = await run('twilioSms', [{ contactId, phone: '+821012345678' }], {
			messageType: 'marketing',
			message: '겨울 세일 30%',
			options: { retries: 0, senderName: '에이크미', optOutLine: '무료수신거부 080-123-4567' },
		}, twilio());
		expect(sent).toHaveLength(1);
		expect(new URLSearchParams(server.requests[before].body).get('Body')).toBe('(광고)에이크미 겨울 세일 30%\n무료수신거부 080-123-4567');
	});

	it('an invalid number is refused naming Phone Number; a Twilio 21211 names it too', async () => {
		await expect(run('twilioSms', [{ contactId: 'c1', phone: '010-1234' }], {}, twilio())).rejects.toThrow('Parameter "Phone Number": Item 1: "010-1234" is not a phone number in +E.164 form');
		server.script.push({ status: 400, body: { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number.", status: 400 } });
		const { notSent } = await run('twilioSms', [{ contactId: 'c1', phone: '+15005550001' }], {}, twilio());
		expect(notSent[0].send).toMatchObject({ reason: 'provider_rejected', field: 'Phone Number', status: 400, retryable: false });
	});

	it('a text too long for an SMS names Text and the item', async () => {
		await expect(run('twilioSms', [{ contactId: 'c1', phone: '+14155550199' }], { message: 'x'.repeat(1601) }, twilio())).rejects.toThrow(
			'Parameter "Text": Item 1: the text is 1601 characters, more than the 1600 an SMS can carry',
		);
	});
});

describe('Channel Send: Slack', () => {
	it('an incoming webhook gets the text', async () => {
		const before = server.requests.length;
		const { sent } = await run('slack', [{ contactId: 'ops' }], { message: 'Cart abandoned: 3 items' }, { channelSendSlackApi: { connection: 'webhook', webhookUrl: `${server.url}/services/T/B/x` } });
		expect(server.requests[before].url).toBe('/services/T/B/x');
		expect(JSON.parse(server.requests[before].body)).toEqual({ text: 'Cart abandoned: 3 items' });
		expect(sent[0].send).toMatchObject({ channel: 'slack', provider: 'slack' });
	});

	it('chat.postMessage with the bot token; ok:false names the field', async () => {
		const credentials = { channelSendSlackApi: { connection: 'bot', botToken: 'xoxb-test', baseUrl: server.url } };
		const before = server.requests.length;
		server.script.push({ status: 200, body: { ok: true, channel: 'C1', ts: '1700000000.0001' } });
		const { sent } = await run('slack', [{ contactId: 'ops' }], { slackChannel: '#alerts' }, credentials);
		expect(server.requests[before].url).toBe('/chat.postMessage');
		expect(server.requests[before].headers.authorization).toBe('Bearer xoxb-test');
		expect(JSON.parse(server.requests[before].body)).toEqual({ channel: '#alerts', text: 'Your code is 123456' });
		expect(sent[0].send).toMatchObject({ messageId: 'C1:1700000000.0001' });
		server.script.push({ status: 200, body: { ok: false, error: 'channel_not_found' } });
		const { notSent } = await run('slack', [{ contactId: 'ops' }], { slackChannel: '#nope' }, credentials);
		expect(notSent[0].send).toMatchObject({ reason: 'provider_rejected', field: 'Slack Channel', retryable: false });
	});
});
