/**
 * Small text helpers for the messages actions post.
 */
import { fitUploads } from '../discord/publisher.js';
import { downloadResult, type DownloadResult } from '../jobs/download.js';
import type { ResultFile } from './result.js';

/** A link that opens a message in Discord; `guildId` null for DMs. */
export function jumpLink(guildId: string | null, channelId: string, messageId: string): string {
	return `https://discord.com/channels/${guildId ?? '@me'}/${channelId}/${messageId}`;
}

/** The prompt as an escaped quote of at most `max` characters: the one way every message quotes a prompt. */
export { quotePrompt } from '../discord/render.js';

/**
 * Fetches result files to re-upload them: Discord's copy first, then the provider's link. Each keeps the name it
 * has on the result, so the copy can be matched to it later. Files past `limitBytes` in total stay links.
 */
export async function fetchFiles(
	files: readonly ResultFile[],
	limitBytes: number,
	allowHosts: readonly string[] = [],
): Promise<DownloadResult[]> {
	const limits = { maxBytes: limitBytes, timeoutMs: 30_000, allowHosts };
	const downloads = await Promise.all(
		files.map(async (file) => {
			const baseName = file.filename.replace(/\.\w{1,5}$/, '');
			let download = await downloadResult(file.url, baseName, limits);
			if (!download.ok && file.providerUrl && file.providerUrl !== file.url) {
				const fallback = await downloadResult(file.providerUrl, baseName, limits);
				if (fallback.ok) download = fallback;
			}
			return download.ok && /\.\w{1,5}$/.test(file.filename)
				? { ...download, file: { ...download.file, name: file.filename } }
				: download;
		}),
	);
	return fitUploads(downloads, limitBytes);
}

/** Whether a failed download means the file is gone (as opposed to merely too large to upload). */
export function isGone(download: DownloadResult): boolean {
	return !download.ok && download.failure !== 'too-large';
}
