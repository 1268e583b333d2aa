/**
 * Events in, journeys resumed (issue 5):
 *
 *   bench event.ingest: <n> events/s      record + match against 1 000 registered waits, store
 *                                         only (Redis): per batch of 200 events one record
 *                                         pipeline, one wait-lookup pipeline, the match in process
 *                                         (no resume posts). Median of 5 rounds after a warm-up.
 *   bench event.resume_p50: <ms>          event posted to the Journey Event Trigger → the waiting
 *   bench event.resume_p99: <ms>          execution continuing (its Event Received branch calls
 *                                         a local HTTP server), in a real n8n started by the
 *                                         harness, 200 waiting executions, one event at a time.
 *
 * The n8n part installs the packed package (JOURNEYS_BENCH_TARBALL=<tgz> to reuse one; else it
 * builds and packs) into a temporary user folder and stops n8n afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { findMatchingWaits } from '../lib/events/resumer';
import { RedisStore } from '../lib/store/redis/RedisStore';
import type { ContactEvent, WaitRegistration } from '../lib/store/types';
import { prepare, purchase, send, waitJourney } from '../test/unit/events/workflows';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const host = url.hostname || '127.0.0.1';
const port = Number(url.port || 6379);
const password = url.password || undefined;

const WAITS = 1_000;
const BATCH = 200;
const BATCHES_PER_ROUND = 50;
const ROUNDS = 5;
const RESUMES = 200;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function deleteNamespace(namespace: string): Promise<void> {
	const admin = new Redis({ host, port, password, maxRetriesPerRequest: 1 });
	try {
		let cursor = '0';
		do {
			const [next, keys] = await admin.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
			if (keys.length) await admin.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		admin.disconnect();
	}
}

async function benchIngest(): Promise<{ rate: number; matchesPerRound: number }> {
	const namespace = `bench-event-${randomBytes(4).toString('hex')}`;
	const store = RedisStore.standalone({ host, port, password, database: 0, tls: false, namespace, hashSecret: 'bench-hash-secret-0123456789', commandTimeoutMs: 10_000 });
	try {
		const now = await store.now();
		const registrations: WaitRegistration[] = Array.from({ length: WAITS }, (_, i) => ({
			waitId: `exec-${i}:node`,
			token: randomUUID(),
			contactId: `contact-${i}@example.com`,
			executionId: `exec-${i}`,
			nodeId: 'node',
			match: {
				names: ['purchase'],
				sinceMs: now - 3_600_000,
				...(i % 2 === 0 ? { correlation: { eventPath: 'cartId', value: `cart-${i}` } } : {}),
				...(i % 4 === 1 ? { conditions: { all: [{ fact: 'total', operator: 'greaterThanInclusive', value: 50 }] } } : {}),
			},
			snapshot: { contactId: `contact-${i}@example.com`, cartId: `cart-${i}`, plan: 'pro' },
			resumeUrl: `http://127.0.0.1:5678/webhook-waiting/exec-${i}/node?signature=x`,
			expiresAt: now + 3_600_000,
			createdAt: now,
		}));
		for (let i = 0; i < registrations.length; i += 200) await store.waits.register(registrations.slice(i, i + 200), { graceSeconds: 3600 });

		let matches = 0;
		const round = async (r: number) => {
			for (let b = 0; b < BATCHES_PER_ROUND; b++) {
				const events: ContactEvent[] = Array.from({ length: BATCH }, (_, k) => {
					// half the events are about contacts that wait, half about contacts that do not
					const c = Math.floor(Math.random() * WAITS * 2);
					return {
						id: `r${r}-b${b}-e${k}`,
						contactId: `contact-${c}@example.com`,
						name: k % 2 === 0 ? 'purchase' : 'page_view',
						properties: { cartId: `cart-${Math.random() < 0.5 ? c : c + 1}`, total: Math.floor(Math.random() * 100) },
						occurredAt: now + r,
					};
				});
				const outcomes = await store.events.record(events, { historyLimit: 100, ttlSeconds: 3600 });
				// what the Journey Event nodes do before posting resumes (lib/events/resumer.ts)
				const matched = await findMatchingWaits(store, events.filter((_, i) => outcomes[i].recorded));
				for (const entry of matched) matches += entry.events.length;
			}
		};
		await round(0);
		const rates: number[] = [];
		matches = 0;
		for (let r = 1; r <= ROUNDS; r++) {
			(globalThis as { gc?: () => void }).gc?.();
			const start = process.hrtime.bigint();
			await round(r);
			rates.push((BATCH * BATCHES_PER_ROUND) / (Number(process.hrtime.bigint() - start) / 1e9));
		}
		return { rate: median(rates), matchesPerRound: Math.round(matches / ROUNDS) };
	} finally {
		await deleteNamespace(namespace);
		await store.close();
	}
}

async function benchResume(): Promise<number[]> {
	// the harness is plain ESM next to the repo: load it at run time, not through the bundle
	const harness = await import(pathToFileURL(path.join(process.cwd(), 'scripts/n8n/index.mjs')).href);
	const log = (msg: string) => console.error(`[bench n8n] ${msg}`);
	const tarball: string = process.env.JOURNEYS_BENCH_TARBALL || (await harness.buildAndPack({ log }));
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-bench-'));

	// the journey's Event Received branch reports here: that moment is "execution continuing"
	const arrived = new Map<string, number>();
	const waiters = new Map<string, () => void>();
	const sink = http.createServer((req, res) => {
		let data = '';
		req.on('data', (chunk) => (data += chunk));
		req.on('end', () => {
			const at = performance.now();
			try {
				const { contactId } = JSON.parse(data) as { contactId: string };
				arrived.set(contactId, at);
				waiters.get(contactId)?.();
			} catch {
				/* not ours */
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{}');
		});
	});
	await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
	const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/continued`;

	let launched: { n8n: { url: string; stop: () => Promise<void> }; api: any } | undefined;
	try {
		launched = await harness.launchN8n({ userFolder, tarball, owner: { email: 'bench@example.com' }, log });
		const setup = await prepare(launched!.n8n.url, launched!.api, randomUUID().slice(0, 8));
		const suffix = randomUUID().slice(0, 8);
		const journey = waitJourney(suffix, { timeoutAmount: 2, timeoutUnit: 'hours' }, setup.redis);
		// Event Branch → an HTTP Request to the sink
		const branch = journey.nodes.find((n: { name: string }) => n.name === 'Event Branch');
		Object.assign(branch, {
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			parameters: {
				method: 'POST',
				url: sinkUrl,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={{ JSON.stringify({ contactId: $json.contactId }) }}',
				options: {},
			},
		});
		const [imported] = await setup.api.importWorkflows([journey], { activate: true });
		const contacts = Array.from({ length: RESUMES }, (_, i) => `bench-${i}-${randomUUID().slice(0, 8)}`);
		for (const contactId of contacts) {
			for (let attempt = 0; ; attempt++) {
				const res = await fetch(`${setup.url}/webhook/start-${suffix}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ contactId }),
				});
				if (res.ok) break;
				if (attempt > 20) throw new Error(`starting a journey answered ${res.status}`);
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
		}
		await setup.api.waitForExecutions({ workflowId: imported.id, count: RESUMES, statuses: ['waiting'], includeData: false, timeoutMs: 300_000 });

		const latencies: number[] = [];
		for (const contactId of contacts) {
			const continued = new Promise<void>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`execution of ${contactId} did not continue within 30 s`)), 30_000);
				waiters.set(contactId, () => {
					clearTimeout(timer);
					resolve();
				});
			});
			const start = performance.now();
			const answer = await send(setup, purchase(contactId));
			if (answer.resumed !== 1) throw new Error(`the event of ${contactId} resumed ${answer.resumed} executions`);
			await continued;
			latencies.push(arrived.get(contactId)! - start);
		}
		return latencies;
	} finally {
		await launched?.n8n.stop();
		await new Promise((resolve) => sink.close(resolve));
		rmSync(userFolder, { recursive: true, force: true });
	}
}

async function main() {
	const ingest = await benchIngest();
	console.log(`bench event.ingest: ${Math.round(ingest.rate)} events/s`);
	console.error(`# ${WAITS} waits registered, ${ingest.matchesPerRound} matches per round of ${BATCH * BATCHES_PER_ROUND} events`);
	const latencies = await benchResume();
	console.log(`bench event.resume_p50: ${percentile(latencies, 50).toFixed(1)} ms`);
	console.log(`bench event.resume_p99: ${percentile(latencies, 99).toFixed(1)} ms`);
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
