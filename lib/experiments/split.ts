/**
 * A/B/n assignment without n8n: which variant (or the holdout) a contact gets in an experiment.
 *
 * Sticky and deterministic: hashes of the experiment name and the contact id mapped to
 * uniform numbers in [0, 1), so re-entries, retries and other n8n processes give the same answer
 * with nothing stored. The variant is chosen by weighted rendezvous hashing: each variant draws
 * u = hash(experiment, contact, variant name) and scores −ln(u) / weight; the lowest score wins,
 * which happens with probability weight / Σ weights. A contact moves only towards a variant whose
 * share grew or away from one whose share shrank: 50/50 → 60/40 moves exactly the 10 % that A
 * gains (all from B), adding C at 20 % (40/40/20) moves 20 %, all to C, and reordering or
 * renaming other variants moves nobody. The holdout is decided first from an independent hash,
 * so changing the variants never moves a holdout contact in or out.
 */
export const HOLDOUT_VARIANT = 'holdout';
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 8;

export interface Variant {
	name: string;
	/** percent of the contacts not held out; all variants' weights sum to 100 */
	weight: number;
}

export interface Experiment {
	name: string;
	variants: Variant[];
	/** percent of all contacts held out (0 for none) */
	holdoutPercent: number;
}

/** What is wrong with an experiment, naming the parameter and the fix; an Error. */
export class ExperimentError extends Error {
	constructor(
		message: string,
		readonly fix: string,
		readonly parameter: string,
	) {
		super(message);
		this.name = 'ExperimentError';
	}
}

/** Throws an ExperimentError for < 2 or > 8 variants, empty or duplicate names, bad weights or holdout. */
export function validateExperiment(experiment: Experiment): void {
	const { variants } = experiment;
	if (!experiment.name.trim()) throw new ExperimentError('the experiment has no name', 'Set "Experiment Name", or give the journey (workflow) a name.', 'Experiment Name');
	if (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS) {
		throw new ExperimentError(
			`${variants.length} variant${variants.length === 1 ? '' : 's'}: an experiment has ${MIN_VARIANTS} to ${MAX_VARIANTS}`,
			variants.length < MIN_VARIANTS ? 'Add variants under "Variants" (e.g. A and B).' : 'Remove variants under "Variants" until at most 8 are left.',
			'Variants',
		);
	}
	const seen = new Set<string>();
	for (const [i, v] of variants.entries()) {
		const name = v.name.trim();
		if (!name) throw new ExperimentError(`variant ${i + 1} has no name`, 'Give every variant a name, e.g. A, B, "short subject".', 'Variants');
		if (name.toLowerCase() === HOLDOUT_VARIANT) {
			throw new ExperimentError(`variant ${i + 1} is called "${name}", the name of the holdout`, 'Rename the variant; use "Holdout (%)" for a group that gets no message.', 'Variants');
		}
		if (seen.has(name)) throw new ExperimentError(`two variants are called "${name}"`, 'Give each variant its own name: the name is the output and the report row.', 'Variants');
		seen.add(name);
		if (!Number.isFinite(v.weight) || v.weight < 0) {
			throw new ExperimentError(`variant "${name}" has weight ${v.weight}`, 'Weights are percentages from 0 to 100, e.g. 50 and 50.', 'Variants');
		}
	}
	const sum = variants.reduce((s, v) => s + v.weight, 0);
	if (Math.abs(sum - 100) > 1e-9) {
		throw new ExperimentError(
			`the variant weights sum to ${round(sum)}, not 100 (${variants.map((v) => `${v.name.trim()} ${v.weight}`).join(', ')})`,
			'Make the weights add up to 100, e.g. 50 / 50 or 34 / 33 / 33. The holdout is set apart first and is not part of the weights.',
			'Variants',
		);
	}
	const h = experiment.holdoutPercent;
	if (!Number.isFinite(h) || h < 0 || h >= 100) {
		throw new ExperimentError(`Holdout (%) is ${h}`, 'Set "Holdout (%)" from 0 (no holdout) to below 100, e.g. 10.', 'Holdout (%)');
	}
}

/**
 * A uniform number in [0, 1) from a hash of (purpose, experiment, contact): cyrb53, a 53-bit
 * string hash with full avalanche (MurmurHash-style multiply-xorshift mixing on two 32-bit
 * lanes), the kind A/B tools bucket with. Not cryptographic — nothing here is secret — but fast
 * enough to assign 100 000 contacts × 8 variants in well under a second.
 */
export function unitHash(purpose: string, experiment: string, contactId: string): number {
	return cyrb53(`${purpose}\u0000${experiment}\u0000${contactId}`) / 2 ** 53;
}

function cyrb53(text: string): number {
	let h1 = 0xdeadbeef;
	let h2 = 0x41c6ce57;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ c, 2654435761);
		h2 = Math.imul(h2 ^ c, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
	h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
	h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The variant name of a contact, or "holdout". Call validateExperiment first. */
export function assignVariant(experiment: Experiment, contactId: string): string {
	if (experiment.holdoutPercent > 0 && unitHash('holdout', experiment.name, contactId) * 100 < experiment.holdoutPercent) return HOLDOUT_VARIANT;
	let best = '';
	let bestScore = Infinity;
	for (const v of experiment.variants) {
		if (!(v.weight > 0)) continue;
		const name = v.name.trim();
		// u in (0, 1): −ln(u) is an exponential draw, and the smallest draw ÷ weight wins
		const u = unitHash('split', experiment.name, `${contactId}\u0000${name}`) + 2 ** -53;
		const score = -Math.log(u) / v.weight;
		if (score < bestScore) {
			bestScore = score;
			best = name;
		}
	}
	return best;
}

/**
 * The global holdout: one percentage of all contacts of a store (a client) that gets no marketing
 * at all, across journeys. Independent of every experiment's hash; `salt` is the store's key
 * namespace, so each client has its own group.
 */
export function inGlobalHoldout(contactId: string, percent: number, salt: string): boolean {
	return percent > 0 && unitHash('global-holdout', salt, contactId) * 100 < percent;
}

function round(n: number): number {
	return Math.round(n * 1e6) / 1e6;
}
