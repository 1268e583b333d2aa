import {
	applyScoreUpdate,
	emptyStoredScore,
	readScore,
	resetScoreGroups,
	type ScoreLogEntry,
	type ScoreOptions,
	type ScoreResetRequest,
	type ScoreState,
	type ScoreStore,
	type ScoreUpdate,
	type StoredScore,
} from '../scores';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

/**
 * Lead scores in process memory: the shared step functions of lib/store/scores.ts on a
 * contact's stored score. JavaScript runs one update at a time, so each is atomic as on Redis.
 * Both maps are keyed by contact id, so the contact erase finds them.
 */
export class MemoryScoreStore implements ScoreStore {
	readonly scores: ExpiringMap<StoredScore>;
	readonly logs: ExpiringMap<ScoreLogEntry[]>;

	constructor(private readonly clock: Clock) {
		this.scores = new ExpiringMap(clock);
		this.logs = new ExpiringMap(clock);
	}

	async apply(updates: ScoreUpdate[], options: ScoreOptions): Promise<ScoreState[]> {
		const now = this.clock();
		return updates.map((update) => {
			const stored = this.scores.get(update.contactId) ?? emptyStoredScore();
			const { state, log } = applyScoreUpdate(stored, update, options.settings, now);
			if (log) this.save(update.contactId, stored, log, options);
			return structuredClone(state);
		});
	}

	async get(contactIds: string[], options: ScoreOptions): Promise<ScoreState[]> {
		const now = this.clock();
		return contactIds.map((id) => readScore(id, this.scores.get(id), options.settings, now));
	}

	async reset(requests: ScoreResetRequest[], options: ScoreOptions): Promise<ScoreState[]> {
		const now = this.clock();
		return requests.map((request) => {
			const stored = this.scores.get(request.contactId) ?? emptyStoredScore();
			const { state, log } = resetScoreGroups(stored, request, options.settings, now);
			this.save(request.contactId, stored, log, options);
			return state;
		});
	}

	async log(contactIds: string[], limit: number): Promise<ScoreLogEntry[][]> {
		return contactIds.map((id) => structuredClone((this.logs.get(id) ?? []).slice(0, limit)));
	}

	private save(contactId: string, stored: StoredScore, entry: ScoreLogEntry, options: ScoreOptions): void {
		const ttl = options.ttlSeconds * 1000;
		this.scores.set(contactId, stored, ttl);
		const log = [structuredClone(entry), ...(this.logs.get(contactId) ?? [])].slice(0, options.logLimit);
		this.logs.set(contactId, log, ttl);
	}
}
