import { readMessage, type ItemParameters, type Plan } from './shared';

/** Record Send: count a message sent elsewhere, without checking caps (idempotent per message key). */
export function plan(p: ItemParameters, itemIndex: number): Plan {
	const message = readMessage(p, itemIndex);
	return { messageKey: message.messageKey, request: { ...message, mode: 'record' } };
}
