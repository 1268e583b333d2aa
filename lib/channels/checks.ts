/**
 * The checks a marketing sender makes before a message goes out, without n8n: message type,
 * consent and unsubscribes (the contact state Journey Event records), the Korean advertising
 * rules (정보통신망법 §50: "(광고)" and the sender first, a free opt-out line, night-time consent),
 * and quiet hours in the contact's zone (the send-window code Frequency Cap uses).
 */
import { sendWindowIntervals, type SendWindow } from '../store/caps';
import type { ContactState } from '../store/contacts';

export type MessageType = 'transactional' | 'marketing';

export interface QuietHours {
	/** the daily window messages may go out in, local "HH:mm" */
	window: SendWindow;
	zone: string;
	/** hold: Not sent with retryAt the next opening; drop: Not sent, no retryAt */
	action: 'hold' | 'drop';
}

export interface SendCheck {
	channel: string;
	/** the consent topic marketing on this channel needs (usually the channel) */
	consentTopic: string;
	messageType: MessageType;
	state: ContactState | undefined;
	/** transactional only: send even after an unsubscribe from `all` (e.g. a password reset) */
	ignoreUnsubscribe?: boolean;
	/** the Korean advertising rules apply (marketing to a Korean recipient) */
	korean: boolean;
	quietHours?: QuietHours;
	/** epoch ms */
	now: number;
}

export interface Refusal {
	reason:
		| 'global_holdout'
		| 'unsubscribed'
		| 'no_consent'
		| 'alimtalk_marketing'
		| 'night_consent_required'
		| 'quiet_hours';
	message: string;
	/** epoch ms when the same message may go out; null when never by waiting */
	retryAt: number | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KST_OFFSET = 9 * HOUR;
/** Korean night-time advertising needs separate consent from 21:00 to 08:00 KST. */
export const KOREAN_NIGHT = { from: 21, until: 8 } as const;

/** The first refusal that applies, or undefined when the message may go out. */
export function checkBeforeSend(check: SendCheck): Refusal | undefined {
	const { state, messageType } = check;
	const allOff = state?.subscriptions.all?.subscribed === false;
	if (allOff && !(messageType === 'transactional' && check.ignoreUnsubscribe)) {
		return refuse('unsubscribed', 'The contact unsubscribed from all messages');
	}
	if (messageType === 'marketing') {
		if (state?.globalHoldout?.held) {
			return refuse('global_holdout', `The contact is in the global holdout (${state.globalHoldout.percent} % of contacts get no marketing, to measure what it adds)`);
		}
		if (check.channel === 'alimtalk') {
			return refuse(
				'alimtalk_marketing',
				'Kakao AlimTalk carries information only: send marketing as SMS/LMS or a Kakao brand message instead',
			);
		}
		if (state?.subscriptions[check.channel]?.subscribed === false) {
			return refuse('unsubscribed', `The contact unsubscribed from ${check.channel}`);
		}
		if (state?.consent[check.consentTopic]?.granted !== true) {
			return refuse('no_consent', `The contact has not consented to marketing on "${check.consentTopic}"`);
		}
		if (state.consent.marketing?.granted === false) return refuse('no_consent', 'The contact withdrew marketing consent');
		if (check.korean && isKoreanNight(check.now) && state.consent.night?.granted !== true) {
			return {
				reason: 'night_consent_required',
				message: 'Between 21:00 and 08:00 KST an advertising message needs the contact\'s "night" consent',
				retryAt: nextKoreanMorning(check.now),
			};
		}
	}
	if (check.quietHours) {
		const retryAt = nextOpening(check.quietHours, check.now);
		if (retryAt !== undefined) {
			return {
				reason: 'quiet_hours',
				message: `Outside the send window ${check.quietHours.window.from}–${check.quietHours.window.until} (${check.quietHours.zone})`,
				retryAt: check.quietHours.action === 'hold' ? retryAt : null,
			};
		}
	}
	return undefined;
}

function refuse(reason: Refusal['reason'], message: string): Refusal {
	return { reason, message, retryAt: null };
}

/** 21:00 ≤ KST time < 08:00 (Korea keeps no daylight saving time). */
export function isKoreanNight(now: number): boolean {
	const hour = Math.floor((((now + KST_OFFSET) % DAY) + DAY) % DAY / HOUR);
	return hour >= KOREAN_NIGHT.from || hour < KOREAN_NIGHT.until;
}

/** The next 08:00 KST after `now`. */
export function nextKoreanMorning(now: number): number {
	const local = now + KST_OFFSET;
	const morning = Math.floor(local / DAY) * DAY + KOREAN_NIGHT.until * HOUR;
	return (morning > local ? morning : morning + DAY) - KST_OFFSET;
}

/** undefined inside the window, else the next time it opens. */
function nextOpening(quiet: QuietHours, now: number): number | undefined {
	const intervals = sendWindowIntervals(quiet.window, quiet.zone, now);
	let next = Infinity;
	for (let i = 0; i < intervals.length; i += 2) {
		if (intervals[i] <= now && now < intervals[i + 1]) return undefined;
		if (intervals[i] > now) next = Math.min(next, intervals[i]);
	}
	return next;
}

/** Marketing to this contact follows the Korean rules: a Seoul time zone or a +82 number. */
export function isKoreanRecipient(recipient: { timeZone?: string; phone?: string }): boolean {
	return recipient.timeZone === 'Asia/Seoul' || /^\+?82/.test((recipient.phone ?? '').replace(/[\s-]/g, ''));
}

export const AD_MARK = '(광고)';

/** Text (SMS, LMS, push): "(광고)<sender> " first and the free opt-out line last, each once. */
export function koreanAdText(text: string, senderName: string, optOutLine: string): string {
	let body = text.trim();
	if (!body.startsWith(AD_MARK)) body = `${AD_MARK}${senderName ? `${senderName} ` : ' '}${body}`;
	if (optOutLine && !body.endsWith(optOutLine.trim())) body = `${body}\n${optOutLine.trim()}`;
	return body;
}

/** An email subject begins with "(광고)". */
export function koreanAdSubject(subject: string): string {
	const trimmed = subject.trim();
	return trimmed.startsWith(AD_MARK) ? trimmed : `${AD_MARK} ${trimmed}`;
}

/** What is wrong with the send window (times not HH:mm, or equal), or undefined. */
export function validateQuietHours(quiet: QuietHours, now: number): string | undefined {
	try {
		sendWindowIntervals(quiet.window, quiet.zone, now);
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}
