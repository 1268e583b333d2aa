// Types of api.mjs for code that imports it alone (cli/clone.ts ships it in its bundle without
// the rest of the harness); the declarations live in index.d.mts.
export {
	N8nApi,
	N8nHttpError,
	PACKAGE_NAME,
	REDIS_CREDENTIAL_TYPE,
	applyStoreCredential,
	redisUrlToCredentialFields,
	toCreatableWorkflow,
	webhookPaths,
} from './index.mjs';
