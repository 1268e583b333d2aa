import { DEFAULT_KPI_RETENTION_DAYS, groupKpiCounts, kpiDay, kpiDayNumber, kpiDaysOf, parseKpiField, type KpiAddOptions, type KpiCount, type KpiQuery, type KpiStore } from '../kpis';
import { clockSkewMs } from './connection';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Journey KPI counters on Redis. One hash per journey per day,
 * `<ns>:kpi:{<journey digest>}:<YYYY-MM-DD>`, field `[step, variant, outcome]` (JSON), value the
 * count, each with a TTL of the retention (kpi-add-1.lua); the journey's days share its hash tag,
 * so a journey's date range is one slot. `<ns>:kpi:journeys` (kpi-index-1.lua) lists the
 * journeys with their latest day, for reports of every journey. An add is one pipeline: one
 * script call per (journey, day) plus one for the index, each touching one slot.
 */
export class RedisKpiStore implements KpiStore {
	private readonly digests = new Map<string, string>();
	/** journey → the latest day this process put in the index: an add of that day again skips it */
	private readonly indexed = new Map<string, number>();

	constructor(
		private readonly ctx: RedisContext,
		private readonly retentionDays = DEFAULT_KPI_RETENTION_DAYS,
	) {}

	/** adds still in flight in this process */
	private readonly inFlight = new Set<Promise<unknown>>();

	add(counts: KpiCount[], options: KpiAddOptions = {}): Promise<void> {
		const adding = this.write(counts, options);
		const tracked = adding.catch(() => undefined);
		this.inFlight.add(tracked);
		void tracked.then(() => this.inFlight.delete(tracked));
		return adding;
	}

	async flush(): Promise<void> {
		while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
	}

	private async write(counts: KpiCount[], options: KpiAddOptions): Promise<void> {
		const groups = groupKpiCounts(counts);
		if (groups.size === 0) return;
		const deadline = this.ctx.deadline(options);
		// on a ready connection the pipeline is written before add first yields (nodes do not wait for it)
		if (this.ctx.client.status !== 'ready') await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const ttlMs = this.retentionDays * 86_400_000;
		const latest = new Map<string, number>();
		for (const { journey, day, fields } of groups.values()) {
			if (fields.size === 0) continue;
			const args: Array<string | number> = [ttlMs];
			for (const [field, n] of fields) args.push(field, n);
			// no deadline: a count that reaches Redis late is still true
			sendScript(pipeline, 'kpiAdd', [this.dayKey(journey, day)], args, 0);
			const dayNumber = kpiDayNumber(day);
			if (dayNumber > (this.indexed.get(journey) ?? -Infinity) && !(dayNumber <= (latest.get(journey) ?? -Infinity))) latest.set(journey, dayNumber);
		}
		if (latest.size > 0) {
			const indexArgs: Array<string | number> = [ttlMs, Math.floor(this.todayNumber() - this.retentionDays)];
			for (const [journey, day] of latest) indexArgs.push(journey, day);
			sendScript(pipeline, 'kpiIndex', [this.indexKey()], indexArgs, 0);
		}
		await this.ctx.exec(pipeline, deadline);
		if (this.indexed.size > 10_000) this.indexed.clear();
		for (const [journey, day] of latest) this.indexed.set(journey, day);
	}

	async read(query: KpiQuery): Promise<KpiCount[]> {
		const days = kpiDaysOf(query);
		await this.flush();
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		let journeys = query.journeys;
		if (!journeys) {
			const listed = await this.ctx.exec(this.ctx.client.pipeline().zrangebyscore(this.indexKey(), kpiDayNumber(query.fromDay), '+inf'), deadline);
			journeys = (listed[0] as string[]).sort();
		}
		if (journeys.length === 0 || days.length === 0) return [];
		const pipeline = this.ctx.client.pipeline();
		for (const journey of journeys) for (const day of days) pipeline.hgetall(this.dayKey(journey, day));
		const replies = await this.ctx.exec(pipeline, deadline);
		const out: KpiCount[] = [];
		let r = 0;
		for (const journey of journeys) {
			for (const day of days) {
				const hash = replies[r++] as Record<string, string>;
				for (const field of Object.keys(hash)) {
					const parsed = parseKpiField(field);
					if (parsed) out.push({ journey, day, ...parsed, count: Number(hash[field]) });
				}
			}
		}
		return out;
	}

	today(): string {
		return kpiDay(this.nowMs());
	}

	/** The store clock without a round trip: the host clock corrected by the measured skew (and a test's offset). */
	private nowMs(): number {
		const time = this.ctx.timeArg();
		if (typeof time === 'string') return Number(time.slice(1));
		return Date.now() + clockSkewMs(this.ctx.client) + time;
	}

	private todayNumber(): number {
		return Math.floor(this.nowMs() / 86_400_000);
	}

	dayKey(journey: string, day: string): string {
		let digest = this.digests.get(journey);
		if (digest === undefined) {
			if (this.digests.size > 10_000) this.digests.clear();
			digest = this.ctx.keys.digest('kpi-journey', journey, 12);
			this.digests.set(journey, digest);
		}
		return `${this.ctx.keys.namespace}:kpi:{${digest}}:${day}`;
	}

	indexKey(): string {
		return `${this.ctx.keys.namespace}:kpi:journeys`;
	}
}
