import type { KpiCount } from '../../../lib';

/** A cart journey: 1 000 entered over two days, split A 450 / B 450 / holdout 100, an email step per variant. */
export const CART_COUNTS: KpiCount[] = [
	{ journey: 'cart', step: 'Journey Entry', variant: '', day: '2026-11-01', outcome: 'entered', count: 600 },
	{ journey: 'cart', step: 'Journey Entry', variant: '', day: '2026-11-02', outcome: 'entered', count: 400 },
	{ journey: 'cart', step: 'Journey Entry', variant: '', day: '2026-11-02', outcome: 'not_entered', count: 20 },
	{ journey: 'cart', step: 'Split', variant: 'A', day: '2026-11-01', outcome: 'assigned', count: 270 },
	{ journey: 'cart', step: 'Split', variant: 'A', day: '2026-11-02', outcome: 'assigned', count: 180 },
	{ journey: 'cart', step: 'Split', variant: 'B', day: '2026-11-01', outcome: 'assigned', count: 450 },
	{ journey: 'cart', step: 'Split', variant: 'holdout', day: '2026-11-02', outcome: 'assigned', count: 100 },
	{ journey: 'cart', step: 'Send email', variant: 'A', day: '2026-11-01', outcome: 'sent', count: 440 },
	{ journey: 'cart', step: 'Send email', variant: 'A', day: '2026-11-01', outcome: 'not_sent:no_consent', count: 10 },
	{ journey: 'cart', step: 'Send email', variant: 'B', day: '2026-11-02', outcome: 'sent', count: 445 },
	{ journey: 'cart', step: 'Send email', variant: 'B', day: '2026-11-02', outcome: 'not_sent:no_consent', count: 5 },
	// conversions are attributed to the step of the last message sent ('' when none)
	{ journey: 'cart', step: 'Send email', variant: 'A', day: '2026-11-02', outcome: 'converted', count: 50 },
	{ journey: 'cart', step: '', variant: 'A', day: '2026-11-02', outcome: 'converted', count: 4 },
	{ journey: 'cart', step: 'Send email', variant: 'B', day: '2026-11-02', outcome: 'converted', count: 72 },
	{ journey: 'cart', step: '', variant: 'holdout', day: '2026-11-02', outcome: 'converted', count: 8 },
	// outside the range: not counted
	{ journey: 'cart', step: 'Journey Entry', variant: '', day: '2026-10-31', outcome: 'entered', count: 999 },
	{ journey: 'cart', step: '', variant: 'A', day: '2026-11-03', outcome: 'converted', count: 999 },
];

/** The same counts under another journey name (tests share the process-wide memory store). */
export function cartCounts(journey: string): KpiCount[] {
	return CART_COUNTS.map((c) => ({ ...c, journey }));
}
