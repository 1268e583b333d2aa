import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	eucKrLength,
	ItemError,
	koreanAdText,
	koreanNumber,
	LMS_MAX_BYTES,
	parseSolapiConfig,
	sendSolapiText,
	type KoreanTextMessage,
	type SolapiConfig,
} from '../../../lib';
import { required, text, type ChannelConnection, type ItemContext } from './shared';

export const channel = 'sms';
export const provider = 'solapi';
/** SOLAPI has no idempotency key */
export const idempotent = false;

/** Every SOLAPI number is Korean: the Korean advertising rules apply to marketing (automatic mode). */
export function koreanRecipient(): boolean {
	return true;
}

/** The recipient as SOLAPI wants it (domestic digits), naming the parameter when it is not a Korean number. */
export function readKoreanNumber(ctx: IExecuteFunctions, item: ItemContext): string {
	const raw = required(ctx, 'phone', 'Phone Number', item, 'Map "Phone Number" to the contact\'s number, e.g. {{ $json.phone }}.');
	const to = koreanNumber(raw);
	if (!to) throw new ItemError(`Item ${item.itemNumber}: "${raw}" is not a Korean phone number`, 'Use 010-1234-5678 or +82 10-1234-5678; for other countries use SMS (Twilio).', 'Phone Number');
	return to;
}

/** SMS or LMS text: Korean advertising text for marketing, at most 2 000 EUC-KR bytes. */
export function readKoreanText(ctx: IExecuteFunctions, item: ItemContext, name: string, label: string): string {
	let body = required(ctx, name, label, item, `Enter "${label}".`);
	if (item.marketing) {
		const optOut = text(item.options.optOutLine);
		if (!optOut) {
			throw new ItemError(`Item ${item.itemNumber}: a Korean advertising SMS must end with a free opt-out line`, 'Set Options → Opt-Out Line, e.g. 무료수신거부 080-123-4567.', 'Opt-Out Line');
		}
		body = koreanAdText(body, text(item.options.senderName), optOut);
	}
	const bytes = eucKrLength(body);
	if (bytes > LMS_MAX_BYTES) {
		throw new ItemError(`Item ${item.itemNumber}: the text is ${bytes} bytes (EUC-KR), more than the ${LMS_MAX_BYTES} an LMS can carry`, `Shorten "${label}" or send a link instead.`, label);
	}
	return body;
}

export function prepare(ctx: IExecuteFunctions, _itemIndex: number, item: ItemContext): KoreanTextMessage {
	return { to: readKoreanNumber(ctx, item), text: readKoreanText(ctx, item, 'message', 'Text') };
}

export async function solapiConfig(ctx: IExecuteFunctions): Promise<SolapiConfig> {
	const data = await ctx.getCredentials('channelSendSolapiApi');
	try {
		return parseSolapiConfig(data as Record<string, unknown>);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The Channel Send SOLAPI credential is invalid: ${(error as Error).message}`, {
			description: 'Open the credential and fix the field the message names.',
		});
	}
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<KoreanTextMessage>> {
	const config = await solapiConfig(ctx);
	return { slotKey: `solapi:${config.baseUrl}:${config.apiKey}`, send: (payload) => sendSolapiText(config, payload) };
}
