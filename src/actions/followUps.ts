/**
 * Vary, Upscale and Extend: Midjourney's own next steps on a result, each a new job on the provider's task (not on a
 * re-uploaded file), the acting member's, under their limits. A second press of the same step on the same image while
 * the first runs points to the running job instead of paying again, across processes (see `ActionClaims`).
 */
import type { FollowUpRequest, ImageNumber, VideoNumber } from '../api/types.js';
import { t } from '../i18n/index.js';
import { isUpscale } from '../jobs/resultShape.js';
import { isFinished, type JobRecord } from '../jobs/types.js';
import { UserError } from '../userError.js';
import type { ActionDeps } from './deps.js';
import { startDerived, type ActingInvocation } from './derive.js';
import { replyLanguageOf } from './language.js';
import { fileAt, type ActionableResult } from './result.js';
import { jumpLink } from './text.js';

/** One step asked of one image (or video) of a result; `prompt` makes an extension manual. */
export type FollowUpStep =
	{ action: 'vary' | 'upscale'; index: number } | { action: 'extend'; index: number; prompt?: string };

export async function startFollowUp(
	deps: ActionDeps,
	invocation: ActingInvocation,
	source: ActionableResult,
	step: FollowUpStep,
): Promise<void> {
	const request = followUpRequest(source, step);
	const key = followUpKey(source.job.id, step);
	const running = await runningFollowUp(deps, key);
	if (running) return pointTo(deps, invocation, running, step);
	if (!(await deps.claims.claimFollowUp(key))) {
		// Another press (here or in another process) is starting the very same step right now.
		const started = await runningFollowUp(deps, key);
		if (started) return pointTo(deps, invocation, started, step);
		throw UserError.localized('not-ready', 'followUpActions.beingStarted');
	}
	try {
		const job = await startDerived(deps, invocation, source, { kind: step.action, request, imageIndex: step.index });
		await deps.records.recordFollowUp(key, job.id);
	} finally {
		await deps.claims.releaseFollowUp(key);
	}
}

/** The provider's request for `step`, or a refusal saying why this result offers no such step. */
export function followUpRequest(source: ActionableResult, step: FollowUpStep): FollowUpRequest {
	const { job, shape } = source;
	const parentTaskId = job.state.taskId;
	if (parentTaskId === null) throw UserError.localized('not-applicable', 'followUpActions.noTask');
	fileAt(source, step.index);
	const watermark = job.request.watermark === undefined ? {} : { watermark: job.request.watermark };
	if (step.action === 'extend') {
		if (shape !== 'video') throw UserError.localized('not-applicable', 'followUpActions.onlyVideos');
		const videoNumber = (step.index + 1) as VideoNumber;
		return step.prompt === undefined
			? { action: 'extend', mode: 'auto', parentTaskId, videoNumber, ...watermark }
			: { action: 'extend', mode: 'manual', prompt: step.prompt, parentTaskId, videoNumber, ...watermark };
	}
	// The provider varies and upscales images of the task that made them: an upscale's image is final.
	if ((shape !== 'grid' && shape !== 'single') || isUpscale(job.request)) {
		throw UserError.localized('not-applicable', 'followUpActions.onlyGridImages');
	}
	return { action: step.action, parentTaskId, imageNumber: (step.index + 1) as ImageNumber, ...watermark };
}

/** The same step on the same image of the same result: vary and upscale once each, auto and manual extends apart. */
function followUpKey(jobId: string, step: FollowUpStep): string {
	const mode = step.action === 'extend' ? (step.prompt === undefined ? ':auto' : ':manual') : '';
	return `${jobId}:${step.action}${mode}:${step.index}`;
}

/** The job last started for this step, while it has not finished. */
async function runningFollowUp(deps: ActionDeps, key: string): Promise<JobRecord | undefined> {
	const jobId = await deps.records.followUp(key);
	if (jobId === undefined) return undefined;
	const job = await deps.repository.get(jobId);
	return job && !isFinished(job) ? job : undefined;
}

async function pointTo(
	deps: ActionDeps,
	invocation: ActingInvocation,
	running: JobRecord,
	step: FollowUpStep,
): Promise<void> {
	const { target } = running;
	const language = await replyLanguageOf(deps, invocation, running);
	const where =
		target.messageId === undefined
			? t(language, 'followUpActions.seeJobs')
			: jumpLink(target.guildId, target.channelId, target.messageId);
	const number = step.index + 1;
	invocation.log.info({ runningJobId: running.id, step }, 'Follow-up already running; pointed to it');
	await invocation.responder.tell(t(language, 'followUpActions.alreadyRunning', { number, where }), {
		inChannel: true,
	});
}
