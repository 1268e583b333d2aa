/**
 * Redis Cluster refuses a command whose keys are in different hash slots (CROSSSLOT). Every
 * command the Redis store sends — script calls and plain commands, alone or in pipelines — is
 * recorded here on its way to the (single, real) server, and the slots of its keys are
 * computed as Cluster does. Batches mix many contacts so that multi-contact calls would show.
 * (Caps are the exception on one server: their calls carry many slots' contacts, see caps.ts;
 * the Cluster grouping is checked with the option a Cluster client gets.)
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { keySlot } from '../../../lib/store/redis/slots';
import type { CapDecision, CapRequest } from '../../../lib/store/caps';
import { CAP_CALL_SIZE, RedisCapStore } from '../../../lib/store/redis/caps';
import type { ContactEvent } from '../../../lib/store/types';
import type { WaitRegistration } from '../../../lib/store/waits';
import { adminClient, deleteNamespace, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';

interface SentCommand {
	name: string;
	keys: Array<string | Buffer>;
}

beforeAll(requireRedis);
const admin = adminClient();
const namespace = uniqueNamespace('slots');
const store = RedisStore.standalone(storeConfig(namespace));
const sent: SentCommand[] = [];
// every command reaches the connection through sendCommand, pipelined ones included
const client = store.ctx.client as Redis & { sendCommand: Redis['sendCommand'] };
const sendCommand = client.sendCommand.bind(client);
client.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], ...rest: unknown[]) => {
	sent.push({ name: command.name, keys: command.getKeys() });
	return (sendCommand as (...args: unknown[]) => unknown)(command, ...rest);
}) as Redis['sendCommand'];

afterAll(async () => {
	await deleteNamespace(admin, namespace);
	await store.close();
	await admin.quit();
});

const contacts = Array.from({ length: 300 }, (_, i) => `contact-${i}@example.com`);

/** Runs `work`, then checks every command it sent: at least one carries keys, and each command's keys share one slot. */
async function expectOneSlotPerCommand(work: () => Promise<unknown>, expectedCommands: string[]): Promise<SentCommand[]> {
	sent.length = 0;
	await work();
	const withKeys = sent.filter((c) => c.keys.length > 0);
	expect(withKeys.length).toBeGreaterThan(0);
	expect([...new Set(withKeys.map((c) => c.name))].sort()).toEqual(expectedCommands.sort());
	for (const command of withKeys) {
		const slots = new Set(command.keys.map((key) => keySlot(key)));
		expect(slots.size, `${command.name} with ${command.keys.length} keys in slots ${[...slots].slice(0, 5).join(', ')}…`).toBe(1);
	}
	return withKeys;
}

/** Requests for every contact (named `<prefix>-…`), every tenth contact twice: the second is capped by the gap. */
function capBatch(prefix: string): CapRequest[] {
	const rules: CapRequest['rules'] = [
		{ kind: 'limit', id: 'two a day', scope: 'channel', limit: 2, window: { kind: 'calendar', unit: 'day' } },
		{ kind: 'gap', id: 'gap', scope: 'all', gapMs: 60_000 },
	];
	return contacts.flatMap((contact, i) => {
		const request: CapRequest = { mode: 'reserve', contactId: `${prefix}-${contact}`, channel: 'email', timeZone: 'Europe/Berlin', messageKey: `m-${i}`, rules };
		return i % 10 === 0 ? [request, { ...request, messageKey: `m-${i}-again` }] : [request];
	});
}

function expectCapDecisions(requests: CapRequest[], decisions: CapDecision[]): void {
	expect(decisions.filter((d) => d.allowed).length).toBe(contacts.length);
	expect(decisions.filter((d) => d.reason === 'min_gap').length).toBe(contacts.length / 10);
	// each contact's second request came right after its first, in the same call
	for (let i = 0; i < requests.length - 1; i++) {
		if (requests[i + 1].contactId === requests[i].contactId) expect(decisions[i + 1]).toMatchObject({ allowed: false, reason: 'min_gap' });
	}
}

