/**
 * Journey entries on Redis follow the store's key conventions: `<namespace>:jr:{<contact hash>}:…`,
 * no raw contact id, journey name, entry id or entry key in any key or value, a TTL on every key
 * (at least the remember time, and the maximum duration for the live index), nothing written
 * past the caller's deadline, and erase removes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { sendScript } from '../../../lib/store/redis/scripts';
import { adminClient, deleteNamespace, requireRedis, scanKeys, storeConfig, uniqueNamespace } from '../helpers/redis';

beforeAll(requireRedis);
const admin = adminClient();
const namespace = uniqueNamespace('entries');
const store = RedisStore.standalone(storeConfig(namespace));
afterAll(async () => {
	await deleteNamespace(admin, namespace);
	await store.close();
	await admin.quit();
});

const DAY = 86_400_000;
const contactId = 'Alice.Secret+tag@example.com';
const request = {
	contactId,
	journey: 'cart-abandonment-secret-journey',
	entryId: 'entry-secret-0001',
	key: 'cart-secret-42',
	reentry: 'oncePerKey' as const,
	whileActive: 'refuse' as const,
	maxDurationMs: 90 * DAY,
};

describe('journey entries on Redis: keys', () => {
	it('two keys per contact under the namespace and the contact hash tag, with TTLs and no raw values', async () => {
		await store.entries.enter([request], { rememberSeconds: 400 * 86_400 });
		const keys = (await scanKeys(admin, `${namespace}:jr:*`)).sort();
		const tag = store.keys.contactTag(contactId);
		expect(keys).toEqual([`${namespace}:jr:{${tag}}:entries`, `${namespace}:jr:{${tag}}:live`]);
		const entriesTtl = await admin.pttl(keys[0]);
		const liveTtl = await admin.pttl(keys[1]);
		expect(entriesTtl).toBeGreaterThan(399 * DAY);
		expect(entriesTtl).toBeLessThanOrEqual(400 * DAY);
		expect(liveTtl).toBeGreaterThan(89 * DAY);
		expect(liveTtl).toBeLessThanOrEqual(90 * DAY);
		const stored = JSON.stringify([await admin.hgetall(keys[0]), await admin.zrange(keys[1], 0, -1)]);
		for (const secret of ['Alice', 'secret', 'cart-abandonment', 'entry-secret', 'cart-secret']) {
			expect(keys.join(' ') + stored).not.toContain(secret);
		}
	});

	it('writes nothing once the server clock is past the caller\'s deadline', async () => {
		const tag = store.keys.contactTag('late@example.com');
		const keys = [store.keys.keyForTag(tag, 'journeyEntries'), store.keys.keyForTag(tag, 'journeyLive')];
		const args = [0, 86_400_000, 'j', 'e', '', 'anyTime', 0, 'refuse', DAY];
		await expect(sendScript(store.ctx.client, 'journeyEnter', keys, args, Date.now() - 1000)).rejects.toThrow(/JOURNEYS_DEADLINE/);
		expect(await admin.exists(...keys)).toBe(0);
		await expect(sendScript(store.ctx.client, 'journeyExit', keys, [0, 'j', ''], Date.now() - 1000)).rejects.toThrow(/JOURNEYS_DEADLINE/);
		expect(await sendScript(store.ctx.client, 'journeyEnter', keys, args, Date.now() + 10_000)).toEqual([1, 'entered', expect.any(Number), -1, -1]);
		expect(await admin.exists(...keys)).toBe(2);
	});

	it('erase removes the contact\'s entry keys', async () => {
		await store.entries.enter([{ ...request, contactId: 'erase-me@example.com' }], { rememberSeconds: 86_400 });
		const tag = store.keys.contactTag('erase-me@example.com');
		expect(await scanKeys(admin, `${namespace}:jr:{${tag}}:*`)).toHaveLength(2);
		const [outcome] = await store.contacts.erase(['erase-me@example.com']);
		expect(outcome.removed).toBe(2);
		expect(await scanKeys(admin, `${namespace}:jr:{${tag}}:*`)).toEqual([]);
	});

	it('a conversion goal lives in a third key of the contact, as long as its window, with its names sealed', async () => {
		const contact = 'goal.secret@example.com';
		const goal = { event: 'purchase-secret-event', conditions: '{"all":[{"fact":"total","operator":"greaterThan","value":50}]}', windowMs: 7 * DAY };
		const ref = { contactId: contact, journey: request.journey, entryId: request.entryId };
		await store.entries.enter([{ ...request, contactId: contact, goal, variant: 'variant-secret' }], { rememberSeconds: 400 * 86_400 });
		await store.entries.recordSend([{ ...ref, step: 'Send secret coupon' }]);
		const tag = store.keys.contactTag(contact);
		const goalsKey = `${namespace}:jr:{${tag}}:goals`;
		expect((await scanKeys(admin, `${namespace}:jr:{${tag}}:*`)).sort()).toEqual([`${namespace}:jr:{${tag}}:entries`, goalsKey, `${namespace}:jr:{${tag}}:live`]);
		const ttl = await admin.pttl(goalsKey);
		expect(ttl).toBeGreaterThan(6.9 * DAY);
		expect(ttl).toBeLessThanOrEqual(7 * DAY);
		const stored = JSON.stringify(await admin.hgetall(goalsKey));
		for (const secret of ['goal.secret', 'cart-abandonment', 'entry-secret', 'purchase-secret', 'variant-secret', 'Send secret', 'total']) expect(stored).not.toContain(secret);
		// what the store reads back is the plain names
		const [[open]] = await store.entries.openGoals([{ contactId: contact, event: goal.event, at: Date.now() }]);
		expect(open.conditions).toBe(goal.conditions);
		expect(await store.entries.convert([{ contactId: contact, ref: open.ref }])).toEqual([{ converted: true, journey: request.journey, variant: 'variant-secret', step: 'Send secret coupon' }]);
		const [erased] = await store.contacts.erase([contact]);
		expect(erased.removed).toBe(3);
	});
});
