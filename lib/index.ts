/**
 * The one module every node imports at run time. The build bundles this file with its
 * libraries into dist/lib/index.js, so all nodes of the package share one instance of the
 * store registry and the Redis connection pools (Node's module cache), and nothing needs a
 * node_modules beside the installed package. Nodes import only from here.
 */
export * from '../rules';
export type * from './store/types';
export { MemoryStore, getMemoryStore } from './store/memory/MemoryStore';
export { resolveStore, storeProperties, usesTestStore, TEST_STORE_SUFFIX } from './n8n/store';
export {
	errorItem,
	ItemBatch,
	ItemError,
	itemMessage,
	jsonPathReader,
	parameterReader,
	readItems,
	textOf,
	toNodeError,
	webhookBodyHint,
	withField,
	type ErrorDescriber,
} from './n8n/items';
export { builderOperators, conditionsFromRows, type BuilderError, type BuilderRow } from './n8n/conditionBuilder';
export { isoInZone } from './n8n/time';
export { whyNotResumed } from './n8n/explain';
export { journeyEventSigningSecretTest, newSigningSecret, signingSecretProblem } from './n8n/signingSecret';
// events in, journeys resumed: waits, contact state, signatures, resumer
export { makeWaitId } from './store/waits';
export { suppressionOf } from './store/contacts';
export * from './events';
// frequency caps and the Redis store
export { CapRequestError, validateCapRequest, CAP_MAX_LIMIT, CAP_MAX_WINDOW_MS } from './store/caps';
export { StoreUnavailableError } from './store/unavailable';
export { RedisStore, getRedisStore } from './store/redis/RedisStore';
export { closeRedisPool, parseRedisStoreConfig, probeRedis } from './store/redis/connection';
export { CONTACT_KEYS, RedisKeys } from './store/redis/keys';
export { SCRIPTS, loadScripts, sendScript } from './store/redis/scripts';

// the journey context Journey Entry sets and the other nodes key on
export { defaultEntryId, journeyContextOf, journeyNameParameter, type JourneyContext } from './n8n/journey';
export { REDIS_STORE_CREDENTIAL, journeyStoreRedisConnectionTest, storeCredentialTest, storeOutageError } from './n8n/store';
// Channel Send: the exactly-once send log, before-send checks, providers
export { DEFAULT_SEND_RETENTION_MS } from './store/sends';
// journey KPIs: counters per journey, step, variant and day (read by the Journey Report)
export { DEFAULT_KPI_RETENTION_DAYS, KPI_MAX_READ_DAYS, kpiDay, kpiDayNumber, kpiDaysOf } from './store/kpis';
export { batchOutcomes, countJourneyKpisOption, countOutcomes, countsJourneyKpis, journeyNameOf, outcomeCounts, variantOf, type OutcomeRow } from './n8n/kpis';
export * from './channels/checks';
export { DEFAULT_RETRY, Limiter, ProviderError, limiterFor, parseRetryAfter, withRetries, type RetryPolicy } from './channels/transport';
export { closeSmtpPools, parseSmtpConfig, sendSmtp, verifySmtp, type EmailMessage, type SmtpConfig } from './channels/smtp';
export { sendWebhook, signingCredentialProblem, type WebhookMessage } from './channels/webhook';
export { parseResendConfig, resendIdempotencyKey, sendResend, RESEND_BASE_URL, type ResendConfig } from './channels/resend';
export { parseTwilioConfig, sendTwilio, TWILIO_BASE_URL, TWILIO_MAX_BODY, type TwilioConfig } from './channels/twilio';
export { parseSlackConfig, sendSlack, verifySlack, SLACK_BASE_URL, type SlackConfig } from './channels/slack';
export { fcmAccessToken, parseFcmConfig, sendFcm, FCM_BASE_URL, type FcmConfig, type PushMessage } from './channels/fcm';
export {
	eucKrLength,
	koreanNumber,
	LMS_MAX_BYTES,
	parseSolapiConfig,
	sendAlimTalk,
	sendSolapiText,
	smsType,
	solapiAuthorization,
	verifySolapi,
	SMS_MAX_BYTES,
	SOLAPI_BASE_URL,
	type AlimTalkMessage,
	type KoreanTextMessage,
	type SolapiConfig,
} from './channels/solapi';
export { readUnsubscribeToken, unsubscribeChange, unsubscribeToken, unsubscribeUrl, type UnsubscribeClaim } from './channels/unsubscribe';
// experiments (Journey Split, the global holdout) and the journey report
export { assignVariant, ExperimentError, HOLDOUT_VARIANT, inGlobalHoldout, MAX_VARIANTS, MIN_VARIANTS, unitHash, validateExperiment, type Experiment, type Variant } from './experiments/split';
export { probabilityBeats, relativeUplift, wilson, METHOD, Z95, type Interval } from './report/stats';
export { buildReport, reportRows, type VariantConversion, type JourneyReport, type ReportRow } from './report/rows';
export { percent, renderReportPage, signedPercent, variantLabel, type PageOptions } from './report/html';
export { journeyList, readJourneyReport, reportDays, reportRangeProperties, ReportRangeError, type ReportRangeInput } from './n8n/report';
export { checkReportAuth, journeyReportAuthTest, REPORT_AUTH_CREDENTIALS, type AuthAnswer, type ReportAuthKind } from './n8n/reportAuth';
