/**
 * Runs one action on one result, whichever way the member asked (button or reaction).
 */
import type { FormAction, ResultAction } from '../discord/customId.js';
import type { JobRecord } from '../jobs/types.js';
import { UserError } from '../userError.js';
import type { ActionDeps } from './deps.js';
import { startAnimate, startRemix, startReroll, type ActingInvocation } from './derive.js';
import { sendByDm } from './dm.js';
import { startFollowUp } from './followUps.js';
import type { Invocation } from './invocation.js';
import { serverViewFromDm } from './member.js';
import { pickImage } from './pick.js';
import { deleteResult } from './remove.js';
import { loadFinished, loadResult } from './result.js';

export interface ActionRequest {
	action: Exclude<ResultAction, FormAction | 'extendPrompt'>;
	jobId: string;
	/** The image the action applies to; for reroll, delete and DM, set when the message shows a picked image. */
	index?: number;
	/** Remix: the member's edited prompt; extend: makes it manual, with this prompt. */
	prompt?: string;
}

export async function perform(deps: ActionDeps, invocation: Invocation, request: ActionRequest): Promise<void> {
	// Deleting needs no result: a moderator can still remove a message whose job the store has forgotten. In DMs it
	// only removes the bot's message from the member's own DMs, which they may always do.
	if (request.action === 'delete') return deleteResult(deps, invocation, request);
	// Rerolling needs only the request, so it also retries a failed job.
	if (request.action === 'reroll' && request.index === undefined) {
		const source = await loadFinished(deps.repository, request.jobId);
		return startReroll(deps, await admit(deps, invocation, source.job), source);
	}
	const result = await loadResult(deps.repository, request.jobId);
	const acting = await admit(deps, invocation, result.job);
	switch (request.action) {
		case 'pick':
			return pickImage(deps, acting, result, imageIndex(request));
		case 'remix':
			return startRemix(deps, acting, result, imageIndex(request), request.prompt);
		case 'animate':
			return startAnimate(deps, acting, result, imageIndex(request));
		case 'reroll':
			return startReroll(deps, acting, result, request.index);
		case 'dm':
			return sendByDm(deps, acting, result, request.index);
		case 'vary':
		case 'upscale':
			return startFollowUp(deps, acting, result, { action: request.action, index: imageIndex(request) });
		case 'extend': {
			const prompt = request.prompt === undefined ? {} : { prompt: request.prompt };
			return startFollowUp(deps, acting, result, { action: 'extend', index: imageIndex(request), ...prompt });
		}
	}
}

/**
 * The server the member acts in: the result's own or, for a result in DMs, its job's server, which the member must
 * still be in (refused otherwise, before anything else happens).
 */
export async function admit(deps: ActionDeps, invocation: Invocation, job: JobRecord): Promise<ActingInvocation> {
	if (invocation.server) return { ...invocation, server: invocation.server };
	return { ...invocation, server: await serverViewFromDm(deps, invocation, job) };
}

function imageIndex(request: ActionRequest): number {
	if (request.index === undefined) throw UserError.localized('stale', 'actions.noImageIndex');
	return request.index;
}
