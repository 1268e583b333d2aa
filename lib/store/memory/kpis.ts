import { DEFAULT_KPI_RETENTION_DAYS, groupKpiCounts, kpiDay, kpiDaysOf, parseKpiField, type KpiCount, type KpiQuery, type KpiStore } from '../kpis';
import type { Clock } from './clock';

interface DayCounts {
	fields: Map<string, number>;
	expiresAt: number;
}

/**
 * Journey KPI counters in process memory: journey → day → `[step, variant, outcome]` → count,
 * each day living `retentionDays` after its last change, like the Redis hashes. A plain Map,
 * not an ExpiringMap: counters belong to no contact, so erasing a contact leaves them alone.
 */
export class MemoryKpiStore implements KpiStore {
	private readonly journeys = new Map<string, Map<string, DayCounts>>();

	constructor(
		private readonly clock: Clock,
		private readonly retentionDays = DEFAULT_KPI_RETENTION_DAYS,
	) {}

	async add(counts: KpiCount[]): Promise<void> {
		const groups = groupKpiCounts(counts);
		const expiresAt = this.clock() + this.retentionDays * 86_400_000;
		for (const { journey, day, fields } of groups.values()) {
			if (fields.size === 0) continue;
			let days = this.journeys.get(journey);
			if (!days) this.journeys.set(journey, (days = new Map()));
			let stored = days.get(day);
			if (!stored || stored.expiresAt <= this.clock()) days.set(day, (stored = { fields: new Map(), expiresAt }));
			stored.expiresAt = expiresAt;
			for (const [field, n] of fields) stored.fields.set(field, (stored.fields.get(field) ?? 0) + n);
		}
	}

	async read(query: KpiQuery): Promise<KpiCount[]> {
		const days = kpiDaysOf(query);
		const now = this.clock();
		const out: KpiCount[] = [];
		for (const journey of query.journeys ?? [...this.journeys.keys()].sort()) {
			const stored = this.journeys.get(journey);
			if (!stored) continue;
			for (const day of days) {
				const counts = stored.get(day);
				if (!counts) continue;
				if (counts.expiresAt <= now) {
					stored.delete(day);
					continue;
				}
				for (const [field, count] of counts.fields) {
					const parsed = parseKpiField(field);
					if (parsed) out.push({ journey, day, ...parsed, count });
				}
			}
		}
		return out;
	}

	today(): string {
		return kpiDay(this.clock());
	}

	/** Adds are done when their call returns here. */
	async flush(): Promise<void> {}
}
