import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { ItemError, sendAlimTalk, type AlimTalkMessage } from '../../../lib';
import { required, text, type ChannelConnection, type ItemContext } from './shared';
import { readKoreanNumber, readKoreanText, solapiConfig } from './solapiSms.operation';

export const channel = 'alimtalk';
export const provider = 'solapi';
/** SOLAPI has no idempotency key */
export const idempotent = false;

export { koreanRecipient } from './solapiSms.operation';

const VARIABLE = /^#\{[^{}]+\}$/;

/** AlimTalk: Kakao channel, approved template and its #{variables}; the fallback SMS/LMS text. */
export function prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): AlimTalkMessage {
	const to = readKoreanNumber(ctx, item);
	const pfId = required(ctx, 'pfId', 'Kakao Channel ID (pfId)', item, 'Enter the pfId SOLAPI shows for your Kakao channel.');
	const templateId = required(ctx, 'templateId', 'Template ID', item, 'Enter the ID of the approved AlimTalk template.');
	const raw = ctx.getNodeParameter('templateVariables', itemIndex, {}) as IDataObject | string;
	let parsed: unknown = raw;
	if (typeof raw === 'string') {
		try {
			parsed = raw.trim() ? JSON.parse(raw) : {};
		} catch {
			parsed = undefined;
		}
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new ItemError(`Item ${item.itemNumber}: Template Variables is not a JSON object`, 'Use {"#{name}": "{{ $json.name }}"}: one entry per #{variable} of the template.', 'Template Variables');
	}
	const variables: Record<string, string> = {};
	for (const [name, value] of Object.entries(parsed as IDataObject)) {
		if (!VARIABLE.test(name)) {
			throw new ItemError(`Item ${item.itemNumber}: "${name}" is not a template variable`, 'Name each variable as the template writes it, with #{…}, e.g. "#{name}".', 'Template Variables');
		}
		variables[name] = text(value);
	}
	const fallback = ctx.getNodeParameter('smsFallback', itemIndex, true) === true;
	const fallbackText = fallback ? readKoreanText(ctx, item, 'message', 'Fallback Text') : text(ctx.getNodeParameter('message', itemIndex, ''));
	return { to, pfId, templateId, variables, fallback, text: fallbackText };
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<AlimTalkMessage>> {
	const config = await solapiConfig(ctx);
	return { slotKey: `solapi:${config.baseUrl}:${config.apiKey}`, send: (payload) => sendAlimTalk(config, payload) };
}
