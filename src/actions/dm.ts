/**
 * ✉️: sends the member the result's files by DM (the picked image only, on a pick's post), re-uploaded so the
 * copy does not depend on links that expire. Files past the upload limit are sent as links.
 */
import { Routes, type APIChannel } from 'discord.js';
import { DEFAULT_UPLOAD_LIMIT_BYTES } from '../discord/publisher.js';
import { jobName } from '../discord/render.js';
import { NO_PINGS, fitContent } from '../discord/respond.js';
import { t } from '../i18n/index.js';
import { promptOf } from '../jobs/types.js';
import { UserError } from '../userError.js';
import type { ActionDeps } from './deps.js';
import type { Invocation, OutgoingFile } from './invocation.js';
import { replyLanguageOf, serverLanguageOf } from './language.js';
import { isDmClosed } from './notices.js';
import { fileAt, withFreshUrls, type ActionableResult } from './result.js';
import { fetchFiles, jumpLink, quotePrompt } from './text.js';

const PROMPT_SHOWN = 1200;

/** The member's DMs are closed to the bot (refusal code `dms-closed`): a refusal that cannot itself be told by DM. */
export async function sendByDm(
	deps: ActionDeps,
	invocation: Invocation,
	result: ActionableResult,
	index?: number,
): Promise<void> {
	await invocation.responder.defer('private');
	const all = withFreshUrls(result.files, await invocation.attachments());
	const wanted = index === undefined ? all : [fileAt({ ...result, files: all }, index)];
	if (wanted.length === 0) throw UserError.localized('not-applicable', 'dm.noFiles');
	const downloads = await fetchFiles(wanted, DEFAULT_UPLOAD_LIMIT_BYTES, deps.downloadAllowHosts);
	const files: OutgoingFile[] = downloads.flatMap((download) => (download.ok ? [download.file] : []));
	const { job } = result;
	// The copy of a message the server posted reads as the server's did.
	const language = await serverLanguageOf(deps, invocation, job);
	const links = downloads.flatMap((download, position) => {
		const number = (wanted[position]?.index ?? position) + 1;
		return download.ok ? [] : [`[${t(language, 'dm.fileLink', { number })}](${download.url})`];
	});
	const lines = [
		t(language, 'dm.header', {
			command: jobName(job, language),
			requester: `<@${job.target.requesterId}>`,
			link: jumpLink(invocation.guildId, invocation.channelId, invocation.messageId),
		}),
		quotePrompt(promptOf(job), PROMPT_SHOWN),
	];
	if (links.length > 0) lines.push(t(language, 'dm.notAttached', { links: links.join(' ') }));

	try {
		const channel = (await deps.rest.post(Routes.userChannels(), {
			body: { recipient_id: invocation.userId },
		})) as APIChannel;
		await deps.rest.post(Routes.channelMessages(channel.id), {
			body: {
				content: fitContent(lines.join('\n')),
				allowed_mentions: NO_PINGS,
				...(files.length > 0
					? { attachments: files.map((file, position) => ({ id: String(position), filename: file.name })) }
					: {}),
			},
			files,
		});
	} catch (error) {
		if (isDmClosed(error)) throw UserError.localized('dms-closed', 'dm.closed');
		throw error;
	}
	invocation.log.info({ jobId: job.id, files: files.length, links: links.length }, 'Result sent by DM');
	await invocation.responder.tell(t(await replyLanguageOf(deps, invocation, job), 'dm.sent'));
}
