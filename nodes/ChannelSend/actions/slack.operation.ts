import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { ItemError, parseSlackConfig, sendSlack } from '../../../lib';
import { required, text, type ChannelConnection, type ItemContext } from './shared';

export const channel = 'slack';
export const provider = 'slack';
/** neither incoming webhooks nor chat.postMessage take an idempotency key */
export const idempotent = false;

/** Slack allows 40 000 characters in a message's text. */
const SLACK_MAX_TEXT = 40_000;

interface SlackPayload {
	channel?: string;
	text: string;
}

export function prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): SlackPayload {
	const message = required(ctx, 'message', 'Text', item, 'Enter the message text.');
	if (message.length > SLACK_MAX_TEXT) {
		throw new ItemError(`Item ${item.itemNumber}: the text is ${message.length} characters, more than Slack's ${SLACK_MAX_TEXT}`, 'Shorten "Text".', 'Text');
	}
	return { channel: text(ctx.getNodeParameter('slackChannel', itemIndex, '')) || undefined, text: message };
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<SlackPayload>> {
	const data = await ctx.getCredentials('channelSendSlackApi');
	let config;
	try {
		config = parseSlackConfig(data as Record<string, unknown>);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The Channel Send Slack credential is invalid: ${(error as Error).message}`, {
			description: 'Open the credential and fix the field the message names.',
		});
	}
	if (config.kind === 'bot' && !text(ctx.getNodeParameter('slackChannel', 0, ''))) {
		throw new NodeOperationError(ctx.getNode(), 'Parameter "Slack Channel" is empty: a bot token posts to the channel you name', {
			description: 'Enter a channel such as #alerts or its ID (C0123…), or use an incoming webhook credential.',
		});
	}
	const slotKey = config.kind === 'bot' ? `slack:${config.baseUrl}:${config.botToken.slice(-6)}` : `slack:${config.webhookUrl}`;
	return { slotKey, send: (payload) => sendSlack(config, payload) };
}
