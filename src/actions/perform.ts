/**
 * Runs one action on one result, whichever way the member asked (button or reaction).
 */
import { UserError } from '../jobs/errors.js';
import type { ResultAction } from './customId.js';
import type { ActionDeps } from './deps.js';
import { startAnimate, startRemix, startReroll } from './derive.js';
import { sendByDm } from './dm.js';
import type { Invocation } from './invocation.js';
import { pickImage } from './pick.js';
import { deleteResult } from './remove.js';
import { loadResult, loadFinished } from './result.js';

export interface ActionRequest {
	action: Exclude<ResultAction, 'prompt'>;
	jobId: string;
	/** The image the action applies to; for reroll, delete and DM, set when the message shows a picked image. */
	index?: number;
	/** Remix only: the member's edited prompt. */
	prompt?: string;
}

export async function perform(deps: ActionDeps, invocation: Invocation, request: ActionRequest): Promise<void> {
	// Deleting needs no result: a moderator can still remove a message whose job the store has forgotten.
	if (request.action === 'delete') return deleteResult(deps, invocation, request);
	// Rerolling needs only the request, so it also retries a failed job.
	if (request.action === 'reroll' && request.index === undefined) {
		return startReroll(deps, invocation, await loadFinished(deps.repository, request.jobId));
	}
	const result = await loadResult(deps.repository, request.jobId);
	switch (request.action) {
		case 'pick':
			return pickImage(deps, invocation, result, imageIndex(request));
		case 'remix':
			return startRemix(deps, invocation, result, imageIndex(request), request.prompt);
		case 'animate':
			return startAnimate(deps, invocation, result, imageIndex(request));
		case 'reroll':
			return startReroll(deps, invocation, result, request.index);
		case 'dm':
			return sendByDm(deps, invocation, result, request.index);
	}
}

function imageIndex(request: ActionRequest): number {
	if (request.index === undefined) throw new UserError('This button does not say which image it is for.');
	return request.index;
}
