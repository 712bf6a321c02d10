/**
 * What a job makes, as one name for every kind of request: the provider's task type for a generation, the action for
 * a follow-up on a finished task. Rules, metrics and lineage read it instead of the request's wire-level fields.
 */
import { TASK_TYPES, type TaskType } from '../api/spec.js';
import { isFollowUp, type FollowUpAction, type SubmitRequest } from '../api/types.js';

export const FOLLOW_UP_ACTIONS = ['vary', 'upscale', 'extend'] as const satisfies readonly FollowUpAction[];

/** Every kind of work a server can allow or refuse (`allowed_commands`). */
export const WORK_TYPES = [...TASK_TYPES, ...FOLLOW_UP_ACTIONS] as const;
export type WorkType = TaskType | FollowUpAction;

export function workTypeOf(request: SubmitRequest): WorkType {
	return isFollowUp(request) ? request.action : request.taskType;
}

export function isWorkType(value: string): value is WorkType {
	return (WORK_TYPES as readonly string[]).includes(value);
}
