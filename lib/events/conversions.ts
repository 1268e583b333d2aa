/**
 * Conversion goals: an event recorded for a contact converts each of the contact's journey
 * entries whose goal it meets (the goal's event name, its conditions, within the window after
 * entry) — once per entry, however often the event (or another matching one) arrives: the
 * store's `convert` is atomic. Each conversion is counted as the Journey KPI `converted` under
 * the entry's variant and the step of the last message sent to it.
 */
import type { ContactEvent, JourneyStore, KpiCount } from '../store/types';
import { compileEventConditions } from './conditions';

const compiled = new Map<string, (event: ContactEvent) => boolean>();

/** The goal's conditions as a predicate (cached by their text); a tree that no longer compiles matches nothing. */
function conditionsMatch(conditions: string, event: ContactEvent): boolean {
	if (conditions === '') return true;
	let match = compiled.get(conditions);
	if (!match) {
		try {
			match = compileEventConditions(JSON.parse(conditions) as Record<string, unknown>);
		} catch {
			match = () => false;
		}
		if (compiled.size > 1000) compiled.clear();
		compiled.set(conditions, match);
	}
	return match(event);
}

/**
 * Converts the goals `events` meet and counts the conversions: result[i] is how many entries
 * events[i] converted. Two round trips when some goal is open (find, convert) and one to count;
 * one when none is.
 */
export async function convertGoals(store: JourneyStore, events: ContactEvent[]): Promise<number[]> {
	const converted = events.map(() => 0);
	if (events.length === 0) return converted;
	const open = await store.entries.openGoals(events.map((e) => ({ contactId: e.contactId, event: e.name, at: e.occurredAt })));
	const claims: Array<{ contactId: string; ref: string; eventIndex: number }> = [];
	open.forEach((goals, i) => {
		for (const goal of goals) if (conditionsMatch(goal.conditions, events[i])) claims.push({ contactId: events[i].contactId, ref: goal.ref, eventIndex: i });
	});
	if (claims.length === 0) return converted;
	const conversions = await store.entries.convert(claims.map(({ contactId, ref }) => ({ contactId, ref })));
	const day = store.kpis.today();
	const counts: KpiCount[] = [];
	conversions.forEach((c, k) => {
		if (!c.converted) return;
		converted[claims[k].eventIndex]++;
		counts.push({ journey: c.journey, step: c.step, variant: c.variant, day, outcome: 'converted', count: 1 });
	});
	if (counts.length > 0) await store.kpis.add(counts);
	return converted;
}
