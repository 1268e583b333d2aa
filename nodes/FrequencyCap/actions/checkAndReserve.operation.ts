import { cappedRequest, readBypass, readCapping, readMessage, type ItemParameters, type Plan } from './shared';

/**
 * Check and Reserve: the store checks every cap and, if all allow it, counts the message in
 * the same atomic step. A transactional item skips the caps; with "Still Counts Toward Caps"
 * it is recorded so later marketing messages see it.
 */
export function plan(p: ItemParameters, itemIndex: number): Plan {
	const message = readMessage(p, itemIndex);
	if (readBypass(p, itemIndex)) {
		const counts = p.bypassCounts(itemIndex) !== false;
		return { bypass: true, messageKey: message.messageKey, request: counts ? { ...message, mode: 'record' } : undefined };
	}
	return { messageKey: message.messageKey, request: cappedRequest(message, readCapping(p, itemIndex), 'reserve') };
}
