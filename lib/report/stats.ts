/**
 * The statistics of the journey report, without n8n: Wilson score intervals for a conversion
 * rate, uplift against a control, and the probability that a variant's true rate beats the
 * control's under a Beta-Binomial model (Beta(1, 1) prior, posterior Beta(1 + conversions,
 * 1 + non-conversions), computed by numeric integration). The page and the Output mode both use
 * these functions, so their numbers are the same.
 */

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
	low: number;
	high: number;
}

/** The Wilson score interval of `successes` out of `trials`; undefined when there are no trials. */
export function wilson(successes: number, trials: number, z = Z95): Interval | undefined {
	if (!(trials > 0)) return undefined;
	const p = successes / trials;
	const z2 = z * z;
	const denominator = 1 + z2 / trials;
	const centre = (p + z2 / (2 * trials)) / denominator;
	const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
	return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Relative uplift (rate − control) / control; undefined when the control rate is 0 or unknown. */
export function relativeUplift(rate: number | undefined, controlRate: number | undefined): number | undefined {
	if (rate === undefined || controlRate === undefined || !(controlRate > 0)) return undefined;
	return (rate - controlRate) / controlRate;
}

/** The steps of the numeric integration over [0, 1] (midpoint rule on a grid around both posteriors). */
const STEPS = 4000;

/**
 * P(p_variant > p_control) with independent posteriors Beta(1 + x, 1 + n − x) for each arm
 * (uniform prior): ∫ f_variant(p) · F_control(p) dp, on a grid covering both posteriors
 * (± 12 standard deviations), each density normalised on that grid. Accurate to about 1e-4.
 */
export function probabilityBeats(variant: { conversions: number; entries: number }, control: { conversions: number; entries: number }): number {
	const a = posterior(variant);
	const b = posterior(control);
	const lo = Math.max(0, Math.min(a.mean - 12 * a.sd, b.mean - 12 * b.sd));
	const hi = Math.min(1, Math.max(a.mean + 12 * a.sd, b.mean + 12 * b.sd));
	const dx = (hi - lo) / STEPS;
	const fa = new Float64Array(STEPS);
	const fb = new Float64Array(STEPS);
	for (let i = 0; i < STEPS; i++) {
		const x = lo + (i + 0.5) * dx;
		fa[i] = a.logDensity(x);
		fb[i] = b.logDensity(x);
	}
	normalise(fa);
	normalise(fb);
	// F_control at each midpoint: the mass of the cells below, plus half of its own cell
	let below = 0;
	let p = 0;
	for (let i = 0; i < STEPS; i++) {
		p += fa[i] * (below + fb[i] / 2);
		below += fb[i];
	}
	return Math.min(1, Math.max(0, p));
}

function posterior({ conversions, entries }: { conversions: number; entries: number }) {
	const alpha = 1 + conversions;
	const beta = 1 + Math.max(0, entries - conversions);
	const mean = alpha / (alpha + beta);
	const sd = Math.sqrt((alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1)));
	return {
		mean,
		sd,
		logDensity: (x: number) => (alpha - 1) * Math.log(x) + (beta - 1) * Math.log1p(-x),
	};
}

/** Log densities in place → probabilities of each cell summing to 1. */
function normalise(logs: Float64Array): void {
	let max = -Infinity;
	for (const v of logs) if (v > max) max = v;
	let sum = 0;
	for (let i = 0; i < logs.length; i++) {
		logs[i] = Math.exp(logs[i] - max);
		sum += logs[i];
	}
	for (let i = 0; i < logs.length; i++) logs[i] /= sum;
}

/** How the page and the Output items state the method. */
export const METHOD =
	'Conversion rate = conversions ÷ contacts assigned (or entered). 95 % intervals: Wilson score. Uplift = (variant rate − control rate) ÷ control rate. ' +
	'P(beats control): Beta-Binomial model, uniform Beta(1, 1) prior, each arm\'s posterior Beta(1 + conversions, 1 + non-conversions), P(variant rate > control rate) by numeric integration. ' +
	'Control: the holdout when the experiment has one, else the first variant by name.';
