/**
 * Recording events and resuming the waits they satisfy: what the Journey Event node and the
 * Journey Event Trigger do with every event. Recording deduplicates by event id. A duplicate
 * still goes on to resume the waits it matches: if the process that first recorded the event
 * died before it resumed them, the sender's (or n8n's) retry finishes the job, so an event is
 * not lost between "recorded" and "resumed". That cannot continue a journey twice: a wait is
 * resumed only by the event that claimed it, n8n lets one resume continue an execution, and a
 * resumed wait's registration is gone, so later copies find nothing to post to.
 */
import type { ContactEvent, JourneyStore, RecordOutcome } from '../store/types';
import { convertGoals } from './conversions';
import { resumeWaits, type ResumeAttempt, type ResumeOptions } from './resumer';

export const DEFAULT_HISTORY_LIMIT = 500;
export const DEFAULT_HISTORY_TTL_DAYS = 400;

export interface IngestOptions {
	historyLimit?: number;
	ttlSeconds?: number;
	/** resume waiting journeys (default true) */
	resume?: boolean;
	resumeOptions?: ResumeOptions;
	/** convert the journey goals the events meet and count them (default true) */
	convert?: boolean;
}

export interface IngestedEvent {
	event: ContactEvent;
	/** false for a duplicate (an id recorded before) */
	recorded: boolean;
	/** waiting executions this event continued */
	resumed: number;
	/** every resume attempt made for this event */
	attempts: ResumeAttempt[];
	/** journey entries this event converted (their conversion goal) */
	converted: number;
}

export async function ingestEvents(store: JourneyStore, events: ContactEvent[], options: IngestOptions = {}): Promise<IngestedEvent[]> {
	if (events.length === 0) return [];
	const outcomes: RecordOutcome[] = await store.events.record(events, {
		historyLimit: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
		ttlSeconds: options.ttlSeconds ?? DEFAULT_HISTORY_TTL_DAYS * 86_400,
	});
	const unique = uniqueEvents(events);
	const attempts = options.resume === false ? [] : await resumeWaits(store, unique, options.resumeOptions);
	// duplicates too: if the process that first recorded an event died before converting, the retry does it (once per entry)
	const conversions = options.convert === false ? [] : await convertGoals(store, unique);
	const convertedBy = new Map<string, number>();
	unique.forEach((event, i) => convertedBy.set(eventKey(event.contactId, event.id), conversions[i] ?? 0));
	// event ids are unique per contact only: two contacts' events may share one
	const byEvent = new Map<string, ResumeAttempt[]>();
	for (const attempt of attempts) {
		const key = eventKey(attempt.contactId, attempt.eventId);
		const list = byEvent.get(key) ?? [];
		list.push(attempt);
		byEvent.set(key, list);
	}
	const reported = new Set<string>();
	return events.map((event, i) => {
		const isRecorded = outcomes[i]?.recorded === true;
		// a batch may carry one event twice: its attempts are reported once, on the first copy
		const key = eventKey(event.contactId, event.id);
		const first = !reported.has(key);
		const mine = first ? (byEvent.get(key) ?? []) : [];
		reported.add(key);
		return {
			event,
			recorded: isRecorded,
			resumed: mine.filter((a) => a.outcome === 'resumed').length,
			attempts: mine,
			converted: first ? (convertedBy.get(key) ?? 0) : 0,
		};
	});
}

function eventKey(contactId: string, eventId: string): string {
	return `${contactId}\u0000${eventId}`;
}

/** One copy of each (contact, event id), first occurrence kept. */
function uniqueEvents(events: ContactEvent[]): ContactEvent[] {
	const seen = new Set<string>();
	return events.filter((event) => {
		const key = eventKey(event.contactId, event.id);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}
