import type { IExecuteFunctions, INodeProperties, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { getMemoryStore } from '../store/memory/MemoryStore';
import type { JourneyStore } from '../store/types';

/** The "Store" parameter every node that keeps state shows, so the marketer sees where it lives. */
export const storeProperties: INodeProperties[] = [
	{
		displayName: 'Store',
		name: 'store',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'In-Memory (This n8n Process Only)',
				value: 'memory',
				description:
					'For trials and development: kept in this n8n process, lost on restart, not shared between queue-mode workers',
			},
		],
		default: 'memory',
		description: 'Where counters, events and scores are kept',
	},
	{
		displayName:
			'The in-memory store lives in this n8n process only: it is lost on restart and not shared between queue-mode workers. Use Redis in production.',
		name: 'memoryStoreNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { store: ['memory'] } },
	},
];

type StoreContext = IExecuteFunctions | IWebhookFunctions;

/** The store a node's "Store" parameter points at; one instance per process and credential. */
export async function resolveStore(ctx: StoreContext, itemIndex = 0): Promise<JourneyStore> {
	const kind = (ctx.getNodeParameter('store', itemIndex, 'memory') as string) ?? 'memory';
	if (kind === 'memory') return getMemoryStore();
	throw new NodeOperationError(ctx.getNode(), `Unknown store "${kind}"`, {
		itemIndex,
		description: 'Set the node\'s "Store" parameter to In-Memory or Redis.',
	});
}
