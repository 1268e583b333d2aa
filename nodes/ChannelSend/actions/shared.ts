import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { ItemError } from '../../../lib';

/** Options → … as the node reads them for one item. */
export interface SendOptions extends IDataObject {
	campaign?: string;
	concurrency?: number;
	consentTopic?: string;
	timezone?: string;
	countTowardCaps?: boolean;
	from?: string;
	globalHoldoutPercent?: number;
	koreanRules?: 'auto' | 'always' | 'never';
	maxRetryDelaySeconds?: number;
	optOutLine?: string;
	ignoreUnsubscribe?: boolean;
	quietHours?: { window?: { from?: string; until?: string; action?: 'hold' | 'drop' } };
	replyTo?: string;
	resendAfterUnknown?: boolean;
	retries?: number;
	senderName?: string;
	tags?: string;
	unsubscribeUrl?: string;
	unsubscribeEndpoint?: string;
	onProviderError?: 'notSent' | 'error';
}

/** What a channel needs to know about an item beyond its own parameters. */
export interface ItemContext {
	/** 1-based, as n8n's panel counts items (for messages) */
	itemNumber: number;
	marketing: boolean;
	/** the Korean advertising rules apply */
	korean: boolean;
	options: SendOptions;
	messageKey: string;
	/** the contact's one-click unsubscribe link (Options → Unsubscribe Endpoint), when set */
	unsubscribeLink?: string;
}

/** A provider connection for one execution: reads the credential once. */
export interface ChannelConnection<Payload> {
	/** the credential's concurrency slot key (same account, same slots) */
	slotKey: string;
	/** fallback: the channel the message went out on instead (AlimTalk → sms) */
	send(payload: Payload, messageKey: string): Promise<{ messageId: string; fallback?: string }>;
}

/** One channel/provider: one file each under actions/. */
export interface ChannelOperation<Payload> {
	/** the channel as history, caps and `send.channel` name it (email, sms, slack, webhook) */
	channel: string;
	provider: string;
	/** the provider drops a second copy with the same key, so an unknown outcome may be resent */
	idempotent: boolean;
	/** the recipient's address makes the Korean rules apply (a +82 number) */
	koreanRecipient?(ctx: IExecuteFunctions, itemIndex: number): boolean;
	/** reads and checks the item's message; throws ItemError */
	prepare(ctx: IExecuteFunctions, itemIndex: number, item: ItemContext): Payload;
	connect(ctx: IExecuteFunctions): Promise<ChannelConnection<Payload>>;
}

export function text(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return JSON.stringify(value);
}

/** A required text parameter of one item. */
export function required(ctx: IExecuteFunctions, name: string, label: string, item: ItemContext, hint: string): string {
	const value = text(ctx.getNodeParameter(name, item.itemNumber - 1, ''));
	if (!value) throw new ItemError(`Item ${item.itemNumber}: ${label} is empty`, hint, label);
	return value;
}
