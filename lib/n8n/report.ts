import type { INodeProperties } from 'n8n-workflow';
import type { KpiCount } from '../store/kpis';
import type { JourneyStore } from '../store/types';
import { buildReport, type JourneyReport } from '../report/rows';

/**
 * What the two report nodes share: their date-range and journey parameters, reading a range
 * of days (UTC) from them or from a page's query, and the report from the store's KPI counts.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 400;

/** "Journeys", "Date Range", "Last Days", "From", "To" of both report nodes. */
export const reportRangeProperties: INodeProperties[] = [
	{
		displayName: 'Journeys',
		name: 'journeys',
		type: 'string',
		default: '',
		placeholder: 'cart-abandonment, onboarding',
		description: 'Journey names, comma-separated (as Journey Entry names them). Empty reports every journey that counted something.',
	},
	{
		displayName: 'Date Range',
		name: 'range',
		type: 'options',
		options: [
			{ name: 'Last Days', value: 'lastDays', description: 'The last N days up to today (UTC)' },
			{ name: 'Between Dates', value: 'between', description: 'From one day to another, both included (UTC)' },
		],
		default: 'lastDays',
		description: 'Which days to count; counters are kept per UTC day',
	},
	{
		displayName: 'Last Days',
		name: 'lastDays',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_DAYS },
		default: 30,
		displayOptions: { show: { range: ['lastDays'] } },
		description: 'How many days, today included',
	},
	{
		displayName: 'From',
		name: 'from',
		type: 'string',
		default: '',
		placeholder: '2026-11-01',
		displayOptions: { show: { range: ['between'] } },
		description: 'First day (YYYY-MM-DD, UTC), included',
	},
	{
		displayName: 'To',
		name: 'to',
		type: 'string',
		default: '',
		placeholder: '2026-11-30',
		displayOptions: { show: { range: ['between'] } },
		description: 'Last day (YYYY-MM-DD, UTC), included',
	},
];

export interface ReportRangeInput {
	range?: string;
	lastDays?: unknown;
	from?: unknown;
	to?: unknown;
}

/** A problem with the range, naming the parameter (or query field) and the fix. */
export class ReportRangeError extends Error {
	constructor(
		message: string,
		readonly parameter: string,
		readonly fix: string,
	) {
		super(message);
	}
}

/** The days to report (YYYY-MM-DD, UTC, both included); `now` in epoch ms. */
export function reportDays(input: ReportRangeInput, now: number): { fromDay: string; toDay: string } {
	const today = dayOf(now);
	if ((input.range ?? 'lastDays') === 'lastDays') {
		const days = Number(input.lastDays ?? 30);
		if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new ReportRangeError(`Last Days is ${String(input.lastDays)}`, 'Last Days', `Use a whole number of days from 1 to ${MAX_DAYS}, e.g. 30.`);
		return { fromDay: dayOf(now - (days - 1) * 86_400_000), toDay: today };
	}
	const fromDay = day(input.from, 'From');
	const toDay = day(input.to, 'To');
	if (fromDay > toDay) throw new ReportRangeError(`From (${fromDay}) is after To (${toDay})`, 'From', 'Swap the two dates.');
	if ((Date.parse(toDay) - Date.parse(fromDay)) / 86_400_000 >= MAX_DAYS) throw new ReportRangeError(`${fromDay} to ${toDay} is more than ${MAX_DAYS} days`, 'From', `Report at most ${MAX_DAYS} days at a time.`);
	return { fromDay, toDay };
}

/** The journey names of a comma-separated list; undefined (all) when empty. */
export function journeyList(value: unknown): string[] | undefined {
	const names = String(value ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	return names.length ? names : undefined;
}

/** The report of those journeys and days, from the store's counters (one read). */
export async function readJourneyReport(store: JourneyStore, journeys: string[] | undefined, days: { fromDay: string; toDay: string }): Promise<JourneyReport> {
	const counts: KpiCount[] = await store.kpis.read({ ...(journeys ? { journeys } : {}), fromDay: days.fromDay, toDay: days.toDay });
	return buildReport(journeys ? counts.filter((c) => journeys.includes(c.journey)) : counts, days.fromDay, days.toDay);
}

function day(value: unknown, parameter: string): string {
	const text = String(value ?? '').trim();
	const candidate = text.slice(0, 10);
	if (!DAY.test(candidate) || Number.isNaN(Date.parse(`${candidate}T00:00:00Z`)) || dayOf(Date.parse(`${candidate}T00:00:00Z`)) !== candidate) {
		throw new ReportRangeError(`${parameter} "${text}" is not a date`, parameter, `Write ${parameter} as YYYY-MM-DD, e.g. 2026-11-01.`);
	}
	return candidate;
}

function dayOf(ms: number): string {
	return new Date(ms).toISOString().slice(0, 10);
}