describe('every Redis call stays in one Cluster slot', () => {
	it('caps on Cluster: a batch of many contacts (some named twice) becomes one-slot script calls, decided as before', async () => {
		// what a Cluster client gets by default (RedisCapStore sees ioredis' isCluster)
		const clusterCaps = new RedisCapStore(store.ctx, { oneSlotPerCall: true });
		const requests = capBatch('cluster');
		let decisions: CapDecision[] = [];
		const calls = await expectOneSlotPerCommand(async () => {
			decisions = await clusterCaps.apply(requests);
		}, ['evalsha']);
		// a call per slot: as many calls as distinct slots among the contacts
		const slots = new Set(requests.map((r) => keySlot(store.keys.key(r.contactId, 'capLog'))));
		expect(calls.length).toBe(slots.size);
		expectCapDecisions(requests, decisions);
	});

	it('caps on one server: the same batch goes in CAP_CALL_SIZE-request calls of many slots, decided alike', async () => {
		const requests = capBatch('single');
		sent.length = 0;
		const decisions = await store.caps.apply(requests);
		const calls = sent.filter((c) => c.keys.length > 0);
		expect(calls.length).toBe(Math.ceil(requests.length / CAP_CALL_SIZE));
		expect(new Set(calls[0].keys.map((key) => keySlot(key))).size).toBeGreaterThan(1);
		expectCapDecisions(requests, decisions);
	});

	it('events: record and list', async () => {
		const now = await store.now();
		const events: ContactEvent[] = contacts.map((contactId, i) => ({ id: `e-${i}`, contactId, name: 'purchase', properties: { i }, occurredAt: now }));
		await expectOneSlotPerCommand(() => store.events.record(events, { historyLimit: 10, ttlSeconds: 600 }), ['evalsha']);
		await expectOneSlotPerCommand(() => store.events.list(contacts.map((contactId) => ({ contactId }))), ['zrangebyscore']);
	});

	it('waits: register, find, get, claim, remove', async () => {
		const now = await store.now();
		const registrations: WaitRegistration[] = contacts.slice(0, 50).map((contactId, i) => ({
			waitId: `exec-${i}:node`,
			token: `token-${i}`,
			contactId,
			executionId: `exec-${i}`,
			nodeId: 'node',
			match: { names: ['purchase'], sinceMs: now - 60_000 },
			snapshot: { contactId },
			resumeUrl: `http://127.0.0.1:5678/webhook-waiting/exec-${i}/node`,
			expiresAt: now + 600_000,
			createdAt: now,
		}));
		const refs = registrations.map((r) => ({ contactId: r.contactId, waitId: r.waitId, token: r.token }));
		await expectOneSlotPerCommand(() => store.waits.register(registrations, { graceSeconds: 60 }), ['evalsha']);
		await expectOneSlotPerCommand(() => store.waits.find(registrations.map((r) => ({ contactId: r.contactId, name: 'purchase' }))), ['evalsha']);
		await expectOneSlotPerCommand(() => store.waits.get(refs), ['hmget']);
		await expectOneSlotPerCommand(() => store.waits.claim(refs[0], 'event-1'), ['evalsha']);
		await expectOneSlotPerCommand(() => store.waits.remove(refs), ['evalsha']);
	});

	it('webhook deliveries: first seen, remember, forget', async () => {
		const ids = contacts.map((_, i) => `delivery-${i}`);
		await expectOneSlotPerCommand(() => store.deliveries.firstSeen('hook', ids, 60, 'holder-1'), ['evalsha']);
		await expectOneSlotPerCommand(() => store.deliveries.forget('hook', ids, 'holder-1'), ['evalsha']);
		await expectOneSlotPerCommand(() => store.deliveries.remember('hook', ids, 60), ['set']);
		await expectOneSlotPerCommand(() => store.deliveries.forget('hook', ids), ['del']);
	});

	it('contacts: update, get, erase (every key of a contact in one call)', async () => {
		const now = await store.now();
		await expectOneSlotPerCommand(
			() => store.contacts.update(contacts.map((contactId) => ({ contactId, at: now, unsubscribe: ['email'] })), { ttlSeconds: 600 }),
			['evalsha'],
		);
		await expectOneSlotPerCommand(() => store.contacts.get(contacts), ['hgetall']);
		const erased = await expectOneSlotPerCommand(() => store.contacts.erase(contacts), ['unlink']);
		expect(erased.every((c) => c.keys.length > 1)).toBe(true);
	});

	it('journey KPIs: add (one call per journey and day, one for the index) and read', async () => {
		const day = store.kpis.today();
		const journeys = Array.from({ length: 20 }, (_, i) => `journey-${i}`);
		const counts = journeys.flatMap((journey) => [
			{ journey, step: 'Frequency Cap', variant: 'A', day, outcome: 'allowed', count: 2 },
			{ journey, step: 'Frequency Cap', variant: 'B', day, outcome: 'capped:min_gap', count: 1 },
		]);
		const calls = await expectOneSlotPerCommand(() => store.kpis.add(counts), ['evalsha']);
		expect(calls.length).toBe(journeys.length + 1);
		await expectOneSlotPerCommand(() => store.kpis.read({ fromDay: day, toDay: day }), ['zrangebyscore', 'hgetall']);
		expect((await store.kpis.read({ journeys, fromDay: day, toDay: day })).length).toBe(40);
	});

	it('journey entries with conversion goals: enter, set variant, record send, open goals, convert', async () => {
		const journey = 'cart';
		const requests = contacts.slice(0, 60).map((contactId) => ({
			contactId,
			journey,
			entryId: `entry-${contactId}`,
			reentry: 'anyTime' as const,
			whileActive: 'refuse' as const,
			maxDurationMs: 86_400_000,
			goal: { event: 'purchase', windowMs: 86_400_000 },
		}));
		await expectOneSlotPerCommand(() => store.entries.enter(requests, { rememberSeconds: 3600 }), ['evalsha']);
		const refs = requests.map(({ contactId, entryId }) => ({ contactId, journey, entryId }));
		await expectOneSlotPerCommand(() => store.entries.setVariant(refs.map((r) => ({ ...r, variant: 'A' }))), ['evalsha']);
		await expectOneSlotPerCommand(() => store.entries.recordSend(refs.map((r) => ({ ...r, step: 'Email' }))), ['evalsha']);
		const now = Date.now();
		let open: Awaited<ReturnType<typeof store.entries.openGoals>> = [];
		await expectOneSlotPerCommand(async () => {
			open = await store.entries.openGoals(refs.map((r) => ({ contactId: r.contactId, event: 'purchase', at: now })));
		}, ['hgetall']);
		expect(open.every((goals) => goals.length === 1)).toBe(true);
		const claims = open.map((goals, i) => ({ contactId: refs[i].contactId, ref: goals[0].ref }));
		await expectOneSlotPerCommand(async () => {
			expect((await store.entries.convert(claims)).every((c) => c.converted && c.variant === 'A' && c.step === 'Email')).toBe(true);
		}, ['evalsha']);
	});
});
