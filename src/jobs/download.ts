/**
 * Fetches result files so they can be re-hosted on Discord before the provider's links expire.
 * Bounded in size and time; only http(s), every redirect followed here and checked like the first URL; only public
 * addresses (unless the host is allow-listed); only files whose bytes are an image or a video; and only a few at once
 * in the whole process, however many jobs finish together.
 * Over undici's `request` rather than `fetch`: the same client underneath, without the WHATWG Request, Headers and
 * stream objects around it, which cost about 0.3 ms of CPU per file (four per result) in the delivery benchmark.
 */
import { request, type Dispatcher } from 'undici';
import { timed } from '../timing.js';
import { createGuardedAgent } from './guardedAgent.js';
import { isAllowListed } from './safeAddress.js';
import { Slots } from './slots.js';
import { sniffMedia, SNIFF_BYTES, type MediaType } from './sniff.js';

export interface DownloadedFile {
	name: string;
	contentType: string;
	data: Buffer;
}

/** Why a file was not downloaded, as a code: too large to carry (it still exists at its URL), or unavailable. */
export type DownloadFailure = 'too-large' | 'unavailable';

export type DownloadResult =
	| { ok: true; url: string; file: DownloadedFile }
	| { ok: false; url: string; failure: DownloadFailure; reason: string };

export interface DownloadLimits {
	maxBytes: number;
	/** Counted from the moment the download has its slot (see {@link MAX_CONCURRENT_DOWNLOADS}), redirects included. */
	timeoutMs: number;
	/** `host` or `host:port` entries fetched without the public-address check (see safeAddress.ts). */
	allowHosts?: readonly string[];
}

/** Downloads running at once in this process; the rest wait their turn (a restart may resume many deliveries). */
export const MAX_CONCURRENT_DOWNLOADS = 8;
/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const slots = new Slots(MAX_CONCURRENT_DOWNLOADS);
const guardedAgent = createGuardedAgent();

/** Downloads running now and waiting for their turn, process-wide. */
export function downloadsInProgress(): { running: number; waiting: number } {
	return { running: slots.inUse, waiting: slots.queued };
}

export async function downloadResult(url: string, baseName: string, limits: DownloadLimits): Promise<DownloadResult> {
	return timed('download', url, () => downloadBounded(url, baseName, limits));
}

async function downloadBounded(url: string, baseName: string, limits: DownloadLimits): Promise<DownloadResult> {
	if (!httpUrl(url)) return { ok: false, url, failure: 'unavailable', reason: 'not an http(s) URL' };
	const release = await slots.take();
	const signal = AbortSignal.timeout(limits.timeoutMs);
	try {
		return await fetchFile(url, baseName, limits, signal);
	} catch (error) {
		const reason = signal.aborted
			? `timed out after ${limits.timeoutMs} ms`
			: String(error instanceof Error ? error.message : error);
		return { ok: false, url, failure: 'unavailable', reason };
	} finally {
		release();
	}
}

async function fetchFile(
	url: string,
	baseName: string,
	limits: DownloadLimits,
	signal: AbortSignal,
): Promise<DownloadResult> {
	const answer = await follow(url, limits.allowHosts ?? [], signal);
	if ('reason' in answer) return { ok: false, url, failure: 'unavailable', reason: answer.reason };
	const { statusCode, headers, body } = answer;
	const refuse = (reason: string, failure: DownloadFailure = 'unavailable'): DownloadResult => {
		body.destroy();
		return { ok: false, url, failure, reason };
	};
	if (statusCode < 200 || statusCode > 299) return refuse(`HTTP ${statusCode}`);
	const declared = Number(headerValue(headers['content-length']) || Number.NaN);
	if (declared > limits.maxBytes) return refuse(`too large (${declared} bytes)`, 'too-large');
	const notMedia = () => {
		const served = headerValue(headers['content-type']).split(';')[0]!.trim() || 'no content type';
		return refuse(`not an image or video (its first bytes match no known format; served as ${served})`);
	};
	const chunks: Buffer[] = [];
	let size = 0;
	let media: MediaType | undefined;
	for await (const chunk of body as AsyncIterable<Buffer>) {
		size += chunk.byteLength;
		if (size > limits.maxBytes) return refuse(`too large (over ${limits.maxBytes} bytes)`, 'too-large');
		chunks.push(chunk);
		// Judged as soon as the start has arrived: the rest of a file that is not media is never read.
		if (media === undefined && size >= SNIFF_BYTES) {
			media = sniffMedia(Buffer.concat(chunks));
			if (!media) return notMedia();
		}
	}
	const data = Buffer.concat(chunks);
	media ??= sniffMedia(data);
	if (!media) return notMedia();
	return { ok: true, url, file: { name: `${baseName}.${media.extension}`, contentType: media.contentType, data } };
}

/**
 * Requests `url`, following redirects one hop at a time: each hop's URL must be http(s), and each connection is made
 * through the guarded agent unless that hop's host is allow-listed. Answers the final response, or why there is none.
 */
async function follow(
	url: string,
	allowHosts: readonly string[],
	signal: AbortSignal,
): Promise<Dispatcher.ResponseData | { reason: string }> {
	let target = new URL(url);
	for (let redirects = 0; ; redirects++) {
		const response = await request(target, {
			signal,
			...(isAllowListed(target, allowHosts) ? {} : { dispatcher: guardedAgent }),
		});
		// A body given up early errors as it closes; nobody is reading it any more, so that error goes nowhere.
		response.body.on('error', () => undefined);
		if (!REDIRECT_STATUSES.has(response.statusCode)) return response;
		response.body.destroy();
		if (redirects === MAX_REDIRECTS) return { reason: `more than ${MAX_REDIRECTS} redirects` };
		const location = headerValue(response.headers.location);
		const next = location === '' ? undefined : httpUrl(location, target);
		if (!next)
			return { reason: `HTTP ${response.statusCode} to ${location ? 'a URL that is not http(s)' : 'nowhere'}` };
		target = next;
	}
}

/** The URL, resolved against `base`, when it is an http(s) one. */
function httpUrl(value: string, base?: URL): URL | undefined {
	if (!URL.canParse(value, base?.href)) return undefined;
	const url = new URL(value, base);
	return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

function headerValue(value: string | string[] | undefined): string {
	return (Array.isArray(value) ? value[0] : value) ?? '';
}
