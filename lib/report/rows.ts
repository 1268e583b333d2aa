/**
 * The journey report's figures from the stored KPI counts, without n8n: one row per journey,
 * step and variant with its counts and rates, and on the journey-level rows (step "") the
 * conversion figures of each variant: rate, 95 % Wilson interval, uplift against the control
 * and the probability of beating it. The Output mode emits these rows; the page draws them.
 */
import type { KpiCount } from '../store/kpis';
import { HOLDOUT_VARIANT } from '../experiments/split';
import { probabilityBeats, relativeUplift, wilson } from './stats';

export interface Conversion {
	/** contacts this rate is out of: entered (whole journey) or assigned to the variant */
	entries: number;
	conversions: number;
	/** conversions ÷ entries; null without entries */
	rate: number | null;
	low: number | null;
	high: number | null;
	/** the variant compared against: "holdout", or the first variant by name; null for the control itself or without variants */
	control: string | null;
	/** (rate − control rate) ÷ control rate */
	uplift: number | null;
	/** P(this variant's true rate > the control's), Beta-Binomial */
	probabilityBeatsControl: number | null;
}

export interface ReportRow {
	journey: string;
	/** the node's name; "" for the journey as a whole */
	step: string;
	/** "" for contacts in no experiment, "holdout" for the holdout */
	variant: string;
	from: string;
	to: string;
	/** outcome → count, as stored */
	counts: Record<string, number>;
	/** what the rates are out of: the step's outcomes added up, or the journey's entries */
	total: number;
	/** outcome → count ÷ total */
	rates: Record<string, number>;
	/** journey-level rows only */
	conversion?: Conversion;
}

export interface JourneyReport {
	from: string;
	to: string;
	journeys: Array<{
		journey: string;
		/** the journey-level rows (step ""), the all-contacts row first, then variants by name with the holdout last */
		overall: ReportRow[];
		/** step rows, steps in funnel order (most contacts first), variants as above */
		steps: ReportRow[];
		/** the steps in funnel order with the contacts that reached each (all variants) */
		funnel: Array<{ step: string; reached: number }>;
	}>;
}

const ENTERED = 'entered';
const ASSIGNED = 'assigned';
const CONVERTED = 'converted';

/** Sums counts per journey / step / variant / outcome over the days, and works out the rows. */
export function buildReport(counts: KpiCount[], from: string, to: string): JourneyReport {
	const byJourney = new Map<string, Map<string, Record<string, number>>>();
	for (const c of counts) {
		if (c.day < from || c.day > to || !(c.count > 0)) continue;
		let journey = byJourney.get(c.journey);
		if (!journey) byJourney.set(c.journey, (journey = new Map()));
		const key = `${c.step}\u0000${c.variant}`;
		const row = journey.get(key) ?? {};
		row[c.outcome] = (row[c.outcome] ?? 0) + c.count;
		journey.set(key, row);
	}
	const journeys = [...byJourney.keys()].sort().map((journey) => journeyRows(journey, byJourney.get(journey)!, from, to));
	return { from, to, journeys };
}

/** Every row of a report in order: per journey its overall rows, then its steps. */
export function reportRows(report: JourneyReport): ReportRow[] {
	return report.journeys.flatMap((j) => [...j.overall, ...j.steps]);
}

