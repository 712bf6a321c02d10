/**
 * 1️⃣–4️⃣: posts one image of a grid on its own, as a reply to the grid, with the single-image actions. No API call
 * (Midjourney's U1–U4). An image already picked is not posted twice: the member is pointed to the existing post.
 */
import { RESTJSONErrorCodes, Routes } from 'discord.js';
import { appendLine, pickComponents, reactionHint } from '../discord/components.js';
import { DEFAULT_UPLOAD_LIMIT_BYTES } from '../discord/publisher.js';
import { jobName } from '../discord/render.js';
import { isDiscordError } from '../discord/respond.js';
import { t, translatorFor } from '../i18n/index.js';
import { promptOf } from '../jobs/types.js';
import { UserError } from '../userError.js';
import { emojiSetFor, type ActionDeps } from './deps.js';
import type { Invocation, OutgoingMessage } from './invocation.js';
import { replyLanguageOf, serverLanguageOf } from './language.js';
import { pickKey, type PickRecord } from './records.js';
import { fileAt, withFreshUrls, type ActionableResult, type ResultFile } from './result.js';
import { fetchFiles, isGone, jumpLink, quotePrompt } from './text.js';

const PROMPT_SHOWN = 1500;

export async function pickImage(
	deps: ActionDeps,
	invocation: Invocation,
	result: ActionableResult,
	index: number,
): Promise<void> {
	if (result.shape !== 'grid') throw UserError.localized('not-applicable', 'pick.onlyGrid');
	fileAt(result, index);
	const { job } = result;
	// Checked before acknowledging, so a button can answer privately.
	const existing = await livePick(deps, job.id, index);
	if (existing) return pointTo(deps, invocation, result, existing);
	await invocation.responder.defer('public');
	await deps.records.serialize(pickKey(job.id, index), async () => {
		const again = await livePick(deps, job.id, index);
		if (again) return pointTo(deps, invocation, result, again);
		if (!(await deps.claims.claimPick(job.id, index))) {
			// Another process is posting this very image right now.
			const language = await replyLanguageOf(deps, invocation, job);
			return invocation.responder.tell(t(language, 'pick.beingPosted', { number: index + 1 }), { inChannel: false });
		}
		try {
			await postPick(deps, invocation, result, index);
		} finally {
			await deps.claims.releasePick(job.id, index);
		}
	});
}

async function postPick(
	deps: ActionDeps,
	invocation: Invocation,
	result: ActionableResult,
	index: number,
): Promise<void> {
	const { job } = result;
	const files = withFreshUrls(result.files, await invocation.attachments());
	const file = fileAt({ ...result, files }, index);
	const posted = await invocation.responder.post(await pickMessage(deps, invocation, result, file));
	const pick: PickRecord = {
		sourceJobId: job.id,
		index,
		url: posted.attachments[0]?.url ?? file.url,
		messageId: posted.id,
		channelId: invocation.channelId,
		guildId: invocation.guildId,
		pickedBy: invocation.userId,
		pickedAt: deps.now(),
	};
	await deps.records.recordPick(pick);
	invocation.log.info({ jobId: job.id, index, messageId: posted.id }, 'Image picked');
}

async function pickMessage(
	deps: ActionDeps,
	invocation: Invocation,
	result: ActionableResult,
	file: ResultFile,
): Promise<OutgoingMessage> {
	const { job } = result;
	const limit = job.target.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
	const [download] = await fetchFiles([file], limit, deps.downloadAllowHosts);
	if (!download || isGone(download)) {
		invocation.log.warn({ jobId: job.id, index: file.index, download }, 'Picked image could not be fetched');
		throw UserError.localized('unavailable', 'pick.fileGone', { number: file.index + 1 });
	}
	const language = await serverLanguageOf(deps, invocation, job);
	const translate = translatorFor(language);
	const number = file.index + 1;
	const picker =
		invocation.userId === job.target.requesterId
			? ''
			: translate('pick.pickedBy', { member: `<@${invocation.userId}>` });
	const requester = `<@${job.target.requesterId}>`;
	const lines = [
		translate('pick.header', { number, command: jobName(job, language), requester, picker }),
		quotePrompt(promptOf(job), PROMPT_SHOWN),
	];
	if (!download.ok) lines.push(translate('pick.tooLarge', { number, url: file.url }));
	const emoji = await emojiSetFor(deps, invocation.guildId);
	return {
		content: appendLine(lines.join('\n'), reactionHint('single', 1, emoji, translate)),
		components: pickComponents(job.id, file.index, emoji, translate),
		...(download.ok ? { files: [download.file] } : {}),
	};
}

/** The pick of this image, if it was posted and its message still exists (a moderator may have removed it). */
async function livePick(deps: ActionDeps, jobId: string, index: number): Promise<PickRecord | undefined> {
	const pick = await deps.records.pick(jobId, index);
	if (!pick) return undefined;
	try {
		await deps.rest.get(Routes.channelMessage(pick.channelId, pick.messageId));
		return pick;
	} catch (error) {
		if (isDiscordError(error, RESTJSONErrorCodes.UnknownMessage)) {
			await deps.records.forgetPick(pick);
			return undefined;
		}
		// Discord is unsure, not the pick: assume it is still there rather than post a second copy.
		return pick;
	}
}

async function pointTo(
	deps: ActionDeps,
	invocation: Invocation,
	result: ActionableResult,
	pick: PickRecord,
): Promise<void> {
	const link = jumpLink(pick.guildId, pick.channelId, pick.messageId);
	const language = await replyLanguageOf(deps, invocation, result.job);
	await invocation.responder.tell(t(language, 'pick.alreadyPosted', { number: pick.index + 1, link }), {
		inChannel: true,
	});
}
