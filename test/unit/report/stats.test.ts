import { describe, expect, it } from 'vitest';
import { buildReport, percent, probabilityBeats, relativeUplift, renderReportPage, reportRows, signedPercent, wilson } from '../../../lib';
import { CART_COUNTS } from './fixtures';

/**
 * Reference numbers computed by hand (Python, formulas in the comments), not by the code under test:
 *   Wilson: p = x/n, d = 1 + z²/n, centre = (p + z²/2n)/d, half = z/d·√(p(1−p)/n + z²/4n²), z = 1.959963984540054
 *   P(beats): the closed form for Beta posteriors with integer parameters (Evan Miller),
 *   P(pB > pA) = Σ_{i=0}^{αB−1} B(αA+i, βA+βB) / ((βB+i) B(1+i, βB) B(αA, βA)), αX = 1 + x, βX = 1 + n − x
 */
describe('report statistics', () => {
	it.each([
		[40, 200, 0.15045200926098115, 0.26085518656537876],
		[0, 10, 0, 0.2775327998628892],
		[10, 10, 0.7224672001371107, 1],
		[1, 3, 0.06149194472039615, 0.7923403991979523],
	])('Wilson 95 %% interval of %d / %d', (x, n, low, high) => {
		const interval = wilson(x, n)!;
		expect(interval.low).toBeCloseTo(low, 12);
		expect(interval.high).toBeCloseTo(high, 12);
	});

	it('has no interval without trials and no uplift against a zero control', () => {
		expect(wilson(0, 0)).toBeUndefined();
		expect(relativeUplift(0.1, 0)).toBeUndefined();
		expect(relativeUplift(0.12, 0.08)).toBeCloseTo(0.5, 12);
	});

	it.each([
		[30, 200, 20, 200, 0.933305293217927],
		[12, 100, 10, 100, 0.6707204652120675],
		[5, 50, 9, 50, 0.13158465611636058],
		[130, 1000, 100, 1000, 0.9821650661158386],
		[54, 450, 8, 100, 0.8536523250480019],
	])('P(%d/%d beats %d/%d) by numeric integration equals the closed form', (xv, nv, xc, nc, expected) => {
		expect(Math.abs(probabilityBeats({ conversions: xv, entries: nv }, { conversions: xc, entries: nc }) - expected)).toBeLessThan(2e-4);
	});

	it('gives ½ for equal arms and complements when swapped', () => {
		expect(probabilityBeats({ conversions: 7, entries: 70 }, { conversions: 7, entries: 70 })).toBeCloseTo(0.5, 4);
		const ab = probabilityBeats({ conversions: 30, entries: 200 }, { conversions: 20, entries: 200 });
		const ba = probabilityBeats({ conversions: 20, entries: 200 }, { conversions: 30, entries: 200 });
		expect(ab + ba).toBeCloseTo(1, 4);
	});
});