function journeyRows(journey: string, cells: Map<string, Record<string, number>>, from: string, to: string): JourneyReport['journeys'][number] {
	const rows = [...cells.entries()].map(([key, counts]) => {
		const [step, variant] = key.split('\u0000');
		return { step, variant, counts };
	});
	// contacts assigned to each variant, over every split step of the journey
	const assigned = new Map<string, number>();
	for (const r of rows) if (r.step !== '' && r.counts[ASSIGNED]) assigned.set(r.variant, (assigned.get(r.variant) ?? 0) + r.counts[ASSIGNED]);
	const variants = new Set<string>(assigned.keys());
	for (const r of rows) if (r.step === '' && r.variant !== '') variants.add(r.variant);
	const ordered = orderVariants([...variants]);

	const cell = (step: string, variant: string) => cells.get(`${step}\u0000${variant}`) ?? {};
	const entered = cell('', '')[ENTERED] ?? 0;
	const allConversions = rows.filter((r) => r.step === '').reduce((s, r) => s + (r.counts[CONVERTED] ?? 0), 0);
	const control = ordered.includes(HOLDOUT_VARIANT) ? HOLDOUT_VARIANT : ordered[0];
	const armOf = (variant: string) => ({ entries: assigned.get(variant) ?? 0, conversions: cell('', variant)[CONVERTED] ?? 0 });

	const overall: ReportRow[] = [];
	if (entered > 0 || allConversions > 0 || cells.has('\u0000')) {
		const counts = { ...cell('', '') };
		overall.push(row(journey, '', '', from, to, counts, entered, conversion({ entries: entered, conversions: allConversions }, null)));
	}
	for (const variant of ordered) {
		const arm = armOf(variant);
		const vs = variant === control ? undefined : armOf(control);
		const c = conversion(arm, variant === control ? null : control, vs);
		overall.push(row(journey, '', variant, from, to, { ...cell('', variant) }, arm.entries, c));
	}

	const stepNames = [...new Set(rows.filter((r) => r.step !== '').map((r) => r.step))];
	const reached = new Map(stepNames.map((s) => [s, rows.filter((r) => r.step === s).reduce((sum, r) => sum + sumOf(r.counts), 0)]));
	stepNames.sort((a, b) => reached.get(b)! - reached.get(a)! || a.localeCompare(b));
	const steps: ReportRow[] = [];
	for (const step of stepNames) {
		const stepVariants = orderVariants(rows.filter((r) => r.step === step).map((r) => r.variant));
		for (const variant of stepVariants) {
			const counts = { ...cell(step, variant) };
			steps.push(row(journey, step, variant, from, to, counts, sumOf(counts)));
		}
	}
	return { journey, overall, steps, funnel: stepNames.map((step) => ({ step, reached: reached.get(step)! })) };
}

function row(journey: string, step: string, variant: string, from: string, to: string, counts: Record<string, number>, total: number, conversion?: Conversion): ReportRow {
	const rates: Record<string, number> = {};
	if (total > 0) for (const [outcome, n] of Object.entries(counts)) rates[outcome] = n / total;
	const out: ReportRow = { journey, step, variant, from, to, counts, total, rates };
	if (conversion) {
		out.conversion = conversion;
		if (total > 0) out.rates[CONVERTED] = conversion.conversions / total;
	}
	return out;
}

function conversion(arm: { entries: number; conversions: number }, control: string | null, controlArm?: { entries: number; conversions: number }): Conversion {
	const rate = arm.entries > 0 ? arm.conversions / arm.entries : undefined;
	const interval = wilson(arm.conversions, arm.entries);
	const controlRate = controlArm && controlArm.entries > 0 ? controlArm.conversions / controlArm.entries : undefined;
	const uplift = relativeUplift(rate, controlRate);
	return {
		entries: arm.entries,
		conversions: arm.conversions,
		rate: rate ?? null,
		low: interval?.low ?? null,
		high: interval?.high ?? null,
		control,
		uplift: uplift ?? null,
		probabilityBeatsControl: controlArm && arm.entries > 0 && controlArm.entries > 0 ? probabilityBeats(arm, controlArm) : null,
	};
}

/** "" first, then variants by name, the holdout last. */
function orderVariants(variants: string[]): string[] {
	return [...new Set(variants)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(variant: string): number {
	return variant === '' ? 0 : variant === HOLDOUT_VARIANT ? 2 : 1;
}

function sumOf(counts: Record<string, number>): number {
	let s = 0;
	for (const n of Object.values(counts)) s += n;
	return s;
}
