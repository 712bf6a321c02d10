/**
 * Fetches result files so they can be re-hosted on Discord before the provider's links expire.
 * Bounded in size and time; only http(s); only image or video content.
 */

export interface DownloadedFile {
	name: string;
	contentType: string;
	data: Buffer;
}

export type DownloadResult =
	{ ok: true; url: string; file: DownloadedFile } | { ok: false; url: string; reason: string };

export interface DownloadLimits {
	maxBytes: number;
	timeoutMs: number;
}

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
	'video/mp4': 'mp4',
	'video/webm': 'webm',
	'video/quicktime': 'mov',
};

export async function downloadResult(
	url: string,
	baseName: string,
	limits: DownloadLimits,
	doFetch: typeof fetch = fetch,
): Promise<DownloadResult> {
	if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
		return { ok: false, url, reason: 'not an http(s) URL' };
	const signal = AbortSignal.timeout(limits.timeoutMs);
	try {
		const response = await doFetch(url, { signal, redirect: 'follow' });
		if (!response.ok || !response.body) {
			await response.body?.cancel();
			return { ok: false, url, reason: `HTTP ${response.status}` };
		}
		const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
		if (!contentType.startsWith('image/') && !contentType.startsWith('video/')) {
			await response.body.cancel();
			return { ok: false, url, reason: `unexpected content type ${contentType || '(none)'}` };
		}
		const declared = Number(response.headers.get('content-length') ?? Number.NaN);
		if (declared > limits.maxBytes) {
			await response.body.cancel();
			return { ok: false, url, reason: `too large (${declared} bytes)` };
		}
		const chunks: Uint8Array[] = [];
		let size = 0;
		for await (const chunk of response.body) {
			size += chunk.byteLength;
			if (size > limits.maxBytes) {
				await response.body.cancel().catch(() => undefined);
				return { ok: false, url, reason: `too large (over ${limits.maxBytes} bytes)` };
			}
			chunks.push(chunk);
		}
		const extension = EXTENSIONS[contentType] ?? contentType.split('/')[1]?.replace(/[^a-z0-9]/g, '') ?? 'bin';
		return { ok: true, url, file: { name: `${baseName}.${extension}`, contentType, data: Buffer.concat(chunks) } };
	} catch (error) {
		const reason =
			error instanceof Error && error.name === 'TimeoutError'
				? `timed out after ${limits.timeoutMs} ms`
				: String(error instanceof Error ? error.message : error);
		return { ok: false, url, reason };
	}
}
