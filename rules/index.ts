/**
 * @n8n-nodes-journeys/rules: one evaluator for every node. Build a json-rules-engine Engine with
 * our operators (createEngine), validate trees and rules with paths in every error
 * (validateConditions, validateRule, parseRulesJson), compile attribute conditions into a plain
 * function that agrees with the engine (compileConditions), and use ready segments and scoring
 * models. No n8n imports: usable on its own.
 */
export type {
	AllGroup,
	AnyGroup,
	ConditionGroup,
	ConditionLeaf,
	ConditionNode,
	EvaluationContext,
	NotGroup,
	RuleDefinition,
	ValidationError,
} from './types';
export { InvalidTimeZoneError, isValidTimeZone, resolveContext } from './context';
export { createEngine } from './engine';
export {
	assertValidConditions,
	assertValidRule,
	formatErrors,
	MAX_DEPTH,
	parseRulesJson,
	RulesValidationError,
	validateConditions,
	validateEventCountParams,
	validateRule,
	type JsonSyntaxProblem,
	type ParseRulesResult,
	type ValidateOptions,
} from './validate';
export {
	checkFactTypes,
	collectEventQueries,
	compileConditions,
	countMatchingEvents,
	isAttributeOnly,
	type CompiledConditions,
	type CompileOptions,
	type Explanation,
	type FactTypeProblem,
	type FailedCondition,
} from './compile';
export {
	EVENT_COUNT_FACT,
	EVENTS_FACT,
	eventQueryKey,
	type DynamicFacts,
	type EventCountParams,
	type EventCountQuery,
	type EventLike,
} from './events';
export { checkFactPath, isSafeFactPath, resolvePath } from './factPath';
export { parseDuration, type Duration, type DurationUnit } from './durations';
export { isDateValue, toEpochMs } from './dates';
export {
	EVENT_COUNT_OPERATORS,
	getOperator,
	operatorNames,
	OPERATORS,
	type OperatorDefinition,
	type OperatorGroup,
	type ValueKind,
} from './operators';
export { getSegment, listSegments, type SegmentDefinition } from './segments';
export {
	getScoringModel,
	listScoringModels,
	validateScoringModel,
	type ScoringGroup,
	type ScoringModel,
	type ScoringRule,
	type ScoringRuleParams,
	type ScoringThreshold,
} from './scoringModels';
export {
	compileScoringModel,
	DEFAULT_GRADE_BANDS,
	gradeOf,
	type CompiledScoringModel,
	type FiredRule,
	type GradeBands,
	type ScoreSettings,
} from './scoring/evaluate';
export {
	DAY_MS,
	decayedPoints,
	decayRule,
	repeatLimit,
	validateDecay,
	validateRepeat,
	type DecayRule,
	type DecaySpec,
	type RepeatLimit,
	type RepeatSpec,
} from './scoring/spec';
