/**
 * One OS process of the journey-KPI concurrency test (bundled by esbuild and started by
 * concurrency.test.ts). Reads one JSON command per stdin line and answers one JSON line:
 *   cap      runs `executions` Frequency Cap node executions at once (Check and Reserve, items of
 *            one journey over a small pool of contacts, so the caps race across processes) and
 *            answers how many items it saw leave on each (variant, outcome)
 *   convert  records one event through ingestEvents (as the Journey Event Trigger does) and
 *            answers how many journey entries it converted
 */
import { createInterface } from 'node:readline';
import type { INodeExecutionData } from 'n8n-workflow';
import { ingestEvents } from '../../../lib/events/ingest';
import { closeRedisPool, parseRedisStoreConfig } from '../../../lib/store/redis/connection';
import { getRedisStore } from '../../../lib/store/redis/RedisStore';
import type { ContactEvent } from '../../../lib/store/types';
import { FrequencyCap } from '../../../nodes/FrequencyCap/FrequencyCap.node';
import { executeContext } from '../../unit/helpers/executeContext';

interface Credential {
	host: string;
	port: number;
	namespace: string;
	hashSecret: string;
}

type Command =
	| { id: number; type: 'cap'; credential: Credential; worker: number; executions: number; itemsPerExecution: number; contacts: number; journey: string }
	| { id: number; type: 'convert'; credential: Credential; event: ContactEvent };

const node = new FrequencyCap();
const caps = { cap: [{ type: 'limit', scope: 'channel', maxMessages: 2, window: 'day' }] };

async function runCap(cmd: Extract<Command, { type: 'cap' }>): Promise<Record<string, number>> {
	const credential = { ...cmd.credential, password: '', database: 0, commandTimeoutMs: 20_000 };
	const field = (name: string) => (_: number, item: INodeExecutionData) => item.json[name];
	const raw = { operation: 'checkAndReserve', contactId: '={{ $json.contactId }}', channel: 'email', caps, quietHours: false, bypass: false, store: 'redis', options: { decisionTimeoutMs: 20_000 } };
	const seen: Record<string, number> = {};
	await Promise.all(
		Array.from({ length: cmd.executions }, async (_, e) => {
			const items = Array.from({ length: cmd.itemsPerExecution }, (_, i) => {
				const n = e * cmd.itemsPerExecution + i;
				const contactId = `contact-${n % cmd.contacts}@example.com`;
				// every tenth item has no journey: it is not counted
				if (n % 10 === 9) return { contactId };
				return {
					contactId,
					journey: { name: cmd.journey, entryId: `w${cmd.worker}-e${e}-i${i}` },
					experiment: { name: 'x', variant: n % 3 === 0 ? 'holdout' : n % 3 === 1 ? 'A' : 'B' },
				};
			});
			const ctx = executeContext({
				items,
				parameters: { ...raw, contactId: field('contactId'), campaign: '', tags: [], timezone: 'UTC', messageKey: '' },
				rawParameters: raw,
				executionId: `w${cmd.worker}-exec-${e}`,
				credentials: { journeyStoreRedisApi: credential },
			});
			const [allowed, capped] = await node.execute.call(ctx);
			for (const item of [...allowed, ...capped]) {
				if (!item.json.journey) continue;
				const f = item.json.frequencyCap as { allowed: boolean; reason: string };
				const variant = (item.json.experiment as { variant: string } | undefined)?.variant ?? '';
				const key = `${variant}|${f.allowed ? 'allowed' : `capped:${f.reason}`}`;
				seen[key] = (seen[key] ?? 0) + 1;
			}
		}),
	);
	return seen;
}

async function run(cmd: Command) {
	try {
		if (cmd.type === 'cap') {
			const seen = await runCap(cmd);
			// the nodes do not wait for their counts: wait for them before the test reads
			await getRedisStore(parseRedisStoreConfig({ ...cmd.credential, password: '', database: 0, commandTimeoutMs: 20_000 })).kpis.flush();
			process.stdout.write(`${JSON.stringify({ id: cmd.id, seen })}\n`);
		} else {
			const store = getRedisStore(parseRedisStoreConfig({ ...cmd.credential, password: '', database: 0, commandTimeoutMs: 20_000 }));
			const [ingested] = await ingestEvents(store, [cmd.event], { resume: false });
			process.stdout.write(`${JSON.stringify({ id: cmd.id, converted: ingested.converted })}\n`);
		}
	} catch (error) {
		process.stdout.write(`${JSON.stringify({ id: cmd.id, error: (error as Error).message })}\n`);
	}
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
	if (!line.trim()) return;
	void run(JSON.parse(line) as Command);
});
lines.on('close', async () => {
	await closeRedisPool();
	process.exit(0);
});
process.stdout.write('ready\n');