describe('report rows', () => {
	const report = buildReport(CART_COUNTS, '2026-11-01', '2026-11-02');
	const rows = reportRows(report);
	const find = (step: string, variant: string) => rows.find((r) => r.step === step && r.variant === variant)!;

	it('has one row per journey, step and variant, the journey first, steps by contacts reached', () => {
		expect(rows.map((r) => `${r.step}|${r.variant}`)).toEqual(['|', '|A', '|B', '|holdout', 'Journey Entry|', 'Split|A', 'Split|B', 'Split|holdout', 'Send email|A', 'Send email|B']);
		expect(report.journeys[0].funnel).toEqual([
			{ step: 'Journey Entry', reached: 1020 },
			{ step: 'Split', reached: 1000 },
			{ step: 'Send email', reached: 900 },
		]);
		for (const r of rows) expect(r).toMatchObject({ journey: 'cart', from: '2026-11-01', to: '2026-11-02' });
	});

	it('sums the days in the range and gives each outcome its rate', () => {
		expect(find('', '')).toMatchObject({ counts: { entered: 1000, converted: 134 }, total: 1000 });
		expect(find('', 'A')).toMatchObject({ counts: { assigned: 450, converted: 54 }, total: 450 });
		expect(find('Journey Entry', '')).toMatchObject({ counts: { entered: 1000, not_entered: 20 }, total: 1020 });
		expect(find('Split', 'A')).toMatchObject({ counts: { assigned: 450 }, total: 450, rates: { assigned: 1 } });
		// the conversions attributed to the step are shown with it but are not contacts reaching it
		expect(find('Send email', 'A')).toMatchObject({ counts: { sent: 440, 'not_sent:no_consent': 10, converted: 50 }, total: 450 });
		expect(find('Send email', 'A').rates.converted).toBeCloseTo(50 / 450, 12);
		expect(find('Send email', 'A').rates.sent).toBeCloseTo(440 / 450, 12);
		expect(find('Send email', 'B').rates['not_sent:no_consent']).toBeCloseTo(5 / 450, 12);
	});

	it('gives the conversion per variant against the holdout as computed by hand', () => {
		const all = find('', '').conversion!;
		expect(all).toMatchObject({ entries: 1000, conversions: 134, control: null, uplift: null, probabilityBeatsControl: null });
		expect(all.rate).toBeCloseTo(0.134, 12);
		expect(all.low).toBeCloseTo(0.11428107599412643, 12);
		expect(all.high).toBeCloseTo(0.15652011121729995, 12);

		const a = find('', 'A').conversion!;
		expect(a).toMatchObject({ entries: 450, conversions: 54, control: 'holdout' });
		expect(a.rate).toBeCloseTo(0.12, 12);
		expect(a.low).toBeCloseTo(0.09314689568223103, 12);
		expect(a.high).toBeCloseTo(0.15328598665362667, 12);
		expect(a.uplift).toBeCloseTo(0.5, 12); // (0.12 − 0.08) / 0.08
		expect(Math.abs(a.probabilityBeatsControl! - 0.8536523250480019)).toBeLessThan(2e-4);

		const b = find('', 'B').conversion!;
		expect(b.rate).toBeCloseTo(0.16, 12);
		expect(b.low).toBeCloseTo(0.12902692187142747, 12);
		expect(b.high).toBeCloseTo(0.1967288149553926, 12);
		expect(b.uplift).toBeCloseTo(1, 12); // (0.16 − 0.08) / 0.08
		expect(Math.abs(b.probabilityBeatsControl! - 0.9799913728961224)).toBeLessThan(2e-4);

		const h = find('', 'holdout').conversion!;
		expect(h).toMatchObject({ entries: 100, conversions: 8, control: null, uplift: null, probabilityBeatsControl: null });
		expect(h.low).toBeCloseTo(0.041093461484380624, 12);
		expect(h.high).toBeCloseTo(0.14998107700948735, 12);
	});

	it('counts a wait\'s contacts by its event and timeout outcomes, not the parked ones counted again', () => {
		const wait = buildReport(
			[
				{ journey: 'w', step: 'Wait for purchase', variant: '', day: '2026-11-01', outcome: 'waiting', count: 10 },
				{ journey: 'w', step: 'Wait for purchase', variant: '', day: '2026-11-01', outcome: 'event', count: 3 },
				{ journey: 'w', step: 'Wait for purchase', variant: '', day: '2026-11-02', outcome: 'timeout', count: 7 },
			],
			'2026-11-01',
			'2026-11-02',
		);
		const row = reportRows(wait).find((r) => r.step === 'Wait for purchase')!;
		expect(row.total).toBe(10);
		expect(row.rates.event).toBeCloseTo(0.3, 12);
		expect(row.rates.timeout).toBeCloseTo(0.7, 12);
	});

	it('compares with the first variant by name when there is no holdout', () => {
		const noHoldout = reportRows(buildReport(CART_COUNTS.filter((c) => c.variant !== 'holdout'), '2026-11-01', '2026-11-02'));
		const b = noHoldout.find((r) => r.step === '' && r.variant === 'B')!.conversion!;
		expect(b.control).toBe('A');
		expect(b.uplift).toBeCloseTo((0.16 - 0.12) / 0.12, 12);
		expect(noHoldout.find((r) => r.step === '' && r.variant === 'A')!.conversion!.control).toBeNull();
	});
});

describe('report page', () => {
	const report = buildReport(CART_COUNTS, '2026-11-01', '2026-11-02');
	const html = renderReportPage(report, { action: '/webhook/report' });

	it('is self-contained: no script, no external font, stylesheet or image', () => {
		expect(html).not.toMatch(/<script|<link|@import|url\(|src=/i);
		expect(html).toMatch(/<svg class="funnel"/);
		expect(html).toMatch(/<svg class="conversion"/);
	});

	it('shows the Output rows\' numbers, formatted', () => {
		const rows = reportRows(report);
		for (const r of rows.filter((x) => x.step === '' && x.variant !== '')) {
			const c = r.conversion!;
			const tr = new RegExp(`<tr data-variant="${r.variant}"[^>]*>(.*?)</tr>`).exec(html)![1];
			expect(tr).toContain(`data-field="entries" data-value="${c.entries}"`);
			expect(tr).toContain(`data-field="rate" data-value="${c.rate}">${percent(c.rate)}<`);
			expect(tr).toContain(`${percent(c.low)} – ${percent(c.high)}`);
			if (c.control) expect(tr).toContain(`>${signedPercent(c.uplift)}<`);
		}
		expect(html).toContain('>12.0 %<'); // A's rate by hand: 54 / 450
		expect(html).toContain('9.3 % – 15.3 %'); // A's Wilson interval by hand
		expect(html).toContain('+50.0 %'); // A's uplift against the holdout
		expect(html).toContain('+100.0 %'); // B's
		expect(html).toContain('85.4 %'); // P(A beats holdout)
		expect(html).toContain('Beta-Binomial');
	});

	it('escapes names', () => {
		const page = renderReportPage(buildReport([{ journey: '<b>x</b>', step: 'Entry', variant: '', day: '2026-11-01', outcome: 'entered', count: 1 }], '2026-11-01', '2026-11-01'));
		expect(page).toContain('&lt;b&gt;x&lt;/b&gt;');
		expect(page).not.toContain('<b>x</b>');
	});
});
