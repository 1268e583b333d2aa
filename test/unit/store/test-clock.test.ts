import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { testClockOffset } from '../../../lib/store/testClock';

const DAY = 86_400_000;
const saved = process.env.JOURNEYS_TEST_CLOCK_FILE;
afterEach(() => {
	if (saved === undefined) delete process.env.JOURNEYS_TEST_CLOCK_FILE;
	else process.env.JOURNEYS_TEST_CLOCK_FILE = saved;
});

describe('the e2e store-clock hook (JOURNEYS_TEST_CLOCK_FILE)', () => {
	it('is off unless the variable is set', () => {
		delete process.env.JOURNEYS_TEST_CLOCK_FILE;
		expect(testClockOffset('any')).toBeUndefined();
	});

	it('moves only the named namespace, read on every call; a missing or bad file is no offset', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'journeys-clock-'));
		const file = path.join(dir, 'clock.json');
		process.env.JOURNEYS_TEST_CLOCK_FILE = file;
		try {
			const moved = `moved-${randomUUID().slice(0, 8)}`;
			const offset = testClockOffset(moved)!;
			expect(offset()).toBe(0);
			const store = getMemoryStore(moved);
			const other = getMemoryStore(`other-${randomUUID().slice(0, 8)}`);
			writeFileSync(file, JSON.stringify({ [moved]: 7 * DAY }));
			expect(offset()).toBe(7 * DAY);
			expect(await store.now()).toBeGreaterThanOrEqual(Date.now() + 7 * DAY - 1000);
			expect(Math.abs((await other.now()) - Date.now())).toBeLessThan(1000);
			writeFileSync(file, 'not json');
			expect(offset()).toBe(0);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
