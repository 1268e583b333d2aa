/**
 * Channel Send's FCM push channel against a local HTTP server playing Google's OAuth token
 * endpoint (it verifies the service account's RS256 JWT with the public key) and FCM's
 * `messages:send`: the token is fetched once and cached, the message body is exact, and an
 * unregistered device token is reported as such.
 */
import { createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { executeContext } from '../../unit/helpers/executeContext';
import { startHttp, type HttpFixture } from './servers';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let server: HttpFixture;
let serviceAccount: string;
beforeAll(async () => {
	server = await startHttp();
	serviceAccount = JSON.stringify({
		type: 'service_account',
		project_id: 'acme-app',
		client_email: `push-${randomUUID().slice(0, 6)}@acme-app.iam.gserviceaccount.com`,
		private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
		token_uri: `${server.url}/token`,
	});
});
afterAll(() => server.close());

async function run(items: Array<Record<string, unknown>>, parameters: Record<string, unknown> = {}) {
	const ctx = executeContext({
		items,
		parameters: {
			channel: 'fcmPush',
			messageType: 'transactional',
			contactId: (_i: number, item: INodeExecutionData) => item.json.contactId,
			registrationId: (_i: number, item: INodeExecutionData) => item.json.fcmToken,
			title: 'Your order shipped',
			message: 'It arrives tomorrow',
			image: '',
			link: 'acme://orders/42',
			pushData: '{"orderId": "42"}',
			store: 'memory',
			messageKey: () => `k-${randomUUID()}`,
			options: { retries: 0 },
			...parameters,
		},
		credentials: { channelSendFcmApi: { serviceAccount, baseUrl: server.url } },
	});
	const [sent, notSent] = await new ChannelSend().execute.call(ctx);
	return { sent: sent.map((o) => o.json), notSent: notSent.map((o) => o.json) };
}

describe('Channel Send: push through FCM HTTP v1', () => {
	it('gets an access token with a signed JWT once, then posts messages:send with it', async () => {
		const before = server.requests.length;
		server.script.push({ status: 200, body: { access_token: 'ya29.test', expires_in: 3600 } }, { status: 200, body: { name: 'projects/acme-app/messages/1' } });
		const first = await run([{ contactId: 'c1', fcmToken: 'device-1' }]);
		const [tokenRequest, sendRequest] = server.requests.slice(before);
		expect(tokenRequest.url).toBe('/token');
		const form = new URLSearchParams(tokenRequest.body);
		expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
		const [header, claims, signature] = form.get('assertion')!.split('.');
		expect(createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, signature, 'base64url')).toBe(true);
		expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toMatchObject({
			iss: JSON.parse(serviceAccount).client_email,
			scope: 'https://www.googleapis.com/auth/firebase.messaging',
			aud: `${server.url}/token`,
		});
		expect(sendRequest.url).toBe('/v1/projects/acme-app/messages:send');
		expect(sendRequest.headers.authorization).toBe('Bearer ya29.test');
		expect(JSON.parse(sendRequest.body)).toEqual({
			message: {
				token: 'device-1',
				notification: { title: 'Your order shipped', body: 'It arrives tomorrow' },
				data: { orderId: '42', link: 'acme://orders/42' },
				webpush: { fcm_options: { link: 'acme://orders/42' } },
			},
		});
		expect(first.sent[0].send).toMatchObject({ channel: 'push', provider: 'fcm', messageId: 'projects/acme-app/messages/1' });

		server.script.push({ status: 200, body: { name: 'projects/acme-app/messages/2' } });
		await run([{ contactId: 'c1', fcmToken: 'device-2' }]);
		expect(server.requests.slice(before).map((r) => r.url)).toEqual(['/token', '/v1/projects/acme-app/messages:send', '/v1/projects/acme-app/messages:send']);
	});

	it('an unregistered device token is reported so the journey can drop it', async () => {
		server.script.push({
			status: 404,
			body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } },
		});
		const { notSent } = await run([{ contactId: 'c1', fcmToken: 'stale-device' }]);
		expect(notSent[0].send).toMatchObject({ reason: 'unregistered_token', field: 'Device Registration ID', status: 404, retryable: false });
	});

	it('bad input: no device, data that is not an object', async () => {
		await expect(run([{ contactId: 'c1', fcmToken: '' }])).rejects.toThrow('Parameter "Device Registration ID": Item 1: Device Registration ID is empty');
		await expect(run([{ contactId: 'c1', fcmToken: 'd' }], { pushData: '[1,2]' })).rejects.toThrow('Parameter "Data": Item 1: Data is not a JSON object');
	});
});
