/**
 * ❌: removes a result message (a job's result, or a picked image's post). Only its requester (for a pick, also
 * the member who picked it) or a member with Manage Messages may.
 */
import { RESTJSONErrorCodes, Routes } from 'discord.js';
import { isDiscordError } from '../discord/respond.js';
import { t } from '../i18n/index.js';
import { UserError } from '../userError.js';
import type { ActionDeps } from './deps.js';
import type { Invocation } from './invocation.js';

export const ONLY_REQUESTER = t('en', 'actions.onlyRequester');

/** Deletes the message the member acted on. `index` is set when that message shows a picked image. */
export async function deleteResult(
	deps: ActionDeps,
	invocation: Invocation,
	subject: { jobId: string; index?: number },
): Promise<void> {
	const job = await deps.repository.get(subject.jobId);
	const pick = subject.index === undefined ? undefined : await deps.records.pick(subject.jobId, subject.index);
	const owners = [job?.target.requesterId, pick?.messageId === invocation.messageId ? pick.pickedBy : undefined];
	if (!owners.includes(invocation.userId) && !(await invocation.canManageMessages())) {
		throw UserError.localized('not-permitted', job ? 'actions.onlyRequester' : 'actions.requesterUnknown');
	}
	await invocation.responder.defer('private');
	try {
		await deps.rest.delete(Routes.channelMessage(invocation.channelId, invocation.messageId));
	} catch (error) {
		if (!isDiscordError(error, RESTJSONErrorCodes.UnknownMessage)) throw error;
	}
	await deps.records.forgetMessage(invocation.messageId);
	invocation.log.info({ jobId: subject.jobId, messageId: invocation.messageId }, 'Result deleted');
	await invocation.responder.tell('🗑️ Deleted.');
}
