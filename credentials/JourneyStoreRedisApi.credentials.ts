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
			displayName: 'Connection Type',
			name: 'connection',
			type: 'options',
			options: [
				{ name: 'Single Server', value: 'single', description: 'One Redis server (with or without replicas you fail over yourself)' },
				{ name: 'Cluster', value: 'cluster', description: 'A Redis Cluster: its keys spread over several masters' },
				{ name: 'Sentinel', value: 'sentinel', description: 'A master and replicas watched by Redis Sentinel, which promotes a replica when the master fails' },
			],
			default: 'single',
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			required: true,
			displayOptions: { show: { connection: ['single'] } },
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 6379,
			required: true,
			displayOptions: { show: { connection: ['single'] } },
		},
		{
			displayName: 'Seed Nodes',
			name: 'clusterNodes',
			type: 'string',
			default: '',
			required: true,
			placeholder: '10.0.0.1:6379, 10.0.0.2:6379, 10.0.0.3:6379',
			description: 'Some nodes of the cluster as host:port, separated by commas: the client learns the others from them. List more than one, so it can start while one is down.',
			displayOptions: { show: { connection: ['cluster'] } },
		},
		{
			displayName: 'Sentinels',
			name: 'sentinels',
			type: 'string',
			default: '',
			required: true,
			placeholder: '10.0.0.1:26379, 10.0.0.2:26379, 10.0.0.3:26379',
			description: 'The sentinels as host:port, separated by commas; they tell the client which server is the master',
			displayOptions: { show: { connection: ['sentinel'] } },
		},
		{
			displayName: 'Master Name',
			name: 'masterName',
			type: 'string',
			default: 'mymaster',
			required: true,
			description: 'The name the sentinels know the master by (sentinel monitor <name> …)',
			displayOptions: { show: { connection: ['sentinel'] } },
		},
		{
			displayName: 'Sentinel Password',
			name: 'sentinelPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The sentinels\' own password (requirepass in sentinel.conf); leave empty when they have none',
			displayOptions: { show: { connection: ['sentinel'] } },
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
			displayOptions: { show: { connection: ['single', 'sentinel'] } },
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
		{
			displayName: 'Replica Confirmations',
			name: 'replicaAcks',
			type: 'number',
			default: 0,
			description:
				'Replicas that must confirm every write (Redis WAIT) before a node acts on it. 0: do not wait; a failover may lose the last moments of writes (a cap may then allow a few extra messages). 1 with one replica per master: a failover loses no counted send; a write not confirmed in time fails like a Redis outage.',
		},
	];
}
