import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { isKoreanRecipient, ItemError, koreanAdText, parseTwilioConfig, sendTwilio, TWILIO_MAX_BODY } from '../../../lib';
import { required, text, type ChannelConnection, type ItemContext } from './shared';

export const channel = 'sms';
export const provider = 'twilio';
/** Twilio has no idempotency key for messages */
export const idempotent = false;

const E164 = /^\+[1-9]\d{6,14}$/;

interface SmsPayload {
	to: string;
	body: string;
}

/** A +82 number makes the Korean advertising rules apply (Options → Korean Advertising Rules: automatic). */
export function koreanRecipient(ctx: IExecuteFunctions, itemIndex: number): boolean {
	return isKoreanRecipient({ phone: text(ctx.getNodeParameter('phone', itemIndex, '')) });
}

/** SMS: a +E.164 number and a text within Twilio's limit; marketing to Korea gets "(광고)" and the opt-out line. */
export function prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): SmsPayload {
	const raw = required(ctx, 'phone', 'Phone Number', item, 'Map "Phone Number" to the contact\'s number, e.g. {{ $json.phone }}.');
	const to = raw.replace(/[\s().-]/g, '');
	if (!E164.test(to)) {
		throw new ItemError(`Item ${item.itemNumber}: "${raw}" is not a phone number in +E.164 form`, 'Use the country code, e.g. +14155550100 or +821012345678.', 'Phone Number');
	}
	let body = required(ctx, 'message', 'Text', item, 'Enter the message text.');
	if (item.marketing && item.korean) {
		const optOut = text(item.options.optOutLine);
		if (!optOut) {
			throw new ItemError(`Item ${item.itemNumber}: a Korean advertising SMS must end with a free opt-out line`, 'Set Options → Opt-Out Line, e.g. 무료수신거부 080-123-4567.', 'Opt-Out Line');
		}
		body = koreanAdText(body, text(item.options.senderName), optOut);
	}
	if (body.length > TWILIO_MAX_BODY) {
		throw new ItemError(`Item ${item.itemNumber}: the text is ${body.length} characters, more than the ${TWILIO_MAX_BODY} an SMS can carry`, 'Shorten "Text" or send a link instead.', 'Text');
	}
	return { to, body };
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<SmsPayload>> {
	const data = await ctx.getCredentials('channelSendTwilioApi');
	let config;
	try {
		config = parseTwilioConfig(data as Record<string, unknown>);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The Channel Send Twilio credential is invalid: ${(error as Error).message}`, {
			description: 'Open the credential and fix the field the message names.',
		});
	}
	return { slotKey: `twilio:${config.baseUrl}:${config.accountSid}`, send: (payload) => sendTwilio(config, payload) };
}
