import { describe, expect, it } from 'vitest';
import {
	checkBeforeSend,
	isKoreanNight,
	isKoreanRecipient,
	koreanAdSubject,
	koreanAdText,
	nextKoreanMorning,
	type SendCheck,
} from '../../../lib/channels/checks';
import type { ContactState } from '../../../lib/store/contacts';

/** epoch ms of a KST wall-clock time (Korea keeps no DST: UTC+9). */
const kst = (iso: string) => Date.parse(`${iso}+09:00`);

function state(consent: Record<string, boolean>, unsubscribed: string[] = []): ContactState {
	return {
		contactId: 'c1',
		consent: Object.fromEntries(Object.entries(consent).map(([k, granted]) => [k, { granted, at: 1 }])),
		subscriptions: Object.fromEntries(unsubscribed.map((c) => [c, { subscribed: false, at: 1 }])),
		updatedAt: 1,
	};
}

const base = (overrides: Partial<SendCheck>): SendCheck => ({
	channel: 'sms',
	consentTopic: 'sms',
	messageType: 'marketing',
	state: state({ sms: true }),
	korean: true,
	now: kst('2026-11-30T12:00:00'),
	...overrides,
});

describe('Korean night-time advertising rule', () => {
	it.each([
		['2026-11-30T20:59:59', false],
		['2026-11-30T21:00:00', true],
		['2026-12-01T07:59:59', true],
		['2026-12-01T08:00:00', false],
	])('at %s KST the night rule applies: %s', (time, night) => {
		const now = kst(time);
		expect(isKoreanNight(now)).toBe(night);
		const refusal = checkBeforeSend(base({ now }));
		if (night) {
			expect(refusal).toEqual({
				reason: 'night_consent_required',
				message: expect.stringContaining('21:00 and 08:00 KST'),
				retryAt: kst('2026-12-01T08:00:00'),
			});
		} else {
			expect(refusal).toBeUndefined();
		}
	});

	it('night consent lets the message through at night; transactional and non-Korean are not held', () => {
		const now = kst('2026-11-30T23:30:00');
		expect(checkBeforeSend(base({ now, state: state({ sms: true, night: true }) }))).toBeUndefined();
		expect(checkBeforeSend(base({ now, messageType: 'transactional' }))).toBeUndefined();
		expect(checkBeforeSend(base({ now, korean: false }))).toBeUndefined();
	});

	it('retryAt is the next 08:00 KST: the same morning after midnight, the next morning before it', () => {
		expect(nextKoreanMorning(kst('2026-12-01T00:30:00'))).toBe(kst('2026-12-01T08:00:00'));
		expect(nextKoreanMorning(kst('2026-11-30T21:00:00'))).toBe(kst('2026-12-01T08:00:00'));
		expect(nextKoreanMorning(kst('2026-12-31T22:00:00'))).toBe(kst('2027-01-01T08:00:00'));
	});
});

describe('consent and unsubscribes', () => {
	it('marketing needs recorded consent for the topic', () => {
		expect(checkBeforeSend(base({ state: undefined }))?.reason).toBe('no_consent');
		expect(checkBeforeSend(base({ state: state({ sms: false }) }))?.reason).toBe('no_consent');
		expect(checkBeforeSend(base({ state: state({ email: true }) }))?.reason).toBe('no_consent');
		expect(checkBeforeSend(base({ state: state({ sms: true, marketing: false }) }))?.reason).toBe('no_consent');
	});

	it('the global holdout stops marketing before any other check, never transactional', () => {
		const held = { ...state({ sms: true }), globalHoldout: { held: true, percent: 5, at: 1 } };
		expect(checkBeforeSend(base({ state: held }))).toMatchObject({ reason: 'global_holdout', retryAt: null });
		expect(checkBeforeSend(base({ state: { ...held, consent: {} } }))?.reason).toBe('global_holdout');
		expect(checkBeforeSend(base({ messageType: 'transactional', state: held }))).toBeUndefined();
		expect(checkBeforeSend(base({ state: { ...held, globalHoldout: { held: false, percent: 5, at: 1 } } }))).toBeUndefined();
	});

	it('an unsubscribe from the channel stops marketing; from all stops transactional too unless overridden', () => {
		expect(checkBeforeSend(base({ state: state({ sms: true }, ['sms']) }))).toMatchObject({ reason: 'unsubscribed', retryAt: null });
		expect(checkBeforeSend(base({ messageType: 'transactional', state: state({}, ['sms']) }))).toBeUndefined();
		expect(checkBeforeSend(base({ messageType: 'transactional', state: state({}, ['all']) }))?.reason).toBe('unsubscribed');
		expect(checkBeforeSend(base({ messageType: 'transactional', state: state({}, ['all']), ignoreUnsubscribe: true }))).toBeUndefined();
		expect(checkBeforeSend(base({ state: state({ sms: true }, ['all']), ignoreUnsubscribe: true }))?.reason).toBe('unsubscribed');
	});

	it('AlimTalk refuses marketing and says what to use instead', () => {
		const refusal = checkBeforeSend(base({ channel: 'alimtalk', consentTopic: 'kakao', state: state({ kakao: true }) }));
		expect(refusal?.reason).toBe('alimtalk_marketing');
		expect(refusal?.message).toMatch(/SMS\/LMS or a Kakao brand message/);
	});
});

describe('quiet hours (the Frequency Cap send-window code)', () => {
	const quiet = { window: { from: '09:00', until: '20:00' }, zone: 'Europe/Berlin' };
	it('holds with retryAt the next opening, or drops without one', () => {
		const now = Date.parse('2026-11-30T21:30:00+01:00');
		expect(checkBeforeSend(base({ korean: false, now, quietHours: { ...quiet, action: 'hold' } }))).toMatchObject({
			reason: 'quiet_hours',
			retryAt: Date.parse('2026-12-01T09:00:00+01:00'),
		});
		expect(checkBeforeSend(base({ korean: false, now, quietHours: { ...quiet, action: 'drop' } }))).toMatchObject({ reason: 'quiet_hours', retryAt: null });
		expect(checkBeforeSend(base({ korean: false, now: Date.parse('2026-11-30T19:59:00+01:00'), quietHours: { ...quiet, action: 'hold' } }))).toBeUndefined();
	});
});

describe('Korean advertising text', () => {
	it('puts "(광고)" and the sender first and the opt-out line last, once', () => {
		const text = koreanAdText('겨울 세일 30%', '에이크미', '무료수신거부 080-123-4567');
		expect(text).toBe('(광고)에이크미 겨울 세일 30%\n무료수신거부 080-123-4567');
		expect(koreanAdText(text, '에이크미', '무료수신거부 080-123-4567')).toBe(text);
		expect(koreanAdSubject('겨울 세일')).toBe('(광고) 겨울 세일');
		expect(koreanAdSubject('(광고) 겨울 세일')).toBe('(광고) 겨울 세일');
	});

	it('applies to a Seoul time zone or a +82 number', () => {
		expect(isKoreanRecipient({ timeZone: 'Asia/Seoul' })).toBe(true);
		expect(isKoreanRecipient({ phone: '+82 10-1234-5678' })).toBe(true);
		expect(isKoreanRecipient({ timeZone: 'Europe/Berlin', phone: '+49 151 123' })).toBe(false);
	});
});
