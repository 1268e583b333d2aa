/**
 * The four journey templates (workflows-templates/*.json) run end to end in the real n8n, each
 * imported through the public API unchanged but for credentials, the Journey settings values
 * (delays in seconds, a roomy cap), the trigger's path (each copy listens on its own) and, for
 * win-back, a schedule every 30 seconds instead of daily. Messages reach a real SMTP server and
 * local HTTP servers playing FCM (with its OAuth token endpoint) and SOLAPI.
 *
 * Every template runs twice — in-memory store and Redis store — and all eight runs go side by
 * side (started in beforeAll, each `it` awaits its own), because n8n fires due waits only on its
 * 60-second poll: the whole file takes about as long as the slowest journey (two waits).
 *
 * Per journey: who got which message on which channel in which order; a conversion mid-journey
 * stops the rest; an unconsented or capped contact gets no marketing message; a second cart
 * enters while the first still waits; win-back selects only inactive contacts from PostgreSQL
 * (a database of its own per store run, dropped afterwards).
 */
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sleep } from '../../scripts/n8n/index.mjs';
import type { CredentialRef, Json } from '../unit/events/workflows';
import { api, importWorkflow, printN8nLogOnFailure, waitForExecutions } from './helpers';
import { createCredential, etcZone, exits, inbox, JOURNEY_TIMEOUT, journeysEnded, lines, middayAhead, parked, postEvent, RUN, seed, startSinks, templateFor, until } from './template-runs';

printN8nLogOnFailure(120);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// ---------------------------------------------------------------- PostgreSQL (win-back)

let pgUser = '';
function psql(database: string, sql: string): string {
	return execFileSync('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', pgUser, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { encoding: 'utf8' });
}
function findPgUser(): string {
	for (const user of ['postgres', 'root']) {
		try {
			execFileSync('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', user, '-d', 'postgres', '-qAt', '-c', 'select 1'], { stdio: 'pipe' });
			return user;
		} catch {
			/* next */
		}
	}
	throw new Error('PostgreSQL is not reachable on 127.0.0.1:5432 as user postgres or root with trust auth (and the psql client is needed): start it, e.g. `service postgresql start`');
}

// ---------------------------------------------------------------- one store run

interface Variant {
	tag: 'memory' | 'redis';
	store?: CredentialRef;
	namespace?: string;
	database: string;
	credentials: Record<string, CredentialRef>;
	/** workflow id and trigger path per template */
	imported: Record<string, { id: string; path: string }>;
	/** about midday in the contacts' zone now, so quiet hours (08:00–21:00) stay open during the run */
	timezone: string;
}

/** Posts one signed event to a template's Journey Event Trigger. */
const event = async (variant: Variant, template: string, contactId: string, name: string, properties: Json = {}) => {
	await postEvent(variant.imported[template].path, contactId, name, properties);
};

/** Waits until no execution of the workflow is running (a schedule run and its per-contact calls take a second or two). */
async function betweenRuns(workflowId: string): Promise<void> {
	const deadline = Date.now() + JOURNEY_TIMEOUT;
	while ((await api().listExecutions({ workflowId, status: 'running' })).length > 0) {
		if (Date.now() > deadline) throw new Error(`workflow ${workflowId} never stopped running`);
		await sleep(200);
	}
}

/** What a contact of one run is called and reached at. */
function contact(variant: Variant, template: string, letter: string, channels: { push?: boolean; phone?: boolean } = {}) {
	const id = `${template}-${letter}-${variant.tag}-${RUN}`;
	const digits = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
	return {
		id,
		email: `${id}@example.com`,
		phone: channels.phone ? `+8210${digits}` : undefined,
		/** how SOLAPI receives the number: domestic, digits only */
		sms: `010${digits}`,
		pushToken: channels.push ? `fcm-${id}` : undefined,
		properties(extra: Json = {}) {
			return { email: this.email, timezone: variant.timezone, ...(this.phone ? { phone: this.phone } : {}), ...(this.pushToken ? { pushToken: this.pushToken } : {}), ...extra };
		},
	};
}

// ---------------------------------------------------------------- the journeys

const CAP = 10;
const AD = '(광고)';
/** a marketing email's subject under the Korean advertising rules */
const ad = (subject: string) => `email:${AD} ${subject}`;

