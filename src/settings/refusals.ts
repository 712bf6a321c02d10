/**
 * Why a server's rules or limits refuse a job, as data: which rule, and the facts a message needs. The Discord side
 * turns it into words (`discord/refusals.ts`), so this layer writes no Discord markup.
 */
import type { Speed } from '../api/spec.js';
import type { WorkType } from '../jobs/workType.js';
import type { ValueSource } from './types.js';

export type BudgetScope = 'server-day' | 'server-month' | 'member-day';

/** Why a job was refused, with the figures to show the member. */
export interface BudgetRefusal {
	scope: BudgetScope;
	/** What the job would cost. */
	cost: number;
	/** Spent in that period so far (reserved included). */
	spent: number;
	budget: number;
	/** When the period starts again (epoch ms). */
	resetsAt: number;
}

export type Refusal =
	/** The server uses the bot only in these channels. */
	| { rule: 'channel'; channelIds: readonly string[] }
	/** Only members with this role may generate. */
	| { rule: 'role'; roleId: string }
	/** The server does not allow this task type. */
	| { rule: 'task-type'; taskType: WorkType; allowed: readonly WorkType[] }
	/** The server does not allow this speed; `source` says where the member's value came from. */
	| { rule: 'speed'; speed: Speed; allowed: readonly Speed[]; source: ValueSource }
	| { rule: 'member-running'; running: number; limit: number }
	/** `resetsAt`: epoch ms of the next reset (midnight UTC). */
	| { rule: 'member-daily'; limit: number; resetsAt: number }
	| { rule: 'server-daily'; limit: number; resetsAt: number }
	/** The job's cost would pass a budget in credits: the figures say which, and when it resets. */
	| ({ rule: 'budget' } & BudgetRefusal)
	/** Another process kept the server's limits locked for too long. */
	| { rule: 'busy' };

export type RuleName = Refusal['rule'];
