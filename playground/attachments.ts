/**
 * A member's upload for an attachment option: a file picked on the page, or one fetched from a URL they gave, hosted
 * on the fake Discord's CDN as Discord hosts what a member attaches to a command.
 */
import type { FakeDiscord, HostedAttachment } from '../fakes/discord.js';

/** Discord's default upload limit: a larger file cannot be attached at all. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

export class UploadError extends Error {}

export function hostUpload(
	discord: FakeDiscord,
	upload: { filename: string; contentType: string; data: Buffer },
): HostedAttachment {
	if (upload.data.length === 0) throw new UploadError('The file is empty.');
	if (upload.data.length > MAX_UPLOAD_BYTES) throw new UploadError('The file is over Discord’s 20 MB upload limit.');
	const filename = upload.filename.replace(/[\\/]/g, '_').slice(0, 100) || 'upload';
	return discord.hostAttachment({ filename, data: upload.data, contentType: upload.contentType });
}

/** Fetches `url` (http or https) and hosts what came back, named after the URL's last segment. */
export async function hostFromUrl(discord: FakeDiscord, url: string): Promise<HostedAttachment> {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new UploadError('That is not a URL.');
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UploadError('Only http(s) URLs.');
	let response: Response;
	try {
		response = await fetch(parsed, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
	} catch (error) {
		throw new UploadError(`Could not fetch it: ${error instanceof Error ? error.message : String(error)}`);
	}
	if (!response.ok) throw new UploadError(`Fetching it answered ${response.status}.`);
	const announced = Number(response.headers.get('content-length') ?? 0);
	if (announced > MAX_UPLOAD_BYTES) throw new UploadError('The file is over Discord’s 20 MB upload limit.');
	const data = Buffer.from(await response.arrayBuffer());
	const filename = decodeURIComponent(parsed.pathname.split('/').pop() ?? '') || 'download';
	return hostUpload(discord, { filename, contentType: response.headers.get('content-type') ?? '', data });
}
