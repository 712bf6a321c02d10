/**
 * A refusal of the server's rules or limits, in words: what was refused, and the admin setting that controls it, so
 * nobody is left guessing. Worded in the reader's language (English by default).
 */
import { channelMention, roleMention, time, TimestampStyles } from 'discord.js';
import { translatorFor, type MessageKey, type Translate } from '../i18n/index.js';
import type { BudgetScope } from '../settings/refusals.js';
import type { Refusal } from '../settings/refusals.js';
import { listSpeeds, listTaskTypes, TASK_TYPE_NAMES } from '../settings/rules.js';
import type { ValueSource } from '../settings/types.js';

const SPEED_SOURCE_HINTS: Partial<Record<ValueSource, MessageKey>> = {
	member: 'refusals.speedFromMember',
	server: 'refusals.speedFromServer',
};

export function describeRefusal(refusal: Refusal, t: Translate = translatorFor('en')): string {
	switch (refusal.rule) {
		case 'channel':
			return t('refusals.channel', { channels: refusal.channelIds.map(channelMention).join(', ') });
		case 'role':
			return t('refusals.role', { role: roleMention(refusal.roleId) });
		case 'task-type': {
			const { taskType, allowed } = refusal;
			const hint = taskType === 'mj_video_hd' && allowed.includes('mj_video') ? t('refusals.taskTypeHdHint') : '';
			return t('refusals.taskType', {
				name: TASK_TYPE_NAMES[taskType],
				allowed: listTaskTypes(allowed, t('refusals.noneAllowed')),
				hint,
			});
		}
		case 'speed': {
			const hint = SPEED_SOURCE_HINTS[refusal.source];
			return t('refusals.speed', {
				speed: refusal.speed,
				allowed: listSpeeds(refusal.allowed),
				hint: hint ? t(hint) : '',
			});
		}
		case 'member-running':
			return t('refusals.memberRunning', { count: refusal.running, limit: refusal.limit });
		case 'member-daily':
			return t('refusals.memberDaily', { count: refusal.limit, resetsAt: resetsAt(refusal.resetsAt) });
		case 'server-daily':
			return t('refusals.serverDaily', { count: refusal.limit, resetsAt: resetsAt(refusal.resetsAt) });
		case 'budget':
			return describeBudgetRefusal(refusal, t);
		case 'busy':
			return t('refusals.busy');
	}
}

const BUDGET_MESSAGES: Record<BudgetScope, MessageKey> = {
	'server-day': 'refusals.budgetServerDay',
	'server-month': 'refusals.budgetServerMonth',
	'member-day': 'refusals.budgetMemberDay',
};

/** A budget refusal with its figures: the cost, what was spent, the budget, and when it resets. */
export function describeBudgetRefusal(
	refusal: Extract<Refusal, { rule: 'budget' }>,
	t: Translate = translatorFor('en'),
): string {
	const { cost, spent, budget } = refusal;
	return t(BUDGET_MESSAGES[refusal.scope], { cost, spent, budget, resetsAt: resetsAt(refusal.resetsAt) });
}

function resetsAt(at: number): string {
	return time(Math.floor(at / 1000), TimestampStyles.RelativeTime);
}
