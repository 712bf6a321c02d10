import { createHash } from 'node:crypto';
import type { APIAttachment } from 'discord-api-types/v10';
import type { RecordedFile } from './types.js';
import type { FakeResponse } from './util.js';

const MIME_BY_EXTENSION: Record<string, string> = {
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	mp4: 'video/mp4',
	webm: 'video/webm',
	mov: 'video/quicktime',
	txt: 'text/plain; charset=utf-8',
	json: 'application/json; charset=utf-8',
};

/** The content type Discord reports: the one sent, else one guessed from the file extension. */
export function guessContentType(filename: string, sent: string): string {
	if (sent !== '' && sent !== 'application/octet-stream') return sent;
	const extension = filename.split('.').pop()?.toLowerCase() ?? '';
	return MIME_BY_EXTENSION[extension] ?? (sent === '' ? 'application/octet-stream' : sent);
}

/** Width and height of a PNG or GIF, read from its header. */
function imageSize(data: Buffer): { width: number; height: number } | undefined {
	if (data.length >= 24 && data.readUInt32BE(0) === 0x89504e47 && data.toString('latin1', 12, 16) === 'IHDR') {
		return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
	}
	if (data.length >= 10 && data.toString('latin1', 0, 3) === 'GIF') {
		return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
	}
	return undefined;
}

interface HostedFile {
	file: RecordedFile;
	contentType: string;
	channelId: string;
}

/** The fake CDN: keeps uploaded bytes and serves them at signed-looking attachment URLs. */
export class Cdn {
	readonly #hosted = new Map<string, HostedFile>();
	readonly #newId: () => string;
	readonly #baseUrl: () => string;

	constructor(newId: () => string, baseUrl: () => string) {
		this.#newId = newId;
		this.#baseUrl = baseUrl;
	}

	/** Hosts a file and returns its attachment object, shaped like Discord's (spaces in names become `_`). */
	host(
		file: RecordedFile,
		channelId: string,
		extra: { ephemeral?: boolean; description?: unknown; title?: unknown } = {},
	): APIAttachment {
		const id = this.#newId();
		const filename = file.name.replaceAll(' ', '_') || 'unknown';
		const contentType = guessContentType(filename, file.contentType);
		this.#hosted.set(id, { file, contentType, channelId });
		const now = Math.floor(Date.now() / 1000);
		const signature = createHash('sha256').update(id).digest('hex');
		const query = `ex=${(now + 86_400).toString(16)}&is=${now.toString(16)}&hm=${signature}&`;
		const url = `${this.#baseUrl()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}?${query}`;
		const attachment: APIAttachment = {
			id,
			filename,
			size: file.data.length,
			url,
			proxy_url: url,
			content_type: contentType,
			...imageSize(file.data),
		};
		if (typeof extra.description === 'string') attachment.description = extra.description;
		if (typeof extra.title === 'string') attachment.title = extra.title;
		if (extra.ephemeral) attachment.ephemeral = true;
		return attachment;
	}

	fileOf(attachmentId: string): RecordedFile | undefined {
		return this.#hosted.get(attachmentId)?.file;
	}

	/** Serves `/attachments/:channel/:id/:filename` (the query string is ignored); undefined when unknown. */
	download(path: string): FakeResponse | undefined {
		const match = /^\/attachments\/([^/]+)\/([^/]+)\/[^/]+$/.exec(path);
		const hosted = match?.[2] === undefined ? undefined : this.#hosted.get(match[2]);
		if (!hosted || hosted.channelId !== match?.[1]) return undefined;
		return { status: 200, raw: { data: hosted.file.data, contentType: hosted.contentType } };
	}
}
