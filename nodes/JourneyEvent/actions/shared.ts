import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { ItemError, itemMessage, textOf, webhookBodyHint, type JourneyStore } from '../../../lib';

/**
 * One operation of Journey Event: `reader` checks one item (throwing for a bad one), `write`
 * makes one store call for every item that passed and returns each one's `journeyEvent` field.
 */
export interface Operation<T> {
	reader(ctx: IExecuteFunctions): (itemIndex: number) => T;
	write(ctx: IExecuteFunctions, store: JourneyStore, values: T[]): Promise<IDataObject[]>;
}

export interface Options {
	historyLimit?: number;
	historyTtlDays?: number;
	resumeWaits?: boolean;
	generateIds?: boolean;
	stateTtlDays?: number;
}

export function optionsOf(ctx: IExecuteFunctions): Options {
	return ctx.getNodeParameter('options', 0, {}) as Options;
}

const FIELD_HINTS: Record<string, string> = {
	id: 'Set "Event ID" to the field that holds a unique event ID, e.g. {{ $json.id }}, or leave it empty for one made from the execution and item.',
	contactId: 'Set "Contact ID" to the field that holds it, e.g. {{ $json.contactId }}.',
	name: 'Type the event\'s name in "Event Name", such as purchase, or map it from the field that holds it, e.g. {{ $json.event }}.',
	properties: 'Give "Properties" an object such as { "cartId": "c-42" }, or leave it empty.',
	occurredAt: 'Use an ISO 8601 date (2026-01-31T09:00:00Z) or epoch milliseconds, or leave it empty for now.',
	topic: 'Give every consent change a Topic such as email, sms or marketing.',
	consentChanges: 'Add at least one consent change.',
	channels: 'List channels such as email, sms, or "all".',
};

/** A bad value of one item's `field`, with the advice for that field. */
export function fieldError(ctx: IExecuteFunctions, itemIndex: number, field: string, message: string): ItemError {
	const bodyHint = field === 'contactId' ? webhookBodyHint(ctx.getInputData()[itemIndex]?.json, 'contactId', 'Contact ID') : undefined;
	return new ItemError(itemMessage(itemIndex, message), bodyHint ?? FIELD_HINTS[field] ?? 'Fix the parameter the message names.');
}

export function contactOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const text = textOf(ctx.getNodeParameter('contactId', itemIndex, ''));
	if (text === '') throw fieldError(ctx, itemIndex, 'contactId', 'Contact ID is empty');
	return text;
}
