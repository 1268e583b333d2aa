/**
 * Script calls in a pipeline are queued as ioredis queues its own script commands (sendScript):
 * a server that lost its scripts (SCRIPT FLUSH, a replica promoted without them) answers
 * NOSCRIPT on a live connection, and the call must still run, once, as ioredis' own script
 * commands do. On a redis-server of the test's own, so flushing touches no one else's scripts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapRequest, CapRule } from '../../../lib';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { adminClient, ThrowawayRedis, uniqueNamespace } from '../helpers/redis';

let server: ThrowawayRedis;
let store: RedisStore;

beforeAll(async () => {
	server = await ThrowawayRedis.start();
	store = RedisStore.standalone(server.config(uniqueNamespace('flush'), 5000));
});
afterAll(async () => {
	await store?.close();
	await server?.stop();
});

const rules: CapRule[] = [{ kind: 'limit', id: 'one a day', scope: 'all', limit: 1, window: { kind: 'rolling', ms: 86_400_000 } }];
const reserve = (contactId: string, messageKey: string): CapRequest => ({ contactId, messageKey, rules, mode: 'reserve' });

describe('cap script calls after the server lost its scripts', () => {
	it('run once each on the same connection, with the answers the store would give anyway', async () => {
		const first = await store.caps.apply([reserve('ada', 'm1')]);
		expect(first.map((d) => d.reason)).toEqual(['within_limits']);

		const admin = adminClient(server.port, '127.0.0.1');
		try {
			expect(await admin.script('FLUSH')).toBe('OK');
		} finally {
			admin.disconnect();
		}

		// ada is capped by her first message; the others are new; m1 again is the same reservation
		const again = await store.caps.apply([reserve('ada', 'm2'), reserve('bob', 'm3'), reserve('cy', 'm4'), reserve('ada', 'm1')]);
		expect(again.map((d) => d.reason)).toEqual(['limit_reached', 'within_limits', 'within_limits', 'already_reserved']);
		// each call ran once: a second run of bob's or cy's reservation would have capped the next one
		const after = await store.caps.apply([reserve('bob', 'm5'), reserve('cy', 'm6')]);
		expect(after.map((d) => d.reason)).toEqual(['limit_reached', 'limit_reached']);
		expect(after.map((d) => d.count)).toEqual([1, 1]);
	});
});
