/**
 * The cart-abandonment template with an experiment, end to end in the real n8n (Redis store):
 * the template is imported as templates.test.ts does (credentials, Journey settings values,
 * delays of 30 seconds), then changed as a marketer would in the editor — a Journey Split after
 * Journey Entry (A 50 / B 50, holdout 20 %; the holdout goes straight to an Exit Journey),
 * variant B's own push title, SMS text and email subject, and a conversion goal on Journey Entry
 * (a purchase of that cart). 30 contacts go through it side by side, with push or SMS, some
 * buying before the nudge, after it, after the coupon email, or another cart; every purchase is
 * posted twice (the same event again, or a new one).
 *
 * Checked: the holdout gets no message, A and B get their variant's content; each journey ends
 * where its purchases say; the Journey Report's Output rows per step and variant equal counts
 * worked out by hand from what the SMTP/FCM/SOLAPI sinks received and which purchases were
 * posted when; the Journey Report Page in Chromium shows the same numbers, and its screenshot is
 * saved (test-artifacts/screenshots/cart-experiment-report.png; docs/ with
 * UPDATE_README_SCREENSHOT=1 or when missing).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant } from '../../lib';
import { applyStoreCredential, sleep } from '../../scripts/n8n/index.mjs';
import { deleteNamespace } from '../integration/helpers/redis';
import type { CredentialRef, Json } from '../unit/events/workflows';
import { api, importWorkflow, n8nContext, outputTakenBy, postToWebhook, printN8nLogOnFailure, waitForExecutions, type Workflow } from './helpers';
import { expectPageShows, reportOutputWorkflow, reportPageWorkflow, saveScreenshot, withReportPage } from './report-page';
import {
	createCredential,
	etcZone,
	exits,
	inbox,
	JOURNEY_TIMEOUT,
	journeysEnded,
	messages,
	middayAhead,
	postEvent,
	RUN,
	seed,
	startSinks,
	templateFor,
	until,
	type Message,
	type TemplateRun,
} from './template-runs';

printN8nLogOnFailure(120);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TAG = 'cart-experiment';
const namespace = `e2e-cart-experiment-${RUN}`;
const journey = `cart-abandonment-${RUN}`;
const SPLIT = { variants: [{ name: 'A', weight: 50 }, { name: 'B', weight: 50 }], holdoutPercent: 20 };
const VARIANTS = ['A', 'B', 'holdout'] as const;
type Group = (typeof VARIANTS)[number];
/** 30 contacts: as many per group as the weights say (contact ids are drawn until each group is full) */
const QUOTA: Record<Group, number> = { A: 12, B: 12, holdout: 6 };
const USER = 'marketing';
const PASSWORD = `cart-report-${RUN}-pw`;

/** What a contact does: buy the cart before the nudge, after it, after the coupon email, another cart after the nudge, or nothing. */
type Role = 'early' | 'mid' | 'late' | 'other' | 'none';
/** per group, in turn: B's content converts better than A's (10 of 12 against 6 of 12), and both better than nothing (2 of 6) */
const ROLES: Record<Group, Role[]> = {
	A: ['mid', 'none', 'late', 'other', 'early', 'none'],
	B: ['mid', 'late', 'early', 'mid', 'other', 'late'],
	holdout: ['early', 'none', 'none', 'late', 'none', 'none'],
};

/** Variant B's content (A keeps the template's). */
const CONTENT = {
	A: { push: 'Still thinking it over?', sms: '장바구니에 담아두신 상품이 기다리고 있어요.', email: 'Your cart is waiting: 10% off inside' },
	B: { push: 'Your cart misses you', sms: '장바구니 상품, 오늘만 10% 할인!', email: 'Come back: 10% off your cart today' },
};

interface Contact {
	id: string;
	group: Group;
	role: Role;
	cartId: string;
	email: string;
	pushToken?: string;
	/** what the event carries */
	phone: string;
	/** how SOLAPI receives the number */
	sms: string;
	/** purchases posted: when, which cart, and the trigger's answer to each of the two posts */
	purchases: Array<{ at: number; cartId: string; answers: Json[] }>;
}

