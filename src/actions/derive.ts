/**
 * 🎨 remix, 🎬 animate, 🔁 reroll: new jobs started from a result. Each is the acting member's job (their reply,
 * their limits) and records the result it came from.
 */
import { isFollowUp, type SubmitRequest } from '../api/types.js';
import { describeRefusal } from '../discord/refusals.js';
import { t, translatorFor } from '../i18n/index.js';
import type { CommandKind, JobKind } from '../jobs/request.js';
import { promptOf, type FinishedJob, type JobParent, type JobRecord, type LineageStep } from '../jobs/types.js';
import { UserError, wordIn } from '../userError.js';
import type { ActionDeps } from './deps.js';
import type { Invocation, ServerView } from './invocation.js';
import { animateRequest, remixRequest, rerollRequest } from './requests.js';
import { fileAt, withFreshUrls, type ActionableResult } from './result.js';

/** An invocation whose server is known: the result's own, or resolved from DMs by `perform`. */
export type ActingInvocation = Invocation & { server: ServerView };

/** The slash command a follow-up stands for: an image's next steps are /imagine's, a video's are /animate's. */
const COMMAND_OF: Readonly<Record<JobKind, CommandKind>> = {
	imagine: 'imagine',
	remix: 'remix',
	style: 'style',
	animate: 'animate',
	omni: 'omni',
	vary: 'imagine',
	upscale: 'imagine',
	extend: 'animate',
};

/**
 * Refuses, before anything is acknowledged, a member Discord would not let run `kind`'s slash command (the server's
 * Integrations settings): a button or reaction is no way around them.
 */
export async function assertMayRun(deps: ActionDeps, invocation: ActingInvocation, kind: JobKind): Promise<void> {
	const refusal = await deps.integrations?.refusal({
		applicationId: invocation.applicationId,
		command: COMMAND_OF[kind],
		userId: invocation.userId,
		server: invocation.server,
	});
	if (refusal !== undefined)
		throw new UserError('not-permitted', (language) =>
			t(language, 'errors.nothingSubmitted', { reason: wordIn(refusal, language) }),
		);
}

/** The result a derived job records as its parent: for lineage, the link back, and the prompt a follow-up shows. */
function parentOf(invocation: Invocation, source: JobRecord, imageIndex: number | undefined): JobParent {
	const own: LineageStep = {
		kind: source.kind,
		...(source.parent?.imageIndex === undefined ? {} : { index: source.parent.imageIndex }),
	};
	return {
		jobId: source.id,
		...(imageIndex === undefined ? {} : { imageIndex }),
		messageId: invocation.messageId,
		prompt: promptOf(source),
		lineage: [...(source.parent?.lineage ?? []), own],
	};
}

/** Whether the acting member may start this job here, by the same rules and limits as a command. */
async function authorizeDerived(
	deps: ActionDeps,
	invocation: ActingInvocation,
	job: { kind: JobKind; request: SubmitRequest },
) {
	const { server } = invocation;
	await assertMayRun(deps, invocation, job.kind);
	// The same rules and limits as a command, judged in the server: decided before acknowledging, so a refusal stays
	// private.
	const authorization = await deps.gate?.authorizeJob({
		guildId: server.guildId,
		channelId: server.channelId,
		parentChannelId: server.parentChannelId,
		userId: invocation.userId,
		roleIds: async () => server.roleIds(),
		kind: job.kind,
		request: job.request,
	});
	if (authorization && !authorization.ok) {
		const { refusal } = authorization;
		throw new UserError('rule', (language) =>
			t(language, 'errors.nothingSubmitted', { reason: describeRefusal(refusal, translatorFor(language)) }),
		);
	}
	return authorization;
}

export async function startDerived(
	deps: ActionDeps,
	invocation: ActingInvocation,
	source: { job: FinishedJob },
	job: { kind: JobKind; request: SubmitRequest; imageIndex?: number; parent?: JobParent },
): Promise<JobRecord> {
	const guildId = invocation.server.guildId;
	const authorization = await authorizeDerived(deps, invocation, job);
	try {
		await invocation.responder.defer('public');
		const started = await deps.jobs.start({
			...(authorization ? { id: authorization.jobId } : {}),
			kind: job.kind,
			request: authorization?.request ?? job.request,
			target: {
				guildId,
				channelId: invocation.channelId,
				requesterId: invocation.userId,
				...invocation.responder.jobTarget(),
				// A job started from a result speaks in the channel as the result did.
				...(source.job.target.language ? { language: source.job.target.language } : {}),
			},
			parent: job.parent ?? parentOf(invocation, source.job, job.imageIndex),
		});
		invocation.log.info(
			{ jobId: started.id, parentJobId: source.job.id, imageIndex: job.imageIndex, kind: job.kind },
			'Derived job started',
		);
		return started;
	} catch (error) {
		// Not started after all: its place under the limits is given back.
		await authorization?.release();
		throw error;
	}
}

/** The image's URL for the API: Discord's copy, freshly signed when the message is at hand. */
async function imageUrl(invocation: Invocation, source: ActionableResult, index: number): Promise<string> {
	if (source.shape !== 'grid' && source.shape !== 'single') {
		throw UserError.localized('not-applicable', 'actions.onlyImagesRemixedOrAnimated');
	}
	const files = withFreshUrls(source.files, await invocation.attachments());
	return fileAt({ ...source, files }, index).url;
}

export async function startRemix(
	deps: ActionDeps,
	invocation: ActingInvocation,
	source: ActionableResult,
	index: number,
	prompt?: string,
): Promise<void> {
	const url = await imageUrl(invocation, source, index);
	const request = remixRequest(source.job, url, prompt);
	await startDerived(deps, invocation, source, { kind: 'remix', request, imageIndex: index });
}

export async function startAnimate(
	deps: ActionDeps,
	invocation: ActingInvocation,
	source: ActionableResult,
	index: number,
): Promise<void> {
	const url = await imageUrl(invocation, source, index);
	const request = animateRequest(source.job, url);
	await startDerived(deps, invocation, source, { kind: 'animate', request, imageIndex: index });
}

export async function startReroll(
	deps: ActionDeps,
	invocation: ActingInvocation,
	/** A result, or a failed job: 🔁 on a failure is its "try again". */
	source: { job: FinishedJob },
	index?: number,
): Promise<void> {
	const request = rerollRequest(source.job.request);
	const { parent } = source.job;
	await startDerived(deps, invocation, source, {
		kind: source.job.kind,
		// A follow-up rerolled acts on the same image of the same parent again: its lineage is the source's own.
		...(isFollowUp(request) && parent ? { parent: { ...parent, messageId: invocation.messageId } } : {}),
		request,
		...(index === undefined ? {} : { imageIndex: index }),
	});
}
