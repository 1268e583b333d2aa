import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { parseResendConfig, sendResend, type EmailMessage } from '../../../lib';
import type { ChannelConnection } from './shared';

export const channel = 'email';
export const provider = 'resend';
/** Resend drops a repeat of an Idempotency-Key, so an unknown outcome is resent safely */
export const idempotent = true;

/** The same message as over SMTP: To, Subject, both parts, the unsubscribe headers for marketing. */
export { prepare } from './email.operation';

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<Omit<EmailMessage, 'messageKey'>>> {
	const data = await ctx.getCredentials('channelSendResendApi');
	let config;
	try {
		config = parseResendConfig(data as Record<string, unknown>);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The Channel Send Resend credential is invalid: ${(error as Error).message}`, {
			description: 'Open the credential and fix the field the message names.',
		});
	}
	return {
		slotKey: `resend:${config.baseUrl}:${config.apiKey.slice(-6)}`,
		send: (payload, messageKey) => sendResend(config, { ...payload, messageKey }),
	};
}
