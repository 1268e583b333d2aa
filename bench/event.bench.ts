/**
 * Events in, journeys resumed:
 *
 *   bench event.ingest: <n> events/s      record + match against 1 000 registered waits, store
 *                                         only (Redis): per batch of 200 events one record
 *                                         pipeline, one wait-lookup pipeline, the match in process
 *                                         (no resume posts). Median of 5 rounds after a warm-up.
 *   bench event.resume_p50: <ms>          event posted to the Journey Event Trigger → the waiting
 *   bench event.resume_p99: <ms>          execution continuing (its Event Received branch calls
 *                                         a local HTTP server), in a real n8n started by the
 *                                         harness, 200 waiting executions, one event at a time.
 *   bench event.resume_direct_p50: <ms>   the baseline, in the same n8n and run: n8n's own Wait
 *                                         node (resume on webhook call) in the same journey shape,
 *                                         its resume URL posted directly (no event, no matching)
 *                                         → the execution calling the same local server. 200
 *                                         waiting executions, measured alternately with ours.
 *   bench event.resume_vs_direct: <x>     resume_p50 / resume_direct_p50 (lower is better)
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
import { bodyAsItemNode, prepare, purchase, send, waitJourney, webhookNode, workflow, type Json } from '../test/unit/events/workflows';

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

/** An HTTP Request node that posts `jsonBody` (an expression) to `url`. */
function postNode(name: string, url: string, jsonBody: string): Json {
	return {
		id: randomUUID(),
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [0, 200],
		parameters: { method: 'POST', url, sendBody: true, specifyBody: 'json', jsonBody, options: {} },
	};
}

/**
 * The baseline journey: Webhook → Contact → report the resume URL → n8n's Wait node (resume on a
 * webhook call) → report "continued", the same shape as the Wait Until Event journey.
 */
function directJourney(suffix: string, sinkUrl: string): Json {
	const wait = {
		id: randomUUID(),
		name: 'Wait',
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		position: [0, 400],
		webhookId: randomUUID(),
		parameters: { resume: 'webhook', httpMethod: 'POST', responseMode: 'onReceived', options: {} },
	};
	return workflow(
		`bench direct resume ${suffix}`,
		[
			webhookNode('Start', `start-direct-${suffix}`),
			bodyAsItemNode('Contact'),
			postNode('Parked', sinkUrl, `={{ JSON.stringify({ contactId: $json.contactId, resumeUrl: $execution.resumeUrl }) }}`),
			wait,
			postNode('Continued', sinkUrl, `={{ JSON.stringify({ contactId: $('Contact').first().json.contactId }) }}`),
		],
		[
			['Start', 0, 'Contact'],
			['Contact', 0, 'Parked'],
			['Parked', 0, 'Wait'],
			['Wait', 0, 'Continued'],
		],
	);
}

async function startJourneys(url: string, path: string, contacts: string[]): Promise<void> {
	for (const contactId of contacts) {
		for (let attempt = 0; ; attempt++) {
			const res = await fetch(`${url}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ contactId }),
			});
			if (res.ok) break;
			if (attempt > 20) throw new Error(`starting a journey answered ${res.status}`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
}

/** Resume latencies (ms) of our event path and of n8n's direct resume, measured alternately. */
async function benchResume(): Promise<{ ours: number[]; direct: number[] }> {
	// the harness is plain ESM next to the repo: load it at run time, not through the bundle
	const harness = await import(pathToFileURL(path.join(process.cwd(), 'scripts/n8n/index.mjs')).href);
	const log = (msg: string) => console.error(`[bench n8n] ${msg}`);
	const tarball: string = process.env.JOURNEYS_BENCH_TARBALL || (await harness.buildAndPack({ log }));
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-bench-'));

	// the journey's Event Received branch reports here: that moment is "execution continuing";
	// the baseline journey also reports its resume URL here before it waits
	const arrived = new Map<string, number>();
	const waiters = new Map<string, () => void>();
	const resumeUrls = new Map<string, string>();
	const sink = http.createServer((req, res) => {
		let data = '';
		req.on('data', (chunk) => (data += chunk));
		req.on('end', () => {
			const at = performance.now();
			try {
				const { contactId, resumeUrl } = JSON.parse(data) as { contactId: string; resumeUrl?: string };
				if (resumeUrl) resumeUrls.set(contactId, resumeUrl);
				else {
					arrived.set(contactId, at);
					waiters.get(contactId)?.();
				}
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
		const [imported, importedDirect] = await setup.api.importWorkflows([journey, directJourney(suffix, sinkUrl)], { activate: true });
		const contacts = Array.from({ length: RESUMES }, (_, i) => `bench-${i}-${randomUUID().slice(0, 8)}`);
		const directContacts = contacts.map((c) => `${c}-direct`);
		await startJourneys(setup.url, `start-${suffix}`, contacts);
		await startJourneys(setup.url, `start-direct-${suffix}`, directContacts);
		await setup.api.waitForExecutions({ workflowId: imported.id, count: RESUMES, statuses: ['waiting'], includeData: false, timeoutMs: 300_000 });
		await setup.api.waitForExecutions({ workflowId: importedDirect.id, count: RESUMES, statuses: ['waiting'], includeData: false, timeoutMs: 300_000 });

		/** ms from `trigger` starting to the execution of `contactId` calling the sink */
		const measure = async (contactId: string, trigger: () => Promise<void>): Promise<number> => {
			const continued = new Promise<void>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`execution of ${contactId} did not continue within 30 s`)), 30_000);
				waiters.set(contactId, () => {
					clearTimeout(timer);
					resolve();
				});
			});
			const start = performance.now();
			await trigger();
			await continued;
			return arrived.get(contactId)! - start;
		};
		const ours: number[] = [];
		const direct: number[] = [];
		// alternately, so a busy moment of the machine slows both alike
		for (let i = 0; i < RESUMES; i++) {
			ours.push(
				await measure(contacts[i], async () => {
					const answer = await send(setup, purchase(contacts[i]));
					if (answer.resumed !== 1) throw new Error(`the event of ${contacts[i]} resumed ${answer.resumed} executions`);
				}),
			);
			const resumeUrl = resumeUrls.get(directContacts[i]);
			if (!resumeUrl) throw new Error(`the baseline execution of ${directContacts[i]} did not report its resume URL`);
			direct.push(
				await measure(directContacts[i], async () => {
					const res = await fetch(resumeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
					if (!res.ok) throw new Error(`posting the resume URL of ${directContacts[i]} answered ${res.status}: ${await res.text()}`);
				}),
			);
		}
		return { ours, direct };
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
	const { ours, direct } = await benchResume();
	const p50 = percentile(ours, 50);
	const directP50 = percentile(direct, 50);
	console.log(`bench event.resume_p50: ${p50.toFixed(1)} ms`);
	console.log(`bench event.resume_p99: ${percentile(ours, 99).toFixed(1)} ms`);
	console.log(`bench event.resume_direct_p50: ${directP50.toFixed(1)} ms`);
	console.log(`bench event.resume_vs_direct: ${(p50 / directP50).toFixed(2)}`);
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
