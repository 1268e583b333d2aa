/**
 * The shapes the rules package reads and returns. The condition format is json-rules-engine's
 * (`all` / `any` / `not` groups, `{ fact, operator, value, params? }` leaves), so a rule written
 * for json-rules-engine runs here unchanged, and ours run in json-rules-engine.
 */

/** Everything an operator needs besides the two values: fixed for one execution and contact. */
export interface EvaluationContext {
	/** epoch ms, fixed per execution so every item of a batch sees the same "now" */
	now: number;
	/** IANA zone of the contact; relative dates and calendar days are counted in it */
	timezone: string;
}

/** One comparison: the contact's field `fact`, an operator and the value to compare with. */
export interface ConditionLeaf {
	/** dotted path into the contact (`address.country`), or `eventCount` with `params` */
	fact: string;
	operator: string;
	/**
	 * optional for the operators that take no value (exists, isEmpty, ...); `{ fact: "x" }`
	 * compares with the contact's field x (json-rules-engine's fact-to-fact comparison)
	 */
	value?: unknown;
	/** only for `eventCount` (see EventCountParams) */
	params?: Record<string, unknown>;
	name?: string;
	priority?: number;
}

export interface AllGroup {
	all: ConditionNode[];
	name?: string;
	priority?: number;
}

export interface AnyGroup {
	any: ConditionNode[];
	name?: string;
	priority?: number;
}

export interface NotGroup {
	not: ConditionNode;
	name?: string;
	priority?: number;
}

/** The top of every condition tree is a group (json-rules-engine requires it). */
export type ConditionGroup = AllGroup | AnyGroup | NotGroup;
export type ConditionNode = ConditionLeaf | ConditionGroup;

/** One problem found by validation; `path` names the place, e.g. `conditions.all[2].operator`. */
export interface ValidationError {
	path: string;
	message: string;
}

/** A rule in json-rules-engine's format, as validateRule reads it. */
export interface RuleDefinition {
	conditions: ConditionGroup;
	event: { type: string; params?: Record<string, unknown> };
	name?: string;
	priority?: number;
}
