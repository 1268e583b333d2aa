/**
 * Recording events and resuming the waits they satisfy: what the Journey Event node and the
 * Journey Event Trigger do with every event. Recording deduplicates by event id, so only the
 * first delivery of an event goes on to resume waits: ten copies of one event resume nothing
 * more than one copy does.
 */
import type { ContactEvent, JourneyStore, RecordOutcome } from '../store/types';
import { resumeWaits, type ResumeAttempt, type ResumeOptions } from './resumer';

export const DEFAULT_HISTORY_LIMIT = 500;
export const DEFAULT_HISTORY_TTL_DAYS = 400;

export interface IngestOptions {
	historyLimit?: number;
	ttlSeconds?: number;
	/** resume waiting journeys (default true) */
	resume?: boolean;
	resumeOptions?: ResumeOptions;
}

export interface IngestedEvent {
	event: ContactEvent;
	/** false for a duplicate (an id recorded before) */
	recorded: boolean;
	/** waiting executions this event continued */
	resumed: number;
	/** every resume attempt made for this event */
	attempts: ResumeAttempt[];
}

export async function ingestEvents(store: JourneyStore, events: ContactEvent[], options: IngestOptions = {}): Promise<IngestedEvent[]> {
	if (events.length === 0) return [];
	const outcomes: RecordOutcome[] = await store.events.record(events, {
		historyLimit: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
		ttlSeconds: options.ttlSeconds ?? DEFAULT_HISTORY_TTL_DAYS * 86_400,
	});
	const recorded = events.filter((_, i) => outcomes[i]?.recorded);
	const attempts = options.resume === false ? [] : await resumeWaits(store, recorded, options.resumeOptions);
	const byEvent = new Map<string, ResumeAttempt[]>();
	for (const attempt of attempts) {
		const list = byEvent.get(attempt.eventId) ?? [];
		list.push(attempt);
		byEvent.set(attempt.eventId, list);
	}
	return events.map((event, i) => {
		const isRecorded = outcomes[i]?.recorded === true;
		const mine = isRecorded ? (byEvent.get(event.id) ?? []).filter((a) => a.eventId === event.id) : [];
		return {
			event,
			recorded: isRecorded,
			resumed: mine.filter((a) => a.outcome === 'resumed').length,
			attempts: mine,
		};
	});
}
