import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest } from './types.js';
import type { FakeResponse } from './util.js';

/** One line per request, for timeout messages. */
export function describe(request: RecordedRequest): string {
	return `${request.method} ${request.path}${request.query.size ? `?${request.query.toString()}` : ''} -> ${request.response.status}`;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
	return Buffer.concat(chunks);
}

export function send(res: ServerResponse, response: FakeResponse): void {
	const headers: Record<string, string> = { ...response.headers };
	if (response.raw) {
		res.writeHead(response.status, {
			...headers,
			'content-type': response.raw.contentType,
			'content-length': String(response.raw.data.length),
		});
		res.end(response.raw.data);
		return;
	}
	if (response.body === undefined) {
		res.writeHead(response.status, headers);
		res.end();
		return;
	}
	const text = JSON.stringify(response.body);
	res.writeHead(response.status, { ...headers, 'content-type': 'application/json' });
	res.end(text);
}
