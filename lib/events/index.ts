/** Events in, journeys resumed: signatures, normalising, matching, recording + resuming. */
export {
	decodeSecret,
	DEFAULT_TOLERANCE_SECONDS,
	sign,
	signedHeaders,
	verifySignature,
	type SignatureFailure,
	type VerifyInput,
	type VerifyResult,
} from './signature';
export { eventToJson, normalizeEvent, parseTime, type EventInput, type NormalizeResult } from './event';
export { checkEventConditions, compileEventConditions } from './conditions';
export {
	compileWaitMatcher,
	correlationText,
	explainMismatch,
	firstMatch,
	sameValue,
	type EventMatcher,
	type MatchFailure,
} from './matching';
export {
	classify,
	findMatchingWaits,
	postResume,
	resumeOne,
	resumeWaits,
	type MatchedWait,
	type ResumeAttempt,
	type ResumeOptions,
	type ResumeOutcome,
	type ResumeRequestBody,
	type ResumerLogger,
} from './resumer';
export {
	DEFAULT_HISTORY_LIMIT,
	DEFAULT_HISTORY_TTL_DAYS,
	ingestEvents,
	type IngestedEvent,
	type IngestOptions,
} from './ingest';
export { convertGoals } from './conversions';
export { buildResumeUrl, durationMs, isKnownZone, MAX_WAIT_MS, parseDateTime, type TimeUnit } from './waitTiming';
