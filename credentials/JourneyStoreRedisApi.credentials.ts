import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Where the journey nodes keep counters, events and scores in production. One credential per
 * client: its key namespace and hashing secret isolate the client's data. Tested by the
 * Frequency Cap node's `journeyStoreRedisConnectionTest` (connect, round trip, eviction policy).
 */
export class JourneyStoreRedisApi implements ICredentialType {
	name = 'journeyStoreRedisApi';

	displayName = 'Journey Store (Redis)';

	icon: Icon = { light: 'file:journeyStoreRedis.svg', dark: 'file:journeyStoreRedis.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#redis-store';

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			required: true,
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 6379,
			required: true,
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description: 'ACL user name; leave empty for the default user',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'Database Number',
			name: 'database',
			type: 'number',
			default: 0,
		},
		{
			displayName: 'SSL/TLS',
			name: 'tls',
			type: 'boolean',
			default: false,
			description: 'Whether to connect with TLS',
		},
		{
			displayName: 'Key Namespace',
			name: 'namespace',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'acme-prod',
			description:
				'Prefix of every key this credential writes: one per client, so clients never see each other\'s caps, events or scores. Letters, digits, ".", "_" and "-".',
		},
		{
			displayName: 'Hashing Secret',
			name: 'hashSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'At least 16 characters. Contact IDs are hashed with it before they go into Redis keys, so no e-mail address or phone number appears in a key. Keep it stable: changing it starts every contact afresh.',
		},
		{
			displayName: 'Command Timeout',
			name: 'commandTimeoutMs',
			type: 'number',
			default: 1000,
			description: 'Longest wait for one Redis command, in milliseconds; nodes apply their store-down policy after it',
		},
	];
}
