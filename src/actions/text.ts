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

/** The prompt as a quote of at most `max` characters in all, cut (by code points, never inside an emoji) to fit. */
export function quotePrompt(prompt: string, max: number): string {
	const points = Array.from(prompt);
	let keep = points.length;
	for (;;) {
		const shown = keep < points.length ? `${points.slice(0, Math.max(1, keep - 1)).join('')}…` : prompt;
		const quoted = shown
			.split('\n')
			.map((line) => `> ${line}`)
			.join('\n');
		// Each line's marker counts too: a prompt of many short lines needs more cutting than its length suggests.
		if (quoted.length <= max || keep <= 1) return quoted;
		keep -= Math.max(1, quoted.length - max);
	}
}

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
	return !download.ok && !/too large|upload limit/.test(download.reason);
}
