/**
 * One OS process of the lead-score concurrency test (bundled by esbuild and started by
 * concurrency.test.ts). Reads one JSON command per stdin line, fires all of its score updates
 * at once (each its own store call, so they race each other and the other processes at Redis),
 * and answers one JSON line with what each update answered.
 */
import { createInterface } from 'node:readline';
import type { ScoreAward, ScoreOptions } from '../../../lib/store/scores';
import { RedisStore } from '../../../lib/store/redis/RedisStore';

interface Command {
	id: number;
	namespace: string;
	host: string;
	port: number;
	hashSecret: string;
	contactId: string;
	calls: number;
	worker: number;
	options: ScoreOptions;
	/** the awards of every call */
	awards: ScoreAward[];
}

const stores = new Map<string, RedisStore>();

async function run(cmd: Command) {
	let store = stores.get(cmd.namespace);
	if (!store) {
		store = RedisStore.standalone({ host: cmd.host, port: cmd.port, database: 0, tls: false, namespace: cmd.namespace, hashSecret: cmd.hashSecret, commandTimeoutMs: 20_000 });
		stores.set(cmd.namespace, store);
	}
	const calls: Array<Promise<{ crossed: string[]; points: number } | { error: string }>> = [];
	for (let i = 0; i < cmd.calls; i++) {
		calls.push(
			store.scores.apply([{ contactId: cmd.contactId, key: `w${cmd.worker}-c${i}`, awards: cmd.awards }], cmd.options).then(
				([s]) => ({ crossed: s.crossed, points: s.applied.reduce((sum, r) => sum + r.points, 0) }),
				(error: Error) => ({ error: error.message }),
			),
		);
	}
	const results = await Promise.all(calls);
	process.stdout.write(`${JSON.stringify({ id: cmd.id, results })}\n`);
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
