/**
 * Lead Score: the node's rule evaluation (the compiled scoring model) against json-rules-engine's
 * engine.run per item (the baseline, target ≥ 20x), on the same 50 rules and the same 10 000
 * generated contacts, each carrying an event; then the node's own execute path end to end on the
 * Redis store (10 000 contacts in one execution).
 *
 *   bench score.eval: <n> items/s          compiled model, fire() per item, no store
 *   bench score.engine_run: <n> items/s    json-rules-engine (our operators registered) engine.run per item
 *   bench score.speedup: <x>               eval / engine_run
 *   bench score.node: <n> items/s          LeadScore.execute, Redis store, 10 000 contacts, one execution
 *
 * The points every item gets must be the same from both evaluators, and the node's leadScore
 * total for each fresh contact must equal them, or the bench fails.
 */
import { randomBytes } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { closeRedisPool, compileScoringModel, createEngine, type EvaluationContext, type ScoringModel, type ScoringRule } from '../lib';
import { LeadScore } from '../nodes/LeadScore/LeadScore.node';
import { executeContext } from '../test/unit/helpers/executeContext';
import { Redis } from 'ioredis';

const CONTACTS = 10_000;
// the node reads the store's clock (Redis TIME): the evaluators use the same "now", give or take the run
const NOW = Date.now();
const ctx: EvaluationContext = { now: NOW, timezone: 'UTC' };

function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const rand = random(20260615);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];

const COUNTRIES = ['KR', 'US', 'JP', 'DE', 'FR', 'BR', 'GB'];
const INDUSTRIES = ['software', 'saas', 'fintech', 'retail', 'manufacturing', 'media'];
const EVENTS = ['page_viewed', 'email_clicked', 'demo_requested', 'webinar_attended', 'order_completed', 'unsubscribed'];
const PATHS = ['/pricing', '/pricing/teams', '/docs', '/blog/x', '/features'];
const TITLES = ['VP Marketing', 'Engineer', 'Head of Growth', 'Student', 'CTO', 'Analyst'];

// 50 rules: 25 fit rules on the contact, 25 engagement rules on the event, from 10 templates
const templates: Array<(i: number) => ScoringRule['conditions']> = [
	(i) => ({ all: [{ fact: 'country', operator: 'isIn', value: COUNTRIES.slice(i % 4, (i % 4) + 3) }] }),
	(i) => ({ all: [{ fact: 'companySize', operator: 'between', value: [10 * (i + 1), 500 * (i + 1)] }] }),
	(i) => ({ all: [{ fact: 'industry', operator: 'equal', value: INDUSTRIES[i % INDUSTRIES.length] }] }),
	(i) => ({ all: [{ fact: 'jobTitle', operator: 'stringContains', value: ['VP', 'Head', 'CTO', 'Engineer'][i % 4] }] }),
	(i) => ({ any: [{ fact: 'tags', operator: 'containsAny', value: ['vip', 'beta'] }, { fact: 'revenue', operator: 'greaterThan', value: 1000 * (i + 1) }] }),
	(i) => ({ all: [{ fact: 'event.name', operator: 'equal', value: EVENTS[i % EVENTS.length] }] }),
	(i) => ({ all: [{ fact: 'event.name', operator: 'equal', value: 'page_viewed' }, { fact: 'event.properties.path', operator: 'startsWith', value: PATHS[i % PATHS.length] }] }),
	(i) => ({ all: [{ fact: 'event.name', operator: 'equal', value: 'order_completed' }, { fact: 'event.properties.total', operator: 'greaterThanInclusive', value: 50 * (i % 5) }] }),
	(i) => ({ all: [{ fact: 'event.name', operator: 'isIn', value: EVENTS.slice(i % 3, (i % 3) + 2) }, { not: { fact: 'country', operator: 'equal', value: COUNTRIES[i % COUNTRIES.length] } }] }),
	(i) => ({ all: [{ fact: 'event.properties.campaign', operator: 'equal', value: `spring-${i % 3}` }, { fact: 'lastSeenAt', operator: 'withinLast', value: '30d' }] }),
];
const rules: ScoringRule[] = [];
for (let i = 0; i < 50; i++) {
	const template = i % 10;
	rules.push({
		name: `rule-${i}`,
		conditions: templates[template](Math.floor(i / 10)),
		event: { type: 'score', params: { group: template < 5 ? 'fit' : 'engagement', points: ((i * 7) % 23) - 5, repeat: 'every' } },
	});
}
const model: ScoringModel = {
	name: 'bench',
	description: 'fifty generated rules for the benchmark',
	groups: { fit: { label: 'Fit' }, engagement: { label: 'Engagement' } },
	thresholds: [{ name: 'mql', score: 1_000_000 }],
	rules,
};

