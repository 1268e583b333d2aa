import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { ItemError, sendWebhook, signingCredentialProblem } from '../../../lib';
import { required, type ChannelConnection, type ItemContext } from './shared';

export const channel = 'webhook';
export const provider = 'webhook';
/** the receiver sees the same webhook-id on a resend and can drop the copy */
export const idempotent = true;

interface WebhookPayload {
	url: string;
	body: string;
}

/** A signed POST: URL and a JSON body. */
export function prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): WebhookPayload {
	const url = required(ctx, 'url', 'URL', item, 'Enter the receiver\'s URL, e.g. https://example.com/hooks/journey.');
	if (!/^https?:\/\/[^\s]+$/i.test(url)) {
		throw new ItemError(`Item ${item.itemNumber}: "${url}" is not an http(s) URL`, 'Use a full URL starting with https:// or http://.', 'URL');
	}
	const raw = ctx.getNodeParameter('body', itemIndex, '{}');
	let body: string;
	if (typeof raw === 'string') {
		const problem = jsonProblem(raw);
		if (problem) {
			throw new ItemError(`Item ${item.itemNumber}: Body is not valid JSON (${problem})`, 'Make "Body" a JSON object, e.g. {{ JSON.stringify($json) }}.', 'Body');
		}
		body = raw;
	} else {
		body = JSON.stringify(raw ?? {});
	}
	return { url, body };
}

function jsonProblem(raw: string): string | undefined {
	try {
		JSON.parse(raw);
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<WebhookPayload>> {
	const data = await ctx.getCredentials('journeyEventSigningApi');
	const secret = String(data.secret ?? '');
	const problem = signingCredentialProblem(data);
	if (problem) {
		throw new NodeOperationError(ctx.getNode(), `The signing credential is invalid: ${problem}`, {
			description: 'Open the Journey Event Signing credential and enter a whsec_… secret.',
		});
	}
	return {
		slotKey: `webhook:${secret.slice(-8)}`,
		send: (payload, messageKey) => sendWebhook({ ...payload, messageKey, secret }),
	};
}
