import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { ItemError, koreanAdSubject, koreanAdText, parseSmtpConfig, sendSmtp, type EmailMessage } from '../../../lib';
import { required, text, type ChannelConnection, type ItemContext } from './shared';

export const channel = 'email';
export const provider = 'smtp';
/** SMTP has no idempotency key: an unknown outcome is resent only when the marketer allows it */
export const idempotent = false;

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Email over SMTP: To, Subject, the text and HTML parts; marketing gets the unsubscribe headers and line. */
export function prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): Omit<EmailMessage, 'messageKey'> {
	const to = required(ctx, 'to', 'To', item, 'Map "To" to the contact\'s address, e.g. {{ $json.email }}.');
	if (!ADDRESS.test(to)) {
		throw new ItemError(`Item ${item.itemNumber}: "${to}" is not an email address`, 'Fix the contact\'s address or the expression in "To".', 'To');
	}
	let subject = required(ctx, 'subject', 'Subject', item, 'Enter a subject line.');
	let plain = text(ctx.getNodeParameter('text', itemIndex, ''));
	let html = text(ctx.getNodeParameter('html', itemIndex, ''));
	if (!plain && !html) {
		throw new ItemError(`Item ${item.itemNumber}: the email has neither Text nor HTML`, 'Fill in "Text", "HTML" or both.', 'Text');
	}
	const headers: Record<string, string> = {};
	const unsubscribeUrl = item.unsubscribeLink ?? text(item.options.unsubscribeUrl);
	const optOutLine = text(item.options.optOutLine);
	if (item.marketing) {
		if (item.korean) {
			if (!unsubscribeUrl && !optOutLine) {
				throw new ItemError(
					`Item ${item.itemNumber}: a Korean advertising email must carry a way to opt out`,
					'Set Options → Unsubscribe URL (or Opt-Out Line), or send it as Transactional if it is not advertising.',
					'Unsubscribe URL',
				);
			}
			subject = koreanAdSubject(subject);
		}
		if (unsubscribeUrl) {
			headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`;
			headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
		}
		const footer = [optOutLine, unsubscribeUrl ? `Unsubscribe: ${unsubscribeUrl}` : ''].filter(Boolean).join('\n');
		if (footer && plain) plain = `${plain}\n\n${footer}`;
		if (footer && html) html = `${html}\n<p>${[optOutLine && escapeHtml(optOutLine), unsubscribeUrl && `<a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a>`].filter(Boolean).join('<br>')}</p>`;
		if (item.korean && plain && !html) plain = koreanAdText(plain, '', '');
	}
	return {
		to,
		from: text(item.options.from) || undefined,
		replyTo: text(item.options.replyTo) || undefined,
		subject,
		text: plain || undefined,
		html: html || undefined,
		headers,
	};
}

export async function connect(ctx: IExecuteFunctions): Promise<ChannelConnection<Omit<EmailMessage, 'messageKey'>>> {
	const data = await ctx.getCredentials('channelSendSmtpApi');
	let config;
	try {
		config = parseSmtpConfig(data as Record<string, unknown>);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The Channel Send SMTP credential is invalid: ${(error as Error).message}`, {
			description: 'Open the credential and fix the field the message names.',
		});
	}
	return {
		slotKey: `smtp:${config.host}:${config.port}:${config.user}`,
		send: (payload, messageKey) => sendSmtp(config, { ...payload, messageKey }),
	};
}

function escapeHtml(value: string): string {
	return value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}
