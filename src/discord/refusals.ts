/**
 * A refusal of the server's rules or limits, in words: what was refused, and the admin setting that controls it, so
 * nobody is left guessing.
 */
import { channelMention, roleMention, time, TimestampStyles } from 'discord.js';
import { DEFAULT_LANGUAGE, t, type Language, type MessageKey } from '../i18n/index.js';
import type { BudgetScope } from '../settings/budget.js';
import type { Refusal } from '../settings/refusals.js';
import { listSpeeds, listTaskTypes, TASK_TYPE_NAMES } from '../settings/rules.js';
import type { ValueSource } from '../settings/types.js';

const SPEED_SOURCE_HINTS: Partial<Record<ValueSource, string>> = {
	member: ' It comes from your own `/settings`: change it with `/settings set speed` or `/settings reset`.',
	server: ' It is the server’s default speed.',
};

export function describeRefusal(refusal: Refusal): string {
	switch (refusal.rule) {
		case 'channel':
			return `This server uses the bot only in ${refusal.channelIds.map(channelMention).join(', ')}. A server admin controls this with \`/server-settings set\` \`add_channel\` / \`remove_channel\`.`;
		case 'role':
			return `This server lets only members with the ${roleMention(refusal.roleId)} role generate. A server admin controls this with \`/server-settings set required_role\`.`;
		case 'task-type': {
			const { taskType, allowed } = refusal;
			const hint =
				taskType === 'mj_video_hd' && allowed.includes('mj_video')
					? ' Try again without `hd` for a standard video.'
					: '';
			return `This server does not allow \`${TASK_TYPE_NAMES[taskType]}\` jobs; allowed here: ${listTaskTypes(allowed)}.${hint} A server admin controls this with \`/server-settings set allowed_commands\`.`;
		}
		case 'speed':
			return `This server does not allow the \`${refusal.speed}\` speed (allowed: ${listSpeeds(refusal.allowed)}).${SPEED_SOURCE_HINTS[refusal.source] ?? ''} A server admin controls this with \`/server-settings set allowed_speeds\`.`;
		case 'member-running':
			return `You already have ${plural(refusal.running, 'job')} running, and this server allows ${refusal.limit} at once. You can start another as soon as one finishes (see \`/jobs\`). A server admin controls this with \`/server-settings set member_running_limit\`.`;
		case 'member-daily':
			return `You have used your ${plural(refusal.limit, 'job')} for today on this server; the limit resets ${resetsAt(refusal.resetsAt)} (midnight UTC). Failed jobs do not count. A server admin controls this with \`/server-settings set member_daily_limit\`.`;
		case 'server-daily':
			return `This server has reached its cap of ${plural(refusal.limit, 'job')} per day; it resets ${resetsAt(refusal.resetsAt)} (midnight UTC). A server admin controls this with \`/server-settings set server_daily_limit\`.`;
		case 'budget':
			return describeBudgetRefusal(refusal);
		case 'busy':
			return 'The bot is busy with other requests from this server right now. Try again in a moment.';
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
	language: Language = DEFAULT_LANGUAGE,
): string {
	const { cost, spent, budget } = refusal;
	return t(language, BUDGET_MESSAGES[refusal.scope], { cost, spent, budget, resetsAt: resetsAt(refusal.resetsAt) });
}

function resetsAt(at: number): string {
	return time(Math.floor(at / 1000), TimestampStyles.RelativeTime);
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
