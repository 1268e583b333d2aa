/**
 * Frequency Cap on a Redis Cluster: the cap.node workload (bench/cap-workload.ts: the node's own
 * `execute`, 10 000 contacts per round, three caps, one execution per BATCH items) against a
 * 3-master cluster with one replica each, started for the run from redis-server on free ports
 * (test/integration/helpers/redis-cluster.ts), and against the one Redis at REDIS_URL in the
 * same run:
 *
 *   bench cluster.cap: <n> items/s            the node on the cluster (Connection Type: Cluster)
 *   bench cluster.cap_confirmed: <n> items/s  the same with Replica Confirmations 1 (WAIT 1 per
 *                                             master and batch: no counted send lost on failover)
 *   bench cluster.cap_single: <n> items/s     the node on one Redis (what cap.node measures)
 *   bench cluster.vs_single: <x>              cluster / single
 *   bench cluster.confirmed_vs_single: <x>    confirmed / single
 *
 * The cluster's six servers share this machine's cores with the benchmark, so the figure shows
 * the cost of the cluster client (a batch split per master, one pipeline each), not the scaling
 * a cluster of machines gives. Every side must give every item the same allowed/capped answer,
 * and the one the workload expects (checked every round; the bench fails otherwise). Rounds
 * interleave the sides; each figure is the median of ROUNDS rounds after a warm-up round.
 */
import { randomBytes } from 'node:crypto';
import { closeRedisPool } from '../lib/store/redis/connection';
import { RedisClusterFixture } from '../test/integration/helpers/redis-cluster';
import { adminClient, deleteNamespace, HASH_SECRET, REDIS_HOST, REDIS_PORT, START_REDIS } from '../test/integration/helpers/redis';
import { CONTACTS, ROUNDS, expectedAnswer, median, nodeSide, roundItems, timed } from './cap-workload';

const tag = randomBytes(4).toString('hex');
const SIDES = ['cluster', 'confirmed', 'single'] as const;

async function main() {
	const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
	const single = {
		host: REDIS_HOST,
		port: REDIS_PORT,
		password: url.password || '',
		database: 0,
		namespace: `bench-cluster-single-${tag}`,
		hashSecret: HASH_SECRET,
		commandTimeoutMs: 10_000,
	};
	const admin = adminClient();
	try {
		await admin.ping();
	} catch (error) {
		console.error(`bench cluster: Redis is not reachable at ${REDIS_HOST}:${REDIS_PORT} (${(error as Error).message}): ${START_REDIS}`);
		process.exit(1);
	}
	const cluster = await RedisClusterFixture.start();
	const namespaces = { cluster: `bench-cluster-${tag}`, confirmed: `bench-cluster-acks-${tag}` };
	try {
		// six servers and the benchmark share the cores: a generous decision timeout, alike for every side
		const options = { decisionTimeoutMs: 10_000 };
		const sides = {
			cluster: nodeSide(cluster.credential(namespaces.cluster, { commandTimeoutMs: 10_000 }), options),
			confirmed: nodeSide(cluster.credential(namespaces.confirmed, { commandTimeoutMs: 10_000, replicaAcks: 1 }), options),
			single: nodeSide(single, options),
		};
		const rates: Record<(typeof SIDES)[number], number[]> = { cluster: [], confirmed: [], single: [] };
		for (let r = 0; r <= ROUNDS; r++) {
			const items = roundItems(r);
			const answers: Partial<Record<(typeof SIDES)[number], Uint8Array>> = {};
			for (const side of SIDES) {
				const run = await timed(() => sides[side](r, items));
				answers[side] = run.answers;
				if (r > 0) rates[side].push(CONTACTS / run.seconds);
			}
			for (let i = 0; i < CONTACTS; i++) {
				const expected = expectedAnswer(r, i);
				for (const side of SIDES) {
					if (answers[side]![i] !== expected) throw new Error(`round ${r}, item ${i + 1}: ${side} says ${expected ? 'capped' : 'allowed'}, expected the opposite (and the other sides)`);
				}
			}
		}
		const [clustered, confirmed, one] = SIDES.map((side) => median(rates[side]));
		console.error(`# ${CONTACTS} items per round; cluster, cluster with replica confirmations and one Redis agreed on every item of ${ROUNDS + 1} rounds`);
		console.log(`bench cluster.cap: ${Math.round(clustered)} items/s`);
		console.log(`bench cluster.cap_confirmed: ${Math.round(confirmed)} items/s`);
		console.log(`bench cluster.cap_single: ${Math.round(one)} items/s`);
		console.log(`bench cluster.vs_single: ${(clustered / one).toFixed(2)}`);
		console.log(`bench cluster.confirmed_vs_single: ${(confirmed / one).toFixed(2)}`);
	} finally {
		await closeRedisPool();
		await deleteNamespace(admin, single.namespace);
		await admin.quit();
		await cluster.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
