/**
 * A/B/n assignment without n8n: which variant (or the holdout) a contact gets in an experiment.
 *
 * Sticky and deterministic: a contact's place is a keyed hash of the experiment name and the
 * contact id mapped to a uniform number in [0, 1), so re-entries, retries and other n8n
 * processes give the same answer with nothing stored. Variants own consecutive ranges of [0, 1)
 * in their configured order (A = [0, wA), B = [wA, wA + wB), …): changing weights moves only
 * the contacts between the old and new boundaries, the least any scheme can move (50/50 → 60/40
 * moves 10 %). The holdout is decided first from an independent hash, so changing the variants'
 * weights never moves a holdout contact in or out.
 */
import { createHmac } from 'node:crypto';

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

/** A uniform number in [0, 1) from a keyed hash of (purpose, experiment, contact): 52 random bits. */
export function unitHash(purpose: string, experiment: string, contactId: string): number {
	const digest = createHmac('sha256', `n8n-nodes-journeys:${purpose}`).update(experiment).update('\u0000').update(contactId).digest();
	// 52 bits fit a double exactly: high 20 bits of byte 0..2 (+ 4 bits) and 32 low bits
	const high = digest.readUInt32BE(0) >>> 12; // 20 bits
	const low = digest.readUInt32BE(4); // 32 bits
	return (high * 2 ** 32 + low) / 2 ** 52;
}

/** The variant name of a contact, or "holdout". Call validateExperiment first. */
export function assignVariant(experiment: Experiment, contactId: string): string {
	if (experiment.holdoutPercent > 0 && unitHash('holdout', experiment.name, contactId) * 100 < experiment.holdoutPercent) return HOLDOUT_VARIANT;
	const u = unitHash('split', experiment.name, contactId) * 100;
	let upper = 0;
	const { variants } = experiment;
	for (const v of variants) {
		upper += v.weight;
		if (u < upper) return v.name.trim();
	}
	// rounding at the top of the last range: the last variant with weight
	for (let i = variants.length - 1; i >= 0; i--) if (variants[i].weight > 0) return variants[i].name.trim();
	return variants[variants.length - 1].name.trim();
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