function drawContacts(): Contact[] {
	const out: Contact[] = [];
	const filled: Record<Group, number> = { A: 0, B: 0, holdout: 0 };
	for (let i = 0; out.length < QUOTA.A + QUOTA.B + QUOTA.holdout; i++) {
		const id = `cart-x${i}-${RUN}`;
		const group = assignVariant({ name: journey, ...SPLIT }, id) as Group;
		if (filled[group] >= QUOTA[group]) continue;
		const k = filled[group]++;
		const digits = String(20_000_000 + i);
		out.push({
			id,
			group,
			role: ROLES[group][k % ROLES[group].length],
			cartId: `cart-${id}`,
			email: `${id}@example.com`,
			// every fourth contact has no app: the nudge goes by SMS
			pushToken: k % 4 === 3 ? undefined : `fcm-${id}`,
			phone: `+8210${digits}`,
			sms: `010${digits}`,
			purchases: [],
		});
	}
	return out;
}

const contacts = drawContacts();
const addresses = (c: Contact) => [c.email, c.sms, ...(c.pushToken ? [c.pushToken] : [])];
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
let sinks: Awaited<ReturnType<typeof startSinks>>;
let run: TemplateRun;
let login: CredentialRef;

beforeAll(async () => {
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	sinks = await startSinks('cart experiment e2e');
	const store = await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `cart experiment store ${RUN}`, namespace, hashSecret: `cart-experiment-hash-${RUN}-0123456789`, extra: { commandTimeoutMs: 5000 } });
	if (!store) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	run = { tag: TAG, store, credentials: sinks.credentials };
	login = await createCredential('cart experiment e2e', 'journeyReportBasicAuthApi', { user: USER, password: PASSWORD });
	await seed(run, contacts.map((c) => c.id), [], 10);
}, 300_000);

afterAll(async () => {
	await sinks?.close();
	try {
		await deleteNamespace(redis, namespace);
	} finally {
		redis.disconnect();
	}
});

/**
 * The template as a marketer changes it for the experiment: variant B's content in Journey
 * settings and on the three Channel Sends, a conversion goal on Journey Entry, and a Journey
 * Split between Journey Entry and the first wait whose holdout exits at once.
 */
function withExperiment(wf: Workflow, store: CredentialRef): Workflow {
	const node = (name: string) => {
		const found = wf.nodes.find((n: Json) => n.name === name);
		if (!found) throw new Error(`cart-abandonment.json has no node "${name}"`);
		return found;
	};
	const settings = node('Journey settings').parameters.assignments.assignments as Json[];
	for (const [name, value] of Object.entries({ pushTitleB: CONTENT.B.push, smsTextB: CONTENT.B.sms, emailSubjectB: CONTENT.B.email })) settings.push({ id: randomUUID(), name, value, type: 'string' });
	// the A content is the template's own
	expect([CONTENT.A.push, CONTENT.A.email].every((v) => settings.some((a) => a.value === v))).toBe(true);
	const byVariant = (field: string) => `={{ $('Journey settings').first().json[$json.experiment?.variant === 'B' ? '${field}B' : '${field}'] }}`;
	node('Send push').parameters.title = byVariant('pushTitle');
	node('Send SMS').parameters.message = byVariant('smsText');
	node('Send coupon email').parameters.subject = byVariant('emailSubject');

	Object.assign(node('Journey Entry').parameters, {
		trackConversion: true,
		goalEvent: 'purchase',
		// a purchase of this cart: the goal is per entry, and an entry is a cart
		goalConditions: "={{ JSON.stringify({ all: [{ fact: 'cartId', operator: 'equal', value: $json.properties.cartId }] }) }}",
		goalWindowDays: 7,
	});
	const exit = node('Exit: purchased');
	wf.nodes.push(
		{
			id: randomUUID(),
			name: 'Journey Split',
			type: 'n8n-nodes-journeys.journeySplit',
			typeVersion: 1,
			position: [400, 400],
			parameters: { experimentName: '', contactId: '={{ $json.contactId }}', variants: { values: SPLIT.variants }, holdoutPercent: SPLIT.holdoutPercent, store: 'memory', options: {} },
		},
		{ ...exit, id: randomUUID(), name: 'Exit: holdout', position: [640, 560] },
	);
	const first = wf.connections['Journey Entry'].main[0][0];
	expect(first.node).toBe('Wait for purchase (first delay)');
	wf.connections['Journey Entry'].main = [[{ node: 'Journey Split', type: 'main', index: 0 }]];
	wf.connections['Journey Split'] = { main: [[first], [first], [{ node: 'Exit: holdout', type: 'main', index: 0 }]] };
	applyStoreCredential(wf, store);
	return wf;
}

