import { ItemError, itemMessage } from '../../../lib';
import { readContactId, readText, type ItemParameters, type Plan } from './shared';

/** Release: give back the slot a message key reserved (the send failed); a no-op when it holds none. */
export function plan(p: ItemParameters, itemIndex: number): Plan {
	const contactId = readContactId(p, itemIndex);
	const messageKey = readText(p.messageKey, itemIndex);
	if (!messageKey) {
		throw new ItemError(
			itemMessage(itemIndex, `Message Key is empty, so there is no reservation to release`),
			"Map \"Message Key\" to the key the reserving node wrote, e.g. {{ $('Frequency Cap').item.json.frequencyCap.messageKey }}.",
			'Message Key',
		);
	}
	return { messageKey, request: { mode: 'release', contactId, messageKey } };
}
