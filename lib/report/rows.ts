/**
 * The journey report's figures from the stored KPI counts, without n8n: one row per journey,
 * step and variant with its counts and rates, and on the journey-level rows (step "") the
 * conversion figures of each variant: rate, 95 % Wilson interval, uplift against the control
 * and the probability of beating it. The Output mode emits these rows; the page draws them.
 */
import type { KpiCount } from '../store/kpis';
import { HOLDOUT_VARIANT } from '../experiments/split';
import { probabilityBeats, relativeUplift, wilson } from './stats';

export interface VariantConversion {
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
	/** outcome → count, as stored; the journey rows: entered / assigned and converted (every step) */
	counts: Record<string, number>;
	/** what the rates are out of: the contacts that reached the step (its outcomes but "converted" and "waiting"), or the journey's entries / the variant's contacts */
	total: number;
	/** outcome → count ÷ total */
	rates: Record<string, number>;
	/** journey-level rows only */
	conversion?: VariantConversion;
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
	// entries (Journey Entry's step), contacts assigned to each variant (every split step of the
	// journey) and conversions per variant (attributed to the step of the last message, or "")
	let entered = 0;
	const assigned = new Map<string, number>();
	const converted = new Map<string, number>();
	for (const r of rows) {
		entered += r.counts[ENTERED] ?? 0;
		if (r.counts[ASSIGNED]) assigned.set(r.variant, (assigned.get(r.variant) ?? 0) + r.counts[ASSIGNED]);
		if (r.counts[CONVERTED]) converted.set(r.variant, (converted.get(r.variant) ?? 0) + r.counts[CONVERTED]);
	}
	const variants = orderVariants([...assigned.keys(), ...converted.keys()].filter((v) => v !== ''));
	const control = variants.includes(HOLDOUT_VARIANT) ? HOLDOUT_VARIANT : variants[0];
	const armOf = (variant: string) => ({ entries: assigned.get(variant) ?? 0, conversions: converted.get(variant) ?? 0 });
	const allConversions = [...converted.values()].reduce((s, n) => s + n, 0);

	const overall: ReportRow[] = [
		row(journey, '', '', from, to, { [ENTERED]: entered, [CONVERTED]: allConversions }, entered, conversion({ entries: entered, conversions: allConversions }, null)),
	];
	for (const variant of variants) {
		const arm = armOf(variant);
		const isControl = variant === control;
		const c = conversion(arm, isControl ? null : control, isControl ? undefined : armOf(control));
		overall.push(row(journey, '', variant, from, to, { [ASSIGNED]: arm.entries, [CONVERTED]: arm.conversions }, arm.entries, c));
	}

	// the node steps; conversions with no message sent before them (step "") are in the journey rows only
	const stepRows = rows.filter((r) => r.step !== '');
	const stepNames = [...new Set(stepRows.map((r) => r.step))];
	const reached = new Map(stepNames.map((s) => [s, stepRows.filter((r) => r.step === s).reduce((sum, r) => sum + contactsAt(r.counts), 0)]));
	stepNames.sort((a, b) => reached.get(b)! - reached.get(a)! || a.localeCompare(b));
	const steps: ReportRow[] = [];
	for (const step of stepNames) {
		for (const variant of orderVariants(stepRows.filter((r) => r.step === step).map((r) => r.variant))) {
			const counts = { ...cell(cells, step, variant) };
			steps.push(row(journey, step, variant, from, to, counts, contactsAt(counts)));
		}
	}
	return { journey, overall, steps, funnel: stepNames.map((step) => ({ step, reached: reached.get(step)! })) };
}

function cell(cells: Map<string, Record<string, number>>, step: string, variant: string): Record<string, number> {
	return cells.get(`${step}\u0000${variant}`) ?? {};
}

/**
 * The contacts that reached a step: its outcomes added up, except those that are not one
 * contact's way out of the step — conversions attributed to it, and waits still parked
 * ("waiting", which the wait's event or timeout counts again).
 */
function contactsAt(counts: Record<string, number>): number {
	let s = 0;
	for (const [outcome, n] of Object.entries(counts)) if (!NOT_EXITS.has(outcome)) s += n;
	return s;
}

const NOT_EXITS = new Set([CONVERTED, 'waiting']);

function row(journey: string, step: string, variant: string, from: string, to: string, counts: Record<string, number>, total: number, conversion?: VariantConversion): ReportRow {
	const rates: Record<string, number> = {};
	if (total > 0) for (const [outcome, n] of Object.entries(counts)) rates[outcome] = n / total;
	const out: ReportRow = { journey, step, variant, from, to, counts, total, rates };
	if (conversion) out.conversion = conversion;
	return out;
}

function conversion(arm: { entries: number; conversions: number }, control: string | null, controlArm?: { entries: number; conversions: number }): VariantConversion {
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

