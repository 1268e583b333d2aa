import type {
	Conversion,
	ConversionClaim,
	EnterOptions,
	EntryDecision,
	EntryRequest,
	EntrySend,
	EntryStore,
	EntryVariant,
	ExitOutcome,
	ExitRequest,
	GoalQuery,
	OpenGoal,
} from '../entries';
import { validateEntryRequest } from '../entries';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

const SEP = '\u0000';

interface EntryRecord {
	enteredAt: number;
	key: string;
	/** epoch ms the entry stops counting (entered + maximum duration) */
	until: number;
	active: boolean;
}

interface LastEntry {
	at: number;
	entryId: string;
}

/** What the store knows about one contact in one journey. */
interface JourneyRecord {
	entries: Map<string, EntryRecord>;
	last?: LastEntry;
	lastByKey: Map<string, LastEntry>;
}

/** One entry's conversion goal and what a conversion is attributed to. */
interface GoalRecord {
	journey: string;
	enteredAt: number;
	/** entered at + the goal's window */
	until: number;
	event: string;
	conditions: string;
	variant: string;
	step: string;
	converted: boolean;
}

/** Journey entries in process memory; same semantics as journey-enter-2.lua / journey-exit-2.lua / journey-goal-*.lua. */
export class MemoryEntryStore implements EntryStore {
	/** `${contactId}\0${journey}` → the contact's record in that journey */
	readonly journeys: ExpiringMap<JourneyRecord>;

	/** `${contactId}\0goals` → `${journey}\0${entryId}` → the entry's goal (keyed by contact so erase finds it) */
	readonly goals: ExpiringMap<Map<string, GoalRecord>>;

	constructor(private readonly clock: Clock) {
		this.journeys = new ExpiringMap(clock);
		this.goals = new ExpiringMap(clock);
	}

	async enter(requests: EntryRequest[], options: EnterOptions): Promise<EntryDecision[]> {
		for (const request of requests) validateEntryRequest(request);
		return requests.map((request) => {
			const decision = this.enterOne(request, options.rememberSeconds * 1000);
			if (decision.reason === 'entered' && request.goal) this.keepGoal(request, decision.enteredAt);
			return decision;
		});
	}

	async setVariant(requests: EntryVariant[]): Promise<void> {
		for (const r of requests) {
			const goal = this.goalOf(r.contactId, `${r.journey}${SEP}${r.entryId}`);
			if (goal) goal.variant = r.variant;
		}
	}

	async recordSend(requests: EntrySend[]): Promise<void> {
		for (const r of requests) {
			const goal = this.goalOf(r.contactId, `${r.journey}${SEP}${r.entryId}`);
			if (goal) goal.step = r.step;
		}
	}

	async openGoals(queries: GoalQuery[]): Promise<OpenGoal[][]> {
		return queries.map(({ contactId, event, at }) => {
			const open: OpenGoal[] = [];
			for (const [ref, goal] of this.goals.get(`${contactId}${SEP}goals`) ?? []) {
				if (!goal.converted && goal.event === event && goal.enteredAt <= at && at <= goal.until) open.push({ ref, conditions: goal.conditions });
			}
			return open;
		});
	}

	async convert(claims: ConversionClaim[]): Promise<Conversion[]> {
		return claims.map(({ contactId, ref }) => {
			const goal = this.goalOf(contactId, ref);
			if (!goal || goal.converted) return { converted: false, journey: goal?.journey ?? '', variant: goal?.variant ?? '', step: goal?.step ?? '' };
			goal.converted = true;
			return { converted: true, journey: goal.journey, variant: goal.variant, step: goal.step };
		});
	}

	private goalOf(contactId: string, ref: string): GoalRecord | undefined {
		const goal = this.goals.get(`${contactId}${SEP}goals`)?.get(ref);
		return goal && goal.until >= this.clock() ? goal : undefined;
	}

	private keepGoal(request: EntryRequest, enteredAt: number): void {
		const goal = request.goal!;
		const mapKey = `${request.contactId}${SEP}goals`;
		const now = this.clock();
		const goals = this.goals.get(mapKey) ?? new Map<string, GoalRecord>();
		for (const [ref, g] of goals) if (g.until < now) goals.delete(ref);
		const until = enteredAt + goal.windowMs;
		goals.set(`${request.journey}${SEP}${request.entryId}`, {
			journey: request.journey,
			enteredAt,
			until,
			event: goal.event,
			conditions: goal.conditions ?? '',
			variant: request.variant ?? '',
			step: '',
			converted: false,
		});
		this.goals.set(mapKey, goals, Math.max(until - now, this.goals.ttl(mapKey) ?? 0));
	}

	async exit(requests: ExitRequest[]): Promise<ExitOutcome[]> {
		const now = this.clock();
		return requests.map(({ contactId, journey, key }) => {
			const record = this.journeys.get(`${contactId}${SEP}${journey}`);
			let exited = 0;
			for (const entry of record ? live(record, now) : []) {
				if (!entry.active || (key && entry.key !== key)) continue;
				entry.active = false;
				exited++;
			}
			return { exited };
		});
	}

	private enterOne(request: EntryRequest, rememberMs: number): EntryDecision {
		const now = this.clock();
		const mapKey = `${request.contactId}${SEP}${request.journey}`;
		const record: JourneyRecord = this.journeys.get(mapKey) ?? { entries: new Map(), lastByKey: new Map() };
		const key = request.key ?? '';
		const lastEnteredAt = record.last?.at ?? null;
		const refuse = (reason: EntryDecision['reason'], retryAt: number | null): EntryDecision => ({
			entered: false,
			reason,
			enteredAt: now,
			retryAt,
			lastEnteredAt,
		});

		const same = record.entries.get(request.entryId);
		if (same && same.until > now) return { entered: true, reason: 'same_entry', enteredAt: same.enteredAt, retryAt: null, lastEnteredAt };

		if (request.whileActive === 'refuse') {
			const active = live(record, now).filter((e) => e.active);
			if (active.length > 0) return refuse('already_in_journey', Math.min(...active.map((e) => e.until)));
		}
		switch (request.reentry) {
			case 'oncePerContact':
				if (record.last) return refuse('entered_before', null);
				break;
			case 'oncePerKey':
				if (record.lastByKey.has(key)) return refuse('key_entered_before', null);
				break;
			case 'afterPeriod': {
				const opensAt = record.last ? record.last.at + Number(request.reentryAfterMs) : -Infinity;
				if (now < opensAt) return refuse('too_soon', opensAt);
				break;
			}
			case 'anyTime':
				break;
		}

		const until = now + request.maxDurationMs;
		record.entries.set(request.entryId, { enteredAt: now, key, until, active: true });
		record.last = { at: now, entryId: request.entryId };
		if (key) record.lastByKey.set(key, { at: now, entryId: request.entryId });
		const longest = Math.max(rememberMs, ...[...record.entries.values()].map((e) => e.until - now), this.journeys.ttl(mapKey) ?? 0);
		this.journeys.set(mapKey, record, longest);
		return { entered: true, reason: 'entered', enteredAt: now, retryAt: null, lastEnteredAt };
	}
}

/** The entries still within their maximum duration; drops the others. */
function live(record: JourneyRecord, now: number): EntryRecord[] {
	const out: EntryRecord[] = [];
	for (const [id, entry] of record.entries) {
		if (entry.until <= now) record.entries.delete(id);
		else out.push(entry);
	}
	return out;
}
