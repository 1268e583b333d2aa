/**
 * The journey report as one self-contained HTML page: inline CSS and inline SVG charts, no
 * scripts, fonts or anything fetched from elsewhere. It draws the rows of lib/report/rows.ts,
 * so its numbers are the Output mode's; each figure carries its exact value in `data-value`.
 */
import type { VariantConversion, JourneyReport, ReportRow } from './rows';
import { METHOD } from './stats';

export interface PageOptions {
	/** the page's own path, for the date-range form */
	action?: string;
	title?: string;
	/** when the report was made (ISO), shown in the footer */
	generatedAt?: string;
}

/** "12.3 %" (one decimal), "–" when unknown: how the page shows a rate. */
export function percent(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '–';
	return `${(value * 100).toFixed(1)} %`;
}

/** "+12.3 %" / "−4.0 %": how the page shows an uplift. */
export function signedPercent(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '–';
	const text = `${(Math.abs(value) * 100).toFixed(1)} %`;
	return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

export function variantLabel(variant: string): string {
	return variant === '' ? 'all contacts' : variant;
}

export function renderReportPage(report: JourneyReport, options: PageOptions = {}): string {
	const title = options.title ?? 'Journey report';
	const body = report.journeys.length === 0 ? `<p class="empty">No journey counted anything between ${esc(report.from)} and ${esc(report.to)}.</p>` : report.journeys.map(journeySection).join('\n');
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<form method="get" action="${esc(options.action ?? '')}" class="range">
<label>From <input type="date" name="from" value="${esc(report.from)}"></label>
<label>To <input type="date" name="to" value="${esc(report.to)}"></label>
<button type="submit">Show</button>
<span class="days">${esc(report.from)} – ${esc(report.to)} (UTC days)</span>
</form>
</header>
<main>
${body}
</main>
<footer>
<p class="method" id="method"><strong>Method.</strong> ${esc(METHOD)}</p>
${options.generatedAt ? `<p>Generated ${esc(options.generatedAt)}.</p>` : ''}
</footer>
</body>
</html>`;
}

function journeySection(j: JourneyReport['journeys'][number]): string {
	const all = j.overall.find((r) => r.variant === '');
	const variants = j.overall.filter((r) => r.variant !== '');
	return `<section class="journey" data-journey="${esc(j.journey)}">
<h2>${esc(j.journey)}</h2>
<h3>Funnel</h3>
${funnelChart(j, all)}
${variants.length ? experimentSection(variants) : ''}
<h3>Steps</h3>
${stepsTable(j.steps)}
</section>`;
}

function funnelChart(j: JourneyReport['journeys'][number], all: ReportRow | undefined): string {
	const entered = all?.total ?? 0;
	const bars: Array<{ label: string; value: number; kind: string }> = [];
	if (all) bars.push({ label: 'Entered', value: entered, kind: 'entered' });
	for (const f of j.funnel) bars.push({ label: f.step, value: f.reached, kind: 'step' });
	if (all?.conversion) bars.push({ label: 'Converted', value: all.conversion.conversions, kind: 'converted' });
	if (bars.length === 0) return '<p class="empty">Nothing counted.</p>';
	const max = Math.max(1, ...bars.map((b) => b.value));
	const rowH = 30;
	const labelW = 190;
	const barW = 460;
	const height = bars.length * rowH + 8;
	const rects = bars
		.map((b, i) => {
			const y = 4 + i * rowH;
			const w = Math.max(1, (b.value / max) * barW);
			const share = entered > 0 && b.kind !== 'entered' ? ` · ${percent(b.value / entered)} of entered` : '';
			return `<g class="bar ${b.kind}"><text x="${labelW - 8}" y="${y + 18}" text-anchor="end">${esc(truncate(b.label, 28))}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="3"></rect><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 18}" class="value" data-value="${b.value}">${b.value.toLocaleString('en-US')}${share}</text></g>`;
		})
		.join('');
	return `<svg class="funnel" role="img" aria-label="Funnel of ${esc(j.journey)}" viewBox="0 0 ${labelW + barW + 200} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">${rects}</svg>`;
}

function experimentSection(variants: ReportRow[]): string {
	const control = variants.map((v) => v.conversion?.control).find((c) => c) ?? variants[0].variant;
	return `<h3>Conversion per variant</h3>
${conversionChart(variants)}
<table class="experiment">
<thead><tr><th>Variant</th><th>Contacts</th><th>Conversions</th><th>Rate</th><th>95 % interval (Wilson)</th><th>Uplift vs ${esc(control)}</th><th>P(beats ${esc(control)})</th></tr></thead>
<tbody>
${variants.map(variantRow).join('\n')}
</tbody>
</table>`;
}

function variantRow(r: ReportRow): string {
	const c = r.conversion as VariantConversion;
	const isControl = c.control === null;
	return `<tr data-variant="${esc(r.variant)}"${isControl ? ' class="control"' : ''}><th scope="row">${esc(variantLabel(r.variant))}${isControl ? ' <small>(control)</small>' : ''}</th>${num('entries', c.entries)}${num('conversions', c.conversions)}${cell('rate', c.rate, percent(c.rate))}<td data-field="interval" data-low="${c.low ?? ''}" data-high="${c.high ?? ''}">${percent(c.low)} – ${percent(c.high)}</td>${cell('uplift', c.uplift, isControl ? 'control' : signedPercent(c.uplift))}${cell('probabilityBeatsControl', c.probabilityBeatsControl, isControl ? '–' : percent(c.probabilityBeatsControl))}</tr>`;
}