async function cartJourney(v: Variant) {
	const [a, b, c, d] = [contact(v, 'cart', 'a', { push: true, phone: true }), contact(v, 'cart', 'b', { phone: true }), contact(v, 'cart', 'c', { push: true, phone: true }), contact(v, 'cart', 'd', { push: true, phone: true })];
	const wf = v.imported['cart-abandonment'];
	const cart1 = `cart-1-${a.id}`;
	const cart2 = `cart-2-${a.id}`;
	await event(v, 'cart-abandonment', a.id, 'cart_abandoned', a.properties({ cartId: cart1 }));
	// the second cart of the same contact enters while the first waits
	await waitForExecutions(wf.id, 1);
	await event(v, 'cart-abandonment', a.id, 'cart_abandoned', a.properties({ cartId: cart2 }));
	await event(v, 'cart-abandonment', b.id, 'cart_abandoned', b.properties({ cartId: `cart-${b.id}` }));
	await event(v, 'cart-abandonment', c.id, 'cart_abandoned', c.properties({ cartId: `cart-${c.id}` }));
	await event(v, 'cart-abandonment', d.id, 'cart_abandoned', d.properties({ cartId: `cart-${d.id}` }));
	// A buys the first cart after its push: that cart's coupon email never comes
	await until('the push for the first cart', () => inbox(a.pushToken!).find((m) => m.data?.cartId === cart1));
	await event(v, 'cart-abandonment', a.id, 'purchase', { cartId: cart1 });

	const executions = await journeysEnded(wf.id, 6);
	expect(exits(executions)).toEqual({
		[`${a.id}/${cart1}`]: 'Exit: purchased (after nudge)',
		[`${a.id}/${cart2}`]: 'Exit: journey done',
		[`${b.id}/cart-${b.id}`]: 'Exit: journey done',
		[`${c.id}/cart-${c.id}`]: 'Exit: email not sent',
		[`${d.id}/cart-${d.id}`]: 'Exit: capped (push)',
	});
	const aInbox = inbox(a.email, a.pushToken!, a.sms);
	expect(aInbox.map((m) => (m.channel === 'push' ? `push:${m.subject}` : `${m.channel}:${m.subject}`))).toEqual([
		expect.stringMatching(/^push:.*Still thinking it over\?$/),
		expect.stringMatching(/^push:.*Still thinking it over\?$/),
		ad('Your cart is waiting: 10% off inside'),
	]);
	expect(aInbox.filter((m) => m.channel === 'push').map((m) => m.data?.cartId).sort()).toEqual([cart1, cart2].sort());
	expect(aInbox[2].body).toContain('COMEBACK10');
	// no push token: the nudge goes by SMS, then the coupon email
	expect(lines(b.email, b.sms)).toEqual([expect.stringMatching(/^sms:\(광고\)ACME/), ad('Your cart is waiting: 10% off inside')]);
	expect(inbox(b.sms)[0].body).toContain('장바구니에 담아두신 상품이 기다리고 있어요');
	expect(inbox(b.sms)[0].body).toContain('080-000-0000');
	expect(lines(c.email, c.pushToken!, c.sms)).toEqual([]);
	expect(lines(d.email, d.pushToken!, d.sms)).toEqual([]);
}

async function onboardingJourney(v: Variant) {
	const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((l) => contact(v, 'onboarding', l));
	const wf = v.imported.onboarding;
	for (const x of [a, b, c, d]) await event(v, 'onboarding', x.id, 'signed_up', x.properties());
	// B creates a first project right after the welcome email: nothing more comes
	await until('the welcome email for B', () => inbox(b.email).length > 0);
	await event(v, 'onboarding', b.id, 'first_project_created', { projectId: 'p-1' });

	const executions = await journeysEnded(wf.id, 5);
	expect(exits(executions)).toEqual({
		[a.id]: 'Exit: journey done',
		[b.id]: 'Exit: converted (after welcome)',
		[c.id]: 'Exit: journey done',
		[d.id]: 'Exit: journey done',
	});
	const welcome = 'email:Welcome to ACME!';
	const intro = ad('Three ACME features worth a look');
	const help = 'email:Need a hand with ACME?';
	expect(lines(a.email)).toEqual([welcome, intro, help]);
	expect(lines(b.email)).toEqual([welcome]);
	// transactional messages still reach the unconsented and the capped contact; the marketing one does not
	expect(lines(c.email)).toEqual([welcome, help]);
	expect(lines(d.email)).toEqual([welcome, help]);
	expect(inbox(a.email)[1].body).toContain('080-000-0000');
}