const contacts: Array<Record<string, unknown>> = [];
for (let i = 0; i < CONTACTS; i++) {
	contacts.push({
		contactId: `c${i}`,
		country: pick(COUNTRIES),
		companySize: Math.floor(rand() * 3000),
		industry: pick(INDUSTRIES),
		jobTitle: pick(TITLES),
		tags: rand() < 0.3 ? [pick(['vip', 'beta', 'news'])] : [],
		revenue: Math.floor(rand() * 10_000),
		lastSeenAt: new Date(NOW - Math.floor(rand() * 60 * 86_400_000)).toISOString(),
		event: {
			id: `e${i}`,
			name: pick(EVENTS),
			properties: { path: pick(PATHS), total: Math.floor(rand() * 300), campaign: `spring-${Math.floor(rand() * 4)}` },
			occurredAt: new Date(NOW).toISOString(),
		},
	});
}

const gc = (globalThis as { gc?: () => void }).gc;

function runEval(): { points: number[]; perSecond: number } {
	const compiled = compileScoringModel(model);
	const sum = (c: Record<string, unknown>) => compiled.fire(c, ctx).reduce((s, r) => s + r.points, 0);
	for (const c of contacts) sum(c); // warm-up
	const points = new Array<number>(contacts.length);
	let passes = 0;
	let elapsed = 0;
	const start = process.hrtime.bigint();
	do {
		for (let i = 0; i < contacts.length; i++) points[i] = sum(contacts[i]);
		passes++;
		elapsed = Number(process.hrtime.bigint() - start) / 1e9;
	} while (elapsed < 1);
	return { points, perSecond: (passes * contacts.length) / elapsed };
}

async function runEngine(): Promise<{ points: number[]; perSecond: number }> {
	const engine = createEngine(ctx, rules);
	for (let i = 0; i < 500; i++) await engine.run(contacts[i]); // warm-up
	const points = new Array<number>(contacts.length);
	const start = process.hrtime.bigint();
	for (let i = 0; i < contacts.length; i++) {
		const { events } = await engine.run(contacts[i]);
		points[i] = events.reduce((s, e) => s + Number(e.params?.points), 0);
	}
	const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
	return { points, perSecond: contacts.length / elapsed };
}

async function runNode(expected: number[]): Promise<number> {
	const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
	const namespace = `bench-score-${randomBytes(4).toString('hex')}`;
	const credentials = {
		host: url.hostname || '127.0.0.1',
		port: Number(url.port || 6379),
		password: url.password || '',
		namespace,
		hashSecret: 'bench-hash-secret-0123456789',
		commandTimeoutMs: 30_000,
	};
	const node = new LeadScore();
	const context = () =>
		executeContext({
			items: contacts,
			parameters: {
				operation: 'score',
				store: 'redis',
				modelSource: 'json',
				modelJson: JSON.stringify(model),
				contactId: (_: number, item: INodeExecutionData) => item.json.contactId,
				eventField: 'event',
				timezone: '',
				options: { decisionTimeoutMs: 30_000 },
			},
			rawParameters: { contactId: '={{ $json.contactId }}', timezone: '' },
			timezone: 'UTC',
			credentials: { journeyStoreRedisApi: credentials },
		});
	const admin = new Redis({ host: credentials.host, port: credentials.port, password: credentials.password || undefined });
	try {
		const start = process.hrtime.bigint();
		const [qualified, notQualified] = await node.execute.call(context());
		const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
		if (qualified.length !== 0 || notQualified.length !== contacts.length) throw new Error('score.node: unexpected routing');
		for (const out of notQualified) {
			const i = (out.pairedItem as { item: number }).item;
			const total = (out.json.leadScore as { total: number }).total;
			// nothing is capped and every contact is new, so its total is the points its rules give
			if (total !== expected[i]) throw new Error(`score.node: item ${i + 1} scored ${total}, the evaluators gave ${expected[i]}`);
		}
		return contacts.length / elapsed;
	} finally {
		let cursor = '0';
		do {
			const [next, keys] = await admin.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 5000);
			if (keys.length) await admin.unlink(...keys);
			cursor = next;
		} while (cursor !== '0');
		await admin.quit();
		await closeRedisPool();
	}
}

async function main() {
	gc?.();
	const engine = await runEngine();
	gc?.();
	const evaluated = runEval();
	const differs = evaluated.points.findIndex((p, i) => p !== engine.points[i]);
	if (differs >= 0) {
		console.error(`bench score: item ${differs + 1} got ${evaluated.points[differs]} points from the compiled model, ${engine.points[differs]} from engine.run`);
		process.exit(1);
	}
	gc?.();
	const node = await runNode(evaluated.points);
	console.log(`bench score.eval: ${Math.round(evaluated.perSecond)} items/s`);
	console.log(`bench score.engine_run: ${Math.round(engine.perSecond)} items/s`);
	console.log(`bench score.speedup: ${(evaluated.perSecond / engine.perSecond).toFixed(1)}`);
	console.log(`bench score.node: ${Math.round(node)} items/s`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
