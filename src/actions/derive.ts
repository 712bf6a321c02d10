/**
 * 🎨 remix, 🎬 animate, 🔁 reroll: new jobs started from a result. Each is the acting member's job (their reply,
 * their limits) and records the result it came from.
 */
import type { GenerateRequest } from '../api/types.js';
import { UserError } from '../jobs/errors.js';
import type { JobKind } from '../jobs/request.js';
import type { FinishedJob } from '../jobs/types.js';
import type { ActionDeps } from './deps.js';
import type { Invocation } from './invocation.js';
import { animateRequest, remixRequest, rerollRequest } from './requests.js';
import { fileAt, withFreshUrls, type ActionableResult } from './result.js';

async function startDerived(
	deps: ActionDeps,
	invocation: Invocation,
	source: { job: FinishedJob },
	job: { kind: JobKind; request: GenerateRequest; imageIndex?: number },
): Promise<void> {
	const guildId = invocation.guildId ?? source.job.target.guildId;
	// The same rules and limits as a command: decided before acknowledging, so a refusal stays private.
	const authorization = await deps.gate?.authorizeJob({
		guildId,
		channelId: invocation.channelId,
		parentChannelId: invocation.parentChannelId,
		userId: invocation.userId,
		roleIds: invocation.roleIds,
		kind: job.kind,
		request: job.request,
	});
	if (authorization && !authorization.ok) throw new UserError(`Nothing was submitted. ${authorization.message}`);
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
			},
			parent: { jobId: source.job.id, ...(job.imageIndex === undefined ? {} : { imageIndex: job.imageIndex }) },
		});
		invocation.log.info(
			{ jobId: started.id, parentJobId: source.job.id, imageIndex: job.imageIndex, kind: job.kind },
			'Derived job started',
		);
	} catch (error) {
		// Not started after all: its place under the limits is given back.
		await authorization?.release();
		throw error;
	}
}

/** The image's URL for the API: Discord's copy, freshly signed when the message is at hand. */
async function imageUrl(invocation: Invocation, source: ActionableResult, index: number): Promise<string> {
	if (source.shape !== 'grid' && source.shape !== 'single') {
		throw new UserError('Only images can be remixed or animated.');
	}
	const files = withFreshUrls(source.files, await invocation.attachments());
	return fileAt({ ...source, files }, index).url;
}

export async function startRemix(
	deps: ActionDeps,
	invocation: Invocation,
	source: ActionableResult,
	index: number,
	prompt?: string,
): Promise<void> {
	const url = await imageUrl(invocation, source, index);
	const request = remixRequest(source.job.request, url, prompt);
	await startDerived(deps, invocation, source, { kind: 'remix', request, imageIndex: index });
}

export async function startAnimate(
	deps: ActionDeps,
	invocation: Invocation,
	source: ActionableResult,
	index: number,
): Promise<void> {
	const url = await imageUrl(invocation, source, index);
	const request = animateRequest(source.job.request, url);
	await startDerived(deps, invocation, source, { kind: 'animate', request, imageIndex: index });
}

export async function startReroll(
	deps: ActionDeps,
	invocation: Invocation,
	/** A result, or a failed job: 🔁 on a failure is its "try again". */
	source: { job: FinishedJob },
	index?: number,
): Promise<void> {
	const request = rerollRequest(source.job.request);
	await startDerived(deps, invocation, source, {
		kind: source.job.kind,
		request,
		...(index === undefined ? {} : { imageIndex: index }),
	});
}