function conversionChart(variants: ReportRow[]): string {
	const rows = variants.map((v) => v.conversion as VariantConversion);
	const top = Math.max(0.01, ...rows.map((c) => c.high ?? 0));
	const scale = niceCeiling(top);
	const left = 60;
	const plotH = 180;
	const colW = 90;
	const width = left + variants.length * colW + 20;
	const height = plotH + 50;
	const y = (v: number) => 10 + plotH - (v / scale) * plotH;
	const grid = [0, 0.25, 0.5, 0.75, 1]
		.map((f) => {
			const v = f * scale;
			return `<line x1="${left}" x2="${width - 10}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"></line><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="axis">${axisPercent(v)}</text>`;
		})
		.join('');
	const bars = variants
		.map((v, i) => {
			const c = rows[i];
			const cx = left + i * colW + colW / 2;
			const rate = c.rate ?? 0;
			const bar = `<rect x="${cx - 22}" y="${y(rate).toFixed(1)}" width="44" height="${(y(0) - y(rate)).toFixed(1)}" class="${c.control === null ? 'control' : 'variant'}" rx="2"></rect>`;
			const whisker =
				c.low !== null && c.high !== null
					? `<line x1="${cx}" x2="${cx}" y1="${y(c.low).toFixed(1)}" y2="${y(c.high).toFixed(1)}" class="ci"></line><line x1="${cx - 8}" x2="${cx + 8}" y1="${y(c.low).toFixed(1)}" y2="${y(c.low).toFixed(1)}" class="ci"></line><line x1="${cx - 8}" x2="${cx + 8}" y1="${y(c.high).toFixed(1)}" y2="${y(c.high).toFixed(1)}" class="ci"></line>`
					: '';
			return `<g data-variant="${esc(v.variant)}">${bar}${whisker}<text x="${cx}" y="${plotH + 28}" text-anchor="middle">${esc(truncate(variantLabel(v.variant), 12))}</text><text x="${cx}" y="${plotH + 44}" text-anchor="middle" class="axis">${percent(c.rate)}</text></g>`;
		})
		.join('');
	return `<svg class="conversion" role="img" aria-label="Conversion rate per variant with 95 % Wilson intervals" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${grid}${bars}</svg>`;
}

function stepsTable(rows: ReportRow[]): string {
	if (rows.length === 0) return '<p class="empty">No step counted anything.</p>';
	return `<table class="steps">
<thead><tr><th>Step</th><th>Variant</th><th>Contacts</th><th>Outcomes</th></tr></thead>
<tbody>
${rows
	.map(
		(r) =>
			`<tr data-step="${esc(r.step)}" data-variant="${esc(r.variant)}"><td>${esc(r.step)}</td><td>${esc(variantLabel(r.variant))}</td>${num('total', r.total)}<td>${Object.entries(r.counts)
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([o, n]) => `<span class="outcome" data-outcome="${esc(o)}" data-value="${n}">${esc(o)} <b>${n.toLocaleString('en-US')}</b> <small>${percent(r.rates[o])}</small></span>`)
				.join(' ')}</td></tr>`,
	)
	.join('\n')}
</tbody>
</table>`;
}

function num(field: string, value: number): string {
	return `<td data-field="${field}" data-value="${value}">${value.toLocaleString('en-US')}</td>`;
}

function cell(field: string, value: number | null, text: string): string {
	return `<td data-field="${field}" data-value="${value ?? ''}">${esc(text)}</td>`;
}

/** "25 %", or "2.5 %" below 10 %: tick labels need no more. */
function axisPercent(v: number): string {
	const p = v * 100;
	return `${Number.isInteger(p) || p >= 10 ? Math.round(p) : p.toFixed(1)} %`;
}

function niceCeiling(v: number): number {
	for (const step of [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1]) if (v <= step) return step;
	return 1;
}

function truncate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function esc(text: string): string {
	return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
:root{color-scheme:light;--ink:#1f2430;--muted:#667085;--line:#e4e7ec;--accent:#ff6d5a;--variant:#4f6bed;--control:#98a2b3}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:#f7f8fa}
header{padding:18px 28px;background:#fff;border-bottom:1px solid var(--line)}h1{margin:0 0 10px;font-size:22px}
.range{display:flex;gap:12px;align-items:center;flex-wrap:wrap}.range input{font:inherit;padding:3px 6px}.range button{font:inherit;padding:4px 12px;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}.days{color:var(--muted)}
main{padding:8px 28px 20px}.journey{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px;margin:18px 0}
h2{margin:0 0 4px;font-size:18px}h3{margin:16px 0 6px;font-size:14px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:var(--ink)}svg .axis{fill:var(--muted);font-size:11px}
.funnel{max-width:860px}.funnel rect{fill:var(--variant);opacity:.85}.funnel .entered rect{fill:#344054}.funnel .converted rect{fill:#12b76a}.funnel .value{fill:var(--muted)}
.conversion rect.variant{fill:var(--variant)}.conversion rect.control{fill:var(--control)}.conversion .ci{stroke:#101828;stroke-width:1.5}.conversion .grid{stroke:var(--line)}
table{border-collapse:collapse;margin:6px 0 4px;min-width:420px}th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}td[data-value]{font-variant-numeric:tabular-nums}
tr.control th{color:var(--muted)}.outcome{display:inline-block;margin:0 10px 2px 0;color:var(--muted)}.outcome b{color:var(--ink)}
.empty{color:var(--muted)}footer{padding:0 28px 24px;color:var(--muted);max-width:980px}
`;
