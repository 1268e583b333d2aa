/**
 * One OS process of the concurrency test (bundled by esbuild and started by concurrency.test.ts).
 * Reads one JSON command per stdin line, fires all of its check-and-reserve calls at once (each
 * its own store call, so they race each other and the other processes at Redis), and answers
 * one JSON line with the decisions' reasons.
 */
import { createInterface } from 'node:readline';
import type { CapRequest, CapRule } from '../../../lib/store/caps';
import { RedisStore } from '../../../lib/store/redis/RedisStore';

interface Command {
	id: number;
	namespace: string;
	host: string;
	port: number;
	hashSecret: string;
	contactId: string;
	calls: number;
	limit: number;
	/** every call with this key (idempotency), or a unique key per call when absent */
	messageKey?: string;
	worker: number;
}

const stores = new Map<string, RedisStore>();

async function run(cmd: Command) {
	let store = stores.get(cmd.namespace);
	if (!store) {
		store = RedisStore.standalone({
			host: cmd.host,
			port: cmd.port,
			database: 0,
			tls: false,
			namespace: cmd.namespace,
			hashSecret: cmd.hashSecret,
			commandTimeoutMs: 10_000,
		});
		stores.set(cmd.namespace, store);
	}
	const rules: CapRule[] = [{ kind: 'limit', id: 'cap', scope: 'all', limit: cmd.limit, window: { kind: 'rolling', ms: 3_600_000 } }];
	const calls: Array<Promise<string>> = [];
	for (let i = 0; i < cmd.calls; i++) {
		const request: CapRequest = {
			mode: 'reserve',
			contactId: cmd.contactId,
			channel: 'email',
			messageKey: cmd.messageKey ?? `w${cmd.worker}-c${i}`,
			rules,
		};
		calls.push(
			store.caps.apply([request], { timeoutMs: 10_000 }).then(
				([d]) => d.reason,
				(error: Error) => `error: ${error.message}`,
			),
		);
	}
	const reasons = await Promise.all(calls);
	process.stdout.write(`${JSON.stringify({ id: cmd.id, reasons })}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
	if (!line.trim()) return;
	void run(JSON.parse(line) as Command);
});
lines.on('close', async () => {
	await Promise.all([...stores.values()].map((s) => s.close()));
	process.exit(0);
});
process.stdout.write('ready\n');
