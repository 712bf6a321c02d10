/**
 * A message with files, as one `multipart/form-data` body built in a single buffer, for discord.js's REST to pass
 * through as is.
 *
 * Given `files`, discord.js builds a web `FormData` (each file copied into a `Blob`), which undici then serializes as
 * a stream, part by part, over several turns of the event loop. For a result's four files that was the larger part of
 * the time from "post this" to the request having reached Discord (0.36 ms against 0.08 ms for the same bytes in one
 * buffer, measured alone): it is on the path of every delivery. The format is the one `FormData` writes (the HTML
 * standard's multipart/form-data encoding), with the part names Discord reads: `payload_json` and `files[n]`.
 */
import { randomBytes } from 'node:crypto';
import type { RawFile, RequestData } from 'discord.js';

/** What discord.js's REST needs to send a prepared body: the bytes, untouched, and their content type. */
export type PreparedBody = Required<Pick<RequestData, 'body' | 'headers' | 'passThroughBody'>>;

/**
 * The request data for `payload` with `files` (`files[0]`, `files[1]`… as discord.js names them): a JSON body when
 * there are none, else one multipart body.
 */
export function withFiles(payload: object, files: readonly RawFile[]): Pick<RequestData, 'body'> | PreparedBody {
	if (files.length === 0) return { body: payload };
	const boundary = `----mjbot${randomBytes(16).toString('hex')}`;
	const parts: Buffer[] = [];
	for (const [index, file] of files.entries()) {
		const type = file.contentType ?? 'application/octet-stream';
		parts.push(
			header(
				boundary,
				`name="${escapeName(file.key ?? `files[${index}]`)}"; filename="${escapeName(file.name)}"`,
				type,
			),
			toBuffer(file.data),
			CRLF,
		);
	}
	parts.push(
		header(boundary, 'name="payload_json"', 'application/json'),
		Buffer.from(JSON.stringify(payload)),
		CRLF,
		Buffer.from(`--${boundary}--\r\n`),
	);
	return {
		body: Buffer.concat(parts),
		headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
		passThroughBody: true,
	};
}

const CRLF = Buffer.from('\r\n');

function header(boundary: string, disposition: string, type: string): Buffer {
	return Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\nContent-Type: ${type}\r\n\r\n`,
	);
}

/** As `FormData` escapes a name or file name: a quote, a CR or an LF would otherwise end the header early. */
function escapeName(name: string): string {
	return name.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function toBuffer(data: RawFile['data']): Buffer {
	if (Buffer.isBuffer(data)) return data;
	if (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean') return Buffer.from(`${data}`);
	return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
