import type { RecordedFile } from './types.js';

export type ParsedBody =
	{ ok: true; body: unknown; files: RecordedFile[]; problems: string[] } | { ok: false; problems: string[] };

const FILE_FIELD = /^files\[(\d+)\]$/;

/** Parses a request body the way Discord does: JSON, or multipart/form-data with `payload_json` and `files[n]`. */
export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
	if (raw.length === 0) return { ok: true, body: undefined, files: [], problems: [] };
	const type = (contentType ?? '').toLowerCase();
	if (type.startsWith('multipart/form-data')) return parseMultipart(contentType ?? '', raw);
	if (!type.startsWith('application/json')) {
		return { ok: false, problems: [`unsupported content-type ${JSON.stringify(contentType ?? '')}`] };
	}
	try {
		return { ok: true, body: JSON.parse(raw.toString('utf8')) as unknown, files: [], problems: [] };
	} catch {
		return { ok: false, problems: ['body is not valid JSON'] };
	}
}

async function parseMultipart(contentType: string, raw: Buffer): Promise<ParsedBody> {
	let form: FormData;
	try {
		form = await new Response(Uint8Array.from(raw), { headers: { 'content-type': contentType } }).formData();
	} catch (error) {
		return { ok: false, problems: [`unparsable multipart body: ${String(error)}`] };
	}
	const files: RecordedFile[] = [];
	const problems: string[] = [];
	let body: unknown;
	for (const [field, value] of form.entries()) {
		if (typeof value === 'string') {
			if (field !== 'payload_json') {
				problems.push(`multipart field ${field} is sent as a form field; discord.js sends JSON in payload_json`);
				continue;
			}
			try {
				body = JSON.parse(value) as unknown;
			} catch {
				return { ok: false, problems: ['payload_json is not valid JSON'] };
			}
			continue;
		}
		const index = FILE_FIELD.exec(field)?.[1];
		if (index === undefined || Number(index) > 9)
			problems.push(`unexpected multipart file field ${field} (files[0]…files[9])`);
		files.push({
			field,
			name: value.name,
			contentType: value.type,
			data: Buffer.from(await value.arrayBuffer()),
		});
	}
	return { ok: true, body, files, problems };
}

/** The index n of a `files[n]` field, or undefined. */
export function fileIndex(field: string): string | undefined {
	return FILE_FIELD.exec(field)?.[1];
}