/** contact → its journey's execution as last seen (status, last node), from one poll loop over the workflow's executions. */
function watchJourneys(workflowId: string) {
	const latest = new Map<string, { status: string; lastNode: string }>();
	const seen = new Map<string, string>();
	let stopped = false;
	const loop = (async () => {
		while (!stopped) {
			for (const e of await api().listExecutions({ workflowId })) {
				const key = `${e.status}|${e.waitTill}|${e.stoppedAt}`;
				if (['new', 'running'].includes(e.status) || seen.get(e.id) === key) continue;
				const full = await api().getExecution(e.id, { includeData: true });
				seen.set(e.id, `${full.status}|${full.waitTill}|${full.stoppedAt}`);
				const entered = full.data?.resultData.runData['Journey Entry']?.[0]?.data?.main?.[0]?.[0]?.json;
				if (entered) latest.set(String(entered.contactId), { status: full.status, lastNode: String(full.data?.resultData.lastNodeExecuted) });
			}
			await sleep(1000);
		}
	})();
	return {
		/** resolves once the contact's journey is waiting in `node` (so an event from now on finds the wait parked) or has ended */
		async at(c: Contact, state: { waitingIn: string } | 'ended') {
			await until(`${c.id} ${state === 'ended' ? 'ending its journey' : `waiting in ${state.waitingIn}`}`, () => {
				const s = latest.get(c.id);
				return state === 'ended' ? s && !['waiting', 'new', 'running'].includes(s.status) : s?.status === 'waiting' && s.lastNode === state.waitingIn;
			});
		},
		async stop() {
			stopped = true;
			await loop;
		},
	};
}

