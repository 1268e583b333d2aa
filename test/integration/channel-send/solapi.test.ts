/**
 * Channel Send's SOLAPI channels (Korean SMS/LMS, Kakao AlimTalk with SMS fallback) against a
 * local HTTP server speaking `POST /messages/v4/send-many/detail`: the HMAC-SHA256 Authorization
 * recomputed, SMS vs LMS by the 90-byte EUC-KR rule, an AlimTalk refusal that falls back to SMS,
 * AlimTalk marketing refused, and bad input.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eucKrLength, smsType } from '../../../lib/channels/solapi';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext } from '../../unit/helpers/executeContext';
import { startHttp, type HttpFixture, type HttpRequestSeen } from './servers';

let server: HttpFixture;
beforeAll(async () => {
	server = await startHttp();
});
afterAll(() => server.close());

const SECRET = 'solapi-secret-1';

async function run(channel: string, items: Array<Record<string, unknown>>, parameters: Record<string, unknown> = {}) {
	const ctx = executeContext({
		items,
		parameters: {
			channel,
			messageType: 'transactional',
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			phone: (_i: number, item: INodeExecutionData) => item.json.phone,
			message: '주문하신 상품이 발송되었습니다.',
			pfId: 'KA01PF-acme',
			templateId: 'TPL-shipped',
			templateVariables: '{"#{name}": "김민수", "#{order}": "A-42"}',
			smsFallback: true,
			store: 'memory',
			messageKey: () => `k-${randomUUID()}`,
			options: { retries: 0 },
			...parameters,
		},
		credentials: { channelSendSolapiApi: { apiKey: 'NCSKEY123', apiSecret: SECRET, from: '02-1234-5678', baseUrl: server.url } },
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json) };
}

function checkAuth(request: HttpRequestSeen) {
	const match = /^HMAC-SHA256 apiKey=(\S+), date=(\S+), salt=(\S+), signature=([0-9a-f]{64})$/.exec(String(request.headers.authorization));
	expect(match).not.toBeNull();
	const [, apiKey, date, salt, signature] = match!;
	expect(apiKey).toBe('NCSKEY123');
	expect(Math.abs(Date.parse(date) - Date.now())).toBeLessThan(60_000);
	expect(signature).toBe(createHmac('sha256', SECRET).update(date + salt).digest('hex'));
}

const ok = (id: string) => ({ status: 200, body: { groupInfo: { count: { total: 1 } }, failedMessageList: [], messageList: [{ messageId: id, statusCode: '2000' }] } });

describe('Channel Send: SOLAPI SMS / LMS', () => {
	it('counts EUC-KR bytes: Hangul 2, ASCII 1; over 90 bytes is LMS', () => {
		expect(eucKrLength('abc')).toBe(3);
		expect(eucKrLength('가나다')).toBe(6);
		expect(smsType('가'.repeat(45))).toBe('SMS');
		expect(smsType('가'.repeat(45) + 'a')).toBe('LMS');
	});

	it('sends a short text as SMS with the HMAC signature and the domestic numbers', async () => {
		const before = server.requests.length;
		server.script.push(ok('M-1'));
		const { sent } = await run('solapiSms', [{ contactId: 'c1', phone: '+82 10-1234-5678' }]);
		const request = server.requests[before];
		expect(request.url).toBe('/messages/v4/send-many/detail');
		checkAuth(request);
		expect(JSON.parse(request.body)).toEqual({ messages: [{ to: '01012345678', from: '0212345678', text: '주문하신 상품이 발송되었습니다.', type: 'SMS' }] });
		expect(sent[0].send).toMatchObject({ channel: 'sms', provider: 'solapi', messageId: 'M-1' });
	});

	it('a long text goes as LMS; marketing carries "(광고)" and the opt-out line', async () => {
		const contactId = `kr-${randomUUID()}`;
		await getMemoryStore().contacts.update([{ contactId, at: Date.now(), consent: { sms: true, night: true } }], { ttlSeconds: 3600 });
		const before = server.requests.length;
		server.script.push(ok('M-2'));
		await run('solapiSms', [{ contactId, phone: '010-2222-3333' }], {
			messageType: 'marketing',
			message: '겨울 세일 30%',
			options: { retries: 0, senderName: '에이크미', optOutLine: '무료수신거부 080-123-4567' },
		});
		const message = JSON.parse(server.requests[before].body).messages[0];
		expect(message.text).toBe('(광고)에이크미 겨울 세일 30%\n무료수신거부 080-123-4567');
		expect(message.type).toBe('SMS');
	});

	it('bad input: a number that is not Korean, a text over 2 000 bytes', async () => {
		await expect(run('solapiSms', [{ contactId: 'c1', phone: '+1 415 555 0100' }])).rejects.toThrow('Parameter "Phone Number": Item 1: "+1 415 555 0100" is not a Korean phone number');
		await expect(run('solapiSms', [{ contactId: 'c1', phone: '01012345678' }], { message: '가'.repeat(1001) })).rejects.toThrow(
			'Parameter "Text": Item 1: the text is 2002 bytes (EUC-KR), more than the 2000 an LMS can carry',
		);
	});
});

describe('Channel Send: Kakao AlimTalk through SOLAPI', () => {
	it('sends the template with its variables and the fallback text', async () => {
		const before = server.requests.length;
		server.script.push(ok('A-1'));
		const { sent } = await run('alimTalk', [{ contactId: 'c1', phone: '01012345678' }]);
		checkAuth(server.requests[before]);
		expect(JSON.parse(server.requests[before].body)).toEqual({
			messages: [
				{
					to: '01012345678',
					from: '0212345678',
					text: '주문하신 상품이 발송되었습니다.',
					type: 'ATA',
					kakaoOptions: { pfId: 'KA01PF-acme', templateId: 'TPL-shipped', variables: { '#{name}': '김민수', '#{order}': 'A-42' }, disableSms: false },
				},
			],
		});
		expect(sent[0].send).toMatchObject({ channel: 'alimtalk', provider: 'solapi', messageId: 'A-1' });
		expect(sent[0].send).not.toHaveProperty('fallback');
	});

	it('an AlimTalk SOLAPI refuses falls back to SMS: send.fallback = sms', async () => {
		const before = server.requests.length;
		server.script.push(
			{ status: 200, body: { failedMessageList: [{ to: '01012345678', statusCode: '3034', statusMessage: '템플릿 내용이 일치하지 않습니다' }], messageList: [] } },
			ok('S-9'),
		);
		const { sent } = await run('alimTalk', [{ contactId: 'c1', phone: '01012345678' }]);
		const bodies = server.requests.slice(before).map((r) => JSON.parse(r.body).messages[0]);
		expect(bodies.map((m) => m.type)).toEqual(['ATA', 'SMS']);
		expect(bodies[1]).toEqual({ to: '01012345678', from: '0212345678', text: '주문하신 상품이 발송되었습니다.', type: 'SMS' });
		expect(sent[0].send).toMatchObject({ channel: 'alimtalk', messageId: 'S-9', fallback: 'sms' });
	});

	it('without fallback the refusal is Not sent naming Template Variables', async () => {
		server.script.push({ status: 200, body: { failedMessageList: [{ statusCode: '3034', statusMessage: '템플릿 내용이 일치하지 않습니다' }] } });
		const { notSent } = await run('alimTalk', [{ contactId: 'c1', phone: '01012345678' }], { smsFallback: false });
		expect(notSent[0].send).toMatchObject({ reason: 'solapi_3034', field: 'Template Variables', retryable: false });
	});

	it('marketing on AlimTalk is refused and says what to use instead', async () => {
		const contactId = `kr-${randomUUID()}`;
		await getMemoryStore().contacts.update([{ contactId, at: Date.now(), consent: { alimtalk: true, night: true } }], { ttlSeconds: 3600 });
		const before = server.requests.length;
		const { notSent } = await run('alimTalk', [{ contactId, phone: '01012345678' }], { messageType: 'marketing', options: { retries: 0, optOutLine: '무료수신거부 080-123-4567' } });
		expect(notSent[0].send).toMatchObject({ reason: 'alimtalk_marketing', message: expect.stringContaining('SMS/LMS or a Kakao brand message') });
		expect(server.requests.length).toBe(before);
	});

	it('unknown template variables name the parameter', async () => {
		await expect(run('alimTalk', [{ contactId: 'c1', phone: '01012345678' }], { templateVariables: '{"name": "Kim"}' })).rejects.toThrow(
			'Parameter "Template Variables": Item 1: "name" is not a template variable',
		);
	});
});
