import { resolvePath } from '../../rules';
import { explainMismatch } from '../events/matching';
import type { ContactEvent, JourneyStore } from '../store/types';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Why a recorded event resumed no journey, in the marketer's words: one line per journey
 * waiting for this event name of this contact, or a line saying none waits in this store.
 * For test runs from the editor, where a pinned event dated before the journey started (or a
 * wait in the other store) otherwise looks like a bug.
 */
export async function whyNotResumed(store: JourneyStore, event: ContactEvent, storeLabel: string): Promise<string[]> {
	const [waits] = await store.waits.find([{ contactId: event.contactId, name: event.name }]);
	if (waits.length === 0) {
		return [`No journey is waiting for "${event.name}" of this contact in the ${storeLabel}.`];
	}
	const reasons: string[] = [];
	for (const wait of waits) {
		const where = `The journey waiting in execution ${wait.executionId}`;
		switch (explainMismatch(wait.match, event, wait.contactId)) {
			case 'since':
				reasons.push(
					`${where} counts events that occurred from ${iso(wait.match.sinceMs)} on (its Count Events Since); this event occurred at ${iso(event.occurredAt)}, before that. Leave Occurred At empty (now), or count older events on the wait with A Look-Back Period.`,
				);
				break;
			case 'correlation':
				reasons.push(
					`${where} needs properties.${wait.match.correlation?.eventPath} = ${JSON.stringify(wait.match.correlation?.value)} (its correlation key); this event has ${JSON.stringify(resolvePath(event.properties, wait.match.correlation?.eventPath ?? '') ?? null)}.`,
				);
				break;
			case 'conditions':
				reasons.push(`${where} has Event Conditions this event's properties do not meet.`);
				break;
			case undefined:
				reasons.push(`${where} matches this event but was not resumed: it may have been resumed or timed out just now.`);
				break;
			default:
				break;
		}
	}
	return reasons;
}
