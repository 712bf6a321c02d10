/** The provider's answers on the wire: `{ code, msg, data }` JSON, or the faults a test asks for. */
import type { ServerResponse } from 'node:http';
import type { FakeResponse } from './types.js';

/** The body as an object, or undefined when it is not a JSON object. */
export function parseObject(text: string): Record<string, unknown> | undefined {
	try {
		const parsed: unknown = JSON.parse(text);
		return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
			? (parsed as Record<string, unknown>)
			: undefined;
	} catch {
		return undefined;
	}
}

/** `{ code, msg }` with the HTTP status mirroring the code. */
export function error(code: number, msg: string): FakeResponse {
	return { status: code, body: { code, msg, data: null } };
}

export function ok(data: unknown): FakeResponse {
	return { status: 200, body: { code: 200, msg: 'success', data } };
}

export function send(res: ServerResponse, response: FakeResponse): void {
	if ('kind' in response) {
		switch (response.kind) {
			case 'hang':
				return; // close() destroys the socket
			case 'destroy':
				res.socket?.destroy();
				return;
			case 'raw':
				res.writeHead(response.status, { 'content-type': response.contentType });
				res.end(response.text);
				return;
		}
	}
	const text = JSON.stringify(response.body);
	res.writeHead(response.status, { 'content-type': 'application/json' });
	res.end(text);
}
