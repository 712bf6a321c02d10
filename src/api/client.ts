import { request } from 'undici';
import { z } from 'zod';
import { MjApiError } from './errors.js';
import type { GenerateRequest, TaskDetails } from './types.js';
import {
	envelopeSchema,
	generateDataSchema,
	outcomeFromRecordInfo,
	recordInfoDataSchema,
	toGenerateBody,
} from './wire.js';

export interface MjClientOptions {
	/** e.g. `https://api.kie.ai` */
	baseUrl: string;
	apiKey: string;
	/** Applies to every call. */
	timeoutMs: number;
}

export interface MjClient {
	/** Creates a task. Resolves with its id; throws {@link MjApiError}. */
	generate(request: GenerateRequest): Promise<{ taskId: string }>;
	/** Task details, the source of truth for a task's state. Throws {@link MjApiError}. */
	getTask(taskId: string): Promise<TaskDetails>;
	/** Remaining credits of the account. */
	getCredits(): Promise<number>;
}

/** Over undici's `request`: lighter than `fetch` (see jobs/download.ts), and every delivery waits on record-info. */
export function createMjClient(options: MjClientOptions): MjClient {
	const baseUrl = options.baseUrl.replace(/\/+$/, '');

	async function call<T>(method: 'GET' | 'POST', path: string, dataSchema: z.ZodType<T>, body?: unknown): Promise<T> {
		let status: number;
		let text: string;
		try {
			const response = await request(`${baseUrl}${path}`, {
				method,
				headers: {
					authorization: `Bearer ${options.apiKey}`,
					accept: 'application/json',
					...(body === undefined ? {} : { 'content-type': 'application/json' }),
				},
				body: body === undefined ? null : JSON.stringify(body),
				signal: AbortSignal.timeout(options.timeoutMs),
			});
			status = response.statusCode;
			text = await response.body.text();
		} catch (error) {
			if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
				throw new MjApiError({ kind: 'timeout', timeoutMs: options.timeoutMs, message: error.message });
			}
			const message = networkMessage(error);
			throw new MjApiError({ kind: neverSent(error) ? 'not-sent' : 'no-answer', message }, { cause: error });
		}

		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			// A gateway error page (502 from a proxy, say) is not the API speaking: report the HTTP status.
			throw new MjApiError({ kind: 'invalid-response', httpStatus: status, message: 'body is not JSON' });
		}
		const envelope = envelopeSchema.safeParse(json);
		if (!envelope.success) {
			throw new MjApiError({
				kind: 'invalid-response',
				httpStatus: status,
				message: 'body has no numeric code',
			});
		}
		const { code, msg, data } = envelope.data;
		// HTTP status and body code are not documented to agree: either one signalling failure is a failure.
		if (code !== 200 || status < 200 || status > 299) {
			throw new MjApiError({
				kind: 'api',
				code: code !== 200 ? code : status,
				httpStatus: status,
				message: msg?.trim() || `HTTP ${status}`,
			});
		}
		const parsed = dataSchema.safeParse(data);
		if (!parsed.success) {
			throw new MjApiError({
				kind: 'invalid-response',
				httpStatus: status,
				message: `unexpected data: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
			});
		}
		return parsed.data;
	}

	return {
		async generate(request) {
			const data = await call('POST', '/api/v1/mj/generate', generateDataSchema, toGenerateBody(request));
			return { taskId: data.taskId };
		},
		async getTask(taskId) {
			const data = await call(
				'GET',
				`/api/v1/mj/record-info?taskId=${encodeURIComponent(taskId)}`,
				recordInfoDataSchema,
			);
			return { taskId: data.taskId, outcome: outcomeFromRecordInfo(data) };
		},
		async getCredits() {
			return call('GET', '/api/v1/chat/credit', z.number());
		},
	};
}

/**
 * Failures that happen before a request can leave: the connection or its TLS handshake never completed. Anything else
 * (a reset, "other side closed") may come after the provider read the request, so it is not among them.
 */
const NEVER_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENETDOWN',
	'EHOSTDOWN',
	'EADDRNOTAVAIL',
	'UND_ERR_CONNECT_TIMEOUT',
	'CERT_HAS_EXPIRED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function neverSent(error: unknown): boolean {
	for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth += 1) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
	}
	return false;
}

function networkMessage(error: unknown): string {
	if (error instanceof Error) {
		const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
		return `${error.message}${cause}`;
	}
	return String(error);
}
