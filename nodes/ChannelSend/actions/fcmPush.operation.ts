import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { ItemError, koreanAdText, parseFcmConfig, sendFcm, type PushMessage } from '../../../lib';
import { required, text, type ChannelConnection, type ItemContext } from './shared';

export const channel = 'push';
export const provider = 'fcm';
/** FCM has no idempotency key */
export const idempotent = false;

/** FCM refuses a message over 4 096 bytes. */
const FCM_MAX_BYTES = 4096;

/** Push: device token, title, body, optional image, deep link and data; Korean marketing text gets "(광고)" and the opt-out line. */
export function prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): PushMessage {
	const token = required(ctx, 'registrationId', 'Device Registration ID', item, 'Map "Device Registration ID" to the contact\'s FCM registration token, e.g. {{ $json.fcmToken }}.');
	let title = required(ctx, 'title', 'Title', item, 'Enter the notification title.');
	let body = required(ctx, 'message', 'Text', item, 'Enter the notification text.');
	if (item.marketing && item.korean) {
		const optOut = text(item.options.optOutLine);
		if (!optOut) {
			throw new ItemError(`Item ${item.itemNumber}: a Korean advertising push must carry a free opt-out line`, 'Set Options → Opt-Out Line, e.g. 수신거부: 설정 > 알림.', 'Opt-Out Line');
		}
		title = title.startsWith('(광고)') ? title : `(광고) ${title}`;
		body = koreanAdText(body, text(item.options.senderName), optOut);
	}
	const rawData = ctx.getNodeParameter('pushData', itemIndex, {}) as IDataObject | string;
	let data: Record<string, string> = {};
	if (typeof rawData === 'string' && rawData.trim()) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(rawData);
		} catch {
			parsed = undefined;
		}
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
			throw new ItemError(`Item ${item.itemNumber}: Data is not a JSON object`, 'Make "Data" an object of strings, e.g. {"cartId": "{{ $json.cartId }}"}.', 'Data');
		}
		data = Object.fromEntries(Object.entries(parsed as IDataObject).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
	} else if (rawData && typeof rawData === 'object') {
		data = Object.fromEntries(Object.entries(rawData).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
	}
	const message: PushMessage = {
		token,
		title,
		body,
		image: text(ctx.getNodeParameter('image', itemIndex, '')) || undefined,
		link: text(ctx.getNodeParameter('link', itemIndex, '')) || undefined,
		data,
	};
	const size = Buffer.byteLength(JSON.stringify(message));
	if (size > FCM_MAX_BYTES) {
		throw new ItemError(`Item ${item.itemNumber}: the push is ${size} bytes, more than FCM's ${FCM_MAX_BYTES}`, 'Shorten "Text", "Title" or "Data".', 'Text');
	}
	return message;
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<PushMessage>> {
	const data = await ctx.getCredentials('channelSendFcmApi');
	let config;
	try {
		config = parseFcmConfig(data as Record<string, unknown>);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The Channel Send FCM credential is invalid: ${(error as Error).message}`, {
			description: 'Open the credential and fix the field the message names.',
		});
	}
	return { slotKey: `fcm:${config.baseUrl}:${config.clientEmail}`, send: (payload) => sendFcm(config, payload) };
}
