import { cappedRequest, readBypass, readCapping, readMessage, type ItemParameters, type Plan } from './shared';

/** Check Only: would the message be allowed now? Nothing is counted. */
export function plan(p: ItemParameters, itemIndex: number): Plan {
	const message = readMessage(p, itemIndex);
	if (readBypass(p, itemIndex)) return { bypass: true, messageKey: message.messageKey };
	return { messageKey: message.messageKey, request: cappedRequest(message, readCapping(p, itemIndex), 'check') };
}