async function postPurchaseJourney(v: Variant) {
	const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((l) => contact(v, 'post', l));
	const wf = v.imported['post-purchase'];
	const order = (x: { id: string }) => `order-${x.id}`;
	for (const x of [a, b, c, d, e]) await event(v, 'post-purchase', x.id, 'purchase', x.properties({ orderId: order(x), productName: 'Trail shoes' }));
	// B reviews before the review request: none comes, the recommendation still does
	await parked(wf.id, b.id);
	await event(v, 'post-purchase', b.id, 'review_submitted', { orderId: order(b) });
	// D asks for a refund after the review request: no recommendation
	await until('the review request for D', () => inbox(d.email).length > 0);
	await event(v, 'post-purchase', d.id, 'order_refunded', { orderId: order(d) });

	const executions = await journeysEnded(wf.id, 7);
	expect(exits(executions)).toEqual({
		[`${a.id}/${order(a)}`]: 'Exit: journey done',
		[`${b.id}/${order(b)}`]: 'Exit: journey done',
		[`${c.id}/${order(c)}`]: 'Exit: recommendation not sent',
		[`${d.id}/${order(d)}`]: 'Exit: refunded',
		[`${e.id}/${order(e)}`]: 'Exit: capped',
	});
	const review = 'email:How do you like your order?';
	const recommendation = ad('Picked for you');
	expect(lines(a.email)).toEqual([review, recommendation]);
	expect(lines(b.email)).toEqual([recommendation]);
	expect(lines(c.email)).toEqual([review]);
	expect(lines(d.email)).toEqual([review]);
	expect(lines(e.email)).toEqual([review]);
}

async function winBackJourney(v: Variant) {
	const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => contact(v, 'winback', l));
	const day = 86_400_000;
	const seen = (days: number | null) => (days === null ? 'NULL' : `'${new Date(Date.now() - days * day).toISOString()}'`);
	const rows = [
		[a, 120],
		[b, 200],
		[c, 10],
		[d, null],
		[e, 100],
		[f, 95],
	] as const;
	psql(
		v.database,
		`INSERT INTO contacts (id, email, phone, timezone, last_seen_at) VALUES ${rows.map(([x, days]) => `('${x.id}', '${x.email}', NULL, '${v.timezone}', ${seen(days)})`).join(', ')}`,
	);
	const template = templateFor('win-back.json', v, { responseDelay: 20, responseDelayUnit: 'seconds', capMaxMessages: CAP });
	// the template runs daily; here every 30 s (a repeated run enters nobody twice)
	template.nodes.find((n: Json) => n.type === 'n8n-nodes-base.scheduleTrigger').parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 30 }] };
	const imported = await importWorkflow(template);
	const wf = (v.imported['win-back'] = { id: imported.id, path: '' });
	try {
		// B comes back after the win-back email: no incentive
		const comesBack = async (x: { id: string; email: string }) => {
			await until(`the win-back email for ${x.id}`, () => inbox(x.email).length > 0);
			await event(v, 'cart-abandonment', x.id, 'visit', { page: '/' });
		};
		await Promise.all([comesBack(b), until('the incentive for A', () => inbox(a.email).length > 1)]);
	} finally {
		// a schedule run caught by the deactivation fails its per-contact calls ("Workflow is not
		// active"): stop between two runs
		await betweenRuns(wf.id);
		await api().deactivateWorkflow(wf.id);
	}
	const executions = await journeysEnded(wf.id, 5);
	// the daily run kept exactly the inactive contacts with a last visit on record
	const firstRun = executions.filter((x) => x.data?.resultData.runData['Read contacts']).sort((x, y) => Number(x.id) - Number(y.id))[0];
	const matched = firstRun.data!.resultData.runData['Inactive 90 days'][0].data!.main[0]!.map((i: Json) => i.json.contactId).sort();
	expect(matched).toEqual([a.id, b.id, e.id, f.id].sort());
	const ex = exits(executions);
	expect(ex).toEqual({
		[a.id]: 'Exit: journey done',
		[b.id]: 'Exit: came back',
		[e.id]: 'Exit: win-back not sent',
		[f.id]: 'Exit: capped',
	});
	const winBack = ad('We miss you at ACME');
	const incentive = ad('A welcome-back gift: 20% off');
	expect(lines(a.email)).toEqual([winBack, incentive]);
	expect(lines(b.email)).toEqual([winBack]);
	for (const x of [c, d, e, f]) expect(lines(x.email)).toEqual([]);
}

// ---------------------------------------------------------------- set-up

const variants: Variant[] = [];
const runs = new Map<string, Promise<unknown>>();
let sinks: Awaited<ReturnType<typeof startSinks>>;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });

const ALL_JOURNEYS: Record<string, (v: Variant) => Promise<void>> = {
	'cart-abandonment': cartJourney,
	onboarding: onboardingJourney,
	'post-purchase': postPurchaseJourney,
	'win-back': winBackJourney,
};
// the e2e-queue project (main + 2 workers) runs this file too: cart abandonment on the Redis
// store (an in-memory store is one process's, and each worker is a process)
const QUEUE_MODE = inject('queueMode') === true;
const JOURNEYS = QUEUE_MODE ? { 'cart-abandonment': cartJourney } : ALL_JOURNEYS;
const STORES = QUEUE_MODE ? (['redis'] as const) : (['memory', 'redis'] as const);

beforeAll(async () => {
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	pgUser = findPgUser();
	sinks = await startSinks('templates e2e');
	const shared = sinks.credentials;
	const ahead = middayAhead();

	for (const tag of STORES) {
		const database = `journeys_templates_${tag}_${RUN}`;
		psql('postgres', `CREATE DATABASE ${database}`);
		psql(database, 'CREATE TABLE contacts (id text PRIMARY KEY, email text, phone text, timezone text, last_seen_at timestamptz)');
		const postgres = await createCredential('templates e2e', 'postgres', { host: '127.0.0.1', port: 5432, database, user: pgUser, password: '', ssl: 'disable', allowUnauthorizedCerts: false, sshTunnel: false });
		const namespace = tag === 'redis' ? `e2e-templates-${RUN}` : undefined;
		const store =
			tag === 'redis'
				? await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `templates e2e store ${RUN}`, namespace, hashSecret: `templates-hash-${RUN}-0123456789`, extra: { commandTimeoutMs: 5000 } })
				: undefined;
		const variant: Variant = { tag, store, namespace, database, credentials: { ...shared, postgres }, imported: {}, timezone: etcZone(ahead) };
		variants.push(variant);

		// 20 s, not 1: an event after a wait's deadline no longer counts, and a conversion is sent a moment after the message before it
		const delays = (names: string[]) => Object.fromEntries(names.flatMap((n) => [[n, 20], [`${n}Unit`, 'seconds']]));
		const settings: Record<string, Record<string, unknown>> = {
			'cart-abandonment': delays(['firstDelay', 'secondDelay']),
			onboarding: delays(['featureIntroDelay', 'helpMaterialDelay']),
			'post-purchase': delays(['reviewDelay', 'recommendationDelay']),
		};
		for (const [template, values] of Object.entries(settings)) {
			const wf = templateFor(`${template}.json`, variant, { ...values, capMaxMessages: CAP });
			const imported = await importWorkflow(wf);
			variant.imported[template] = { id: imported.id, path: imported.webhookPaths[0] };
		}
		const ids = (template: string, letters: string) => [...letters].map((l) => `${template}-${l}-${tag}-${RUN}`);
		await seed(
			variant,
			[...ids('cart', 'abd'), ...ids('onboarding', 'abd'), ...ids('post', 'abde'), ...ids('winback', 'abf')],
			[...ids('cart', 'd'), ...ids('onboarding', 'd'), ...ids('post', 'e'), ...ids('winback', 'f')],
			CAP,
		);
	}
	// every journey of both stores at once: their waits share n8n's minute polls
	for (const variant of variants) {
		for (const [template, journey] of Object.entries(JOURNEYS)) {
			const run = journey(variant);
			run.catch(() => undefined); // awaited by its own test below
			runs.set(`${template}/${variant.tag}`, run);
		}
	}
}, 600_000);

afterAll(async () => {
	await Promise.allSettled(runs.values());
	for (const v of variants) {
		await api().deactivateWorkflow(v.imported['win-back']?.id).catch(() => undefined);
		try {
			psql('postgres', `DROP DATABASE IF EXISTS ${v.database} WITH (FORCE)`);
		} catch (error) {
			console.error(`could not drop ${v.database}: ${(error as Error).message}`);
		}
		if (v.namespace) {
			let cursor = '0';
			do {
				const [next, keys] = await redis.scan(cursor, 'MATCH', `${v.namespace}:*`, 'COUNT', 1000);
				if (keys.length) await redis.del(...keys);
				cursor = next;
			} while (cursor !== '0');
		}
	}
	redis.disconnect();
	await sinks?.close();
});

describe(`journey templates end to end (${QUEUE_MODE ? 'cart abandonment on queue mode' : 'all eight runs side by side'})`, () => {
	for (const tag of STORES) {
		for (const template of Object.keys(JOURNEYS)) {
			it(`${template} · ${tag} store`, async () => {
				await runs.get(`${template}/${tag}`);
			}, JOURNEY_TIMEOUT + 120_000);
		}
	}
});