describe('the cart template with a split and a holdout, and its report', () => {
	it('holdout gets nothing, A and B their content; the report and its page equal the hand count', async () => {
		const timezone = etcZone(middayAhead());
		const template = templateFor('cart-abandonment.json', run, {
			journeyName: journey,
			firstDelay: 30,
			firstDelayUnit: 'seconds',
			secondDelay: 30,
			secondDelayUnit: 'seconds',
			capMaxMessages: 10,
		});
		const imported = await importWorkflow(withExperiment(template, run.store!));
		const eventsPath = imported.webhookPaths[0];
		const reportFlow = await importWorkflow(reportOutputWorkflow(`${TAG}-${RUN}`, journey, run.store!));
		await importWorkflow(reportPageWorkflow(`${TAG}-${RUN}`, run.store!, login));
		const watch = watchJourneys(imported.id);

		/** The purchase of a cart, posted twice: the same event again (a retry), or a new event for it. */
		const buy = async (c: Contact, cartId = c.cartId) => {
			const at = Date.now();
			const first = { id: `evt_${randomUUID()}`, occurredAt: new Date(at).toISOString() };
			const answers = [await postEvent(eventsPath, c.id, 'purchase', { cartId }, first)];
			answers.push(await postEvent(eventsPath, c.id, 'purchase', { cartId }, contacts.indexOf(c) % 2 === 0 ? first : undefined));
			c.purchases.push({ at, cartId, answers });
		};
		const nudged = (c: Contact) => until(`the nudge for ${c.id}`, () => inbox(...addresses(c)).length > 0);
		const emailed = (c: Contact) => until(`the coupon email for ${c.id}`, () => inbox(c.email).length > 0);
		const everyone = async (c: Contact) => {
			await postEvent(eventsPath, c.id, 'cart_abandoned', {
				cartId: c.cartId,
				email: c.email,
				phone: c.phone,
				timezone,
				...(c.pushToken ? { pushToken: c.pushToken } : {}),
			});
			if (c.group === 'holdout') {
				if (c.role === 'none') return;
				await watch.at(c, 'ended');
				// late: when the variants' coupon emails have gone out
				if (c.role === 'late') await until('the first coupon email', () => messages.some((m) => m.channel === 'email'));
				return buy(c);
			}
			switch (c.role) {
				case 'early':
					await watch.at(c, { waitingIn: 'Wait for purchase (first delay)' });
					return buy(c);
				case 'mid':
				case 'other':
					await nudged(c);
					await watch.at(c, { waitingIn: 'Wait for purchase (second delay)' });
					return buy(c, c.role === 'other' ? `another-${c.cartId}` : c.cartId);
				case 'late':
					await emailed(c);
					await watch.at(c, 'ended');
					return buy(c);
				default:
			}
		};
		// all journeys side by side: their waits share n8n's minute polls
		try {
			await Promise.all(contacts.map(everyone));
			const posts = contacts.reduce((n, c) => n + c.purchases.length * 2, 0);
			const executions = await journeysEnded(imported.id, contacts.length + posts);

			// -------------------------------------------------- the split and where each journey ended
			const entries = executions.filter((e) => e.data?.resultData.runData['Journey Split']);
			expect(entries).toHaveLength(contacts.length);
			const taken = outputTakenBy(entries, 'Journey Split');
			for (const c of contacts) expect(VARIANTS[taken[c.id]], c.id).toBe(c.group);
			const exitOf: Record<Role, string> = { early: 'Exit: purchased', mid: 'Exit: purchased (after nudge)', late: 'Exit: journey done', other: 'Exit: journey done', none: 'Exit: journey done' };
			expect(exits(executions)).toEqual(Object.fromEntries(contacts.map((c) => [`${c.id}/${c.cartId}`, c.group === 'holdout' ? 'Exit: holdout' : exitOf[c.role]])));
			for (const e of executions) expect(e.status, `execution ${e.id}`).toBe('success');

			// -------------------------------------------------- what each contact received
			for (const c of contacts) {
				const got = inbox(...addresses(c)).map((m) => `${m.channel}:${m.subject}`);
				if (c.group === 'holdout' || c.role === 'early') {
					expect(got, c.id).toEqual([]);
					continue;
				}
				const content = CONTENT[c.group];
				const nudge = c.pushToken ? expect.stringMatching(new RegExp(`^push:.*${escape(content.push)}$`)) : expect.stringMatching(new RegExp(`^sms:\\(광고\\)ACME[\\s\\S]*${escape(content.sms)}`));
				expect(got, c.id).toEqual(c.role === 'mid' ? [nudge] : [nudge, `email:(광고) ${content.email}`]);
			}
			// the trigger's answers: a purchase of the cart converts once, resumes a parked wait once; another cart does neither
			for (const c of contacts) {
				for (const p of c.purchases) {
					const own = p.cartId === c.cartId;
					expect(p.answers.map((a) => a.converted ?? 0), c.id).toEqual([own ? 1 : 0, 0]);
					const resumes = own && (c.role === 'early' || c.role === 'mid') && c.group !== 'holdout';
					expect(p.answers.map((a) => a.resumed), c.id).toEqual([resumes ? 1 : 0, 0]);
				}
			}

			// -------------------------------------------------- the counts, by hand
			const expected = handCount();
			await postToWebhook(`report-output-${TAG}-${RUN}`, {});
			const [reportRun] = await waitForExecutions(reportFlow.id, 1, 60_000);
			const rows: Json[] = reportRun.data!.resultData.runData['Journey Report'][0].data!.main[0]!.map((i: Json) => i.json);
			const stepCounts = Object.fromEntries(rows.filter((r) => r.step !== '').map((r) => [`${r.step} · ${r.variant}`, r.counts]));
			expect(stepCounts).toEqual(expected.steps);
			const overall = Object.fromEntries(rows.filter((r) => r.step === '').map((r) => [r.variant, r.counts]));
			expect(overall).toEqual(expected.overall);
			const rateOf = (v: string) => overall[v].converted / overall[v].assigned;
			for (const r of rows.filter((x) => x.step === '' && x.variant !== '')) {
				const n = r.counts.assigned;
				const x = r.counts.converted;
				expect(r.conversion.rate).toBeCloseTo(x / n, 12);
				// Wilson's interval, solved from |p̂ − p| = z·√(p(1 − p)/n)
				const z = 1.959963984540054;
				const [a, b, k] = [1 + (z * z) / n, -(2 * (x / n) + (z * z) / n), (x / n) ** 2];
				expect(r.conversion.low).toBeCloseTo((-b - Math.sqrt(b * b - 4 * a * k)) / (2 * a), 12);
				expect(r.conversion.high).toBeCloseTo((-b + Math.sqrt(b * b - 4 * a * k)) / (2 * a), 12);
				if (r.variant === 'holdout') continue;
				expect(r.conversion.control).toBe('holdout');
				expect(r.conversion.uplift).toBeCloseTo((rateOf(r.variant) - rateOf('holdout')) / rateOf('holdout'), 12);
				expect(r.conversion.probabilityBeatsControl).toBeGreaterThan(0);
				expect(r.conversion.probabilityBeatsControl).toBeLessThan(1);
			}

			// -------------------------------------------------- the page, in Chromium
			const pageUrl = `${n8nContext().url}/webhook/report-page-${TAG}-${RUN}?journey=${encodeURIComponent(journey)}`;
			await withReportPage(pageUrl, { username: USER, password: PASSWORD }, async (page) => {
				await expectPageShows(page, journey, rows);
				// and the page has no step row the hand count does not know
				const shown = await page.locator(`section[data-journey="${journey}"] table.steps tr[data-step]`).evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-step')} · ${tr.getAttribute('data-variant')}`));
				expect(shown.sort()).toEqual(Object.keys(expected.steps).sort());
				await saveScreenshot(page, 'cart-experiment-report.png');
			});
		} finally {
			await watch.stop();
		}
	}, JOURNEY_TIMEOUT + 240_000);
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The report's counts worked out from what the sinks received and the purchases posted: every
 * contact entered and was assigned; a contact of A or B parked in the first wait, which ended by
 * its purchase when no nudge came, else by its timeout; a nudge was allowed by its channel's
 * cap and sent, then the second wait parked and ended by a purchase when no email came; an email
 * was allowed and sent. A purchase of the cart converted once, under the step of the last message
 * the contact had received before it (none: only the journey rows).
 */
function handCount(): { steps: Record<string, Record<string, number>>; overall: Record<string, Record<string, number>> } {
	const steps: Record<string, Record<string, number>> = {};
	const overall: Record<string, Record<string, number>> = { '': { entered: 0, converted: 0 } };
	const add = (step: string, variant: string, outcome: string) => {
		const counts = (steps[`${step} · ${variant}`] ??= {});
		counts[outcome] = (counts[outcome] ?? 0) + 1;
	};
	const sender: Record<Message['channel'], string> = { push: 'Send push', sms: 'Send SMS', email: 'Send coupon email' };
	for (const c of contacts) {
		const v = c.group;
		add('Journey Entry', '', 'entered');
		overall[''].entered++;
		add('Journey Split', v, 'assigned');
		overall[v] ??= { assigned: 0, converted: 0 };
		overall[v].assigned++;
		const received = inbox(...addresses(c));
		if (v !== 'holdout') {
			const nudge = received.find((m) => m.channel !== 'email');
			const email = received.find((m) => m.channel === 'email');
			add('Wait for purchase (first delay)', v, 'waiting');
			add('Wait for purchase (first delay)', v, nudge ? 'timeout' : 'event');
			if (nudge) {
				add(nudge.channel === 'push' ? 'Frequency Cap (push)' : 'Frequency Cap (SMS)', v, 'allowed');
				add(sender[nudge.channel], v, 'sent');
				add('Wait for purchase (second delay)', v, 'waiting');
				add('Wait for purchase (second delay)', v, email ? 'timeout' : 'event');
			}
			if (email) {
				add('Frequency Cap (email)', v, 'allowed');
				add('Send coupon email', v, 'sent');
			}
		}
		const purchase = c.purchases.find((p) => p.cartId === c.cartId);
		if (!purchase) continue;
		overall[''].converted++;
		overall[v].converted++;
		const before = received.filter((m) => m.at < purchase.at);
		if (before.length > 0) add(sender[before[before.length - 1].channel], v, 'converted');
	}
	return { steps, overall };
}
