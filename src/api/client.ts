import { MjApiError } from './errors.js';
import type { GenerateRequest, TaskDetails } from './types.js';
import {
	envelopeSchema,
	generateDataSchema,
	outcomeFromRecordInfo,
	recordInfoDataSchema,
	toGenerateBody,
} from './wire.js';
import { z } from 'zod';

export interface MjClientOptions {
	/** e.g. `https://api.kie.ai` */
	baseUrl: string;
	apiKey: string;
	/** Applies to every call. */
	timeoutMs: number;
	/** Injected for tests and instrumentation; defaults to the global fetch. */
	fetch?: typeof fetch;
}

export interface MjClient {
	/** Creates a task. Resolves with its id; throws {@link MjApiError}. */
	generate(request: GenerateRequest): Promise<{ taskId: string }>;
	/** Task details, the source of truth for a task's state. Throws {@link MjApiError}. */
	getTask(taskId: string): Promise<TaskDetails>;
	/** Remaining credits of the account. */
	getCredits(): Promise<number>;
}

export function createMjClient(options: MjClientOptions): MjClient {
	const doFetch = options.fetch ?? fetch;
	const baseUrl = options.baseUrl.replace(/\/+$/, '');

	async function call<T>(method: 'GET' | 'POST', path: string, dataSchema: z.ZodType<T>, body?: unknown): Promise<T> {
		let response: Response;
		let text: string;
		try {
			response = await doFetch(`${baseUrl}${path}`, {
				method,
				headers: {
					authorization: `Bearer ${options.apiKey}`,
					accept: 'application/json',
					...(body === undefined ? {} : { 'content-type': 'application/json' }),
				},
				body: body === undefined ? null : JSON.stringify(body),
				signal: AbortSignal.timeout(options.timeoutMs),
			});
			text = await response.text();
		} catch (error) {
			if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
				throw new MjApiError({ kind: 'timeout', timeoutMs: options.timeoutMs, message: error.message });
			}
			throw new MjApiError({ kind: 'network', message: networkMessage(error) });
		}

		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			// A gateway error page (502 from a proxy, say) is not the API speaking: report the HTTP status.
			throw new MjApiError({ kind: 'invalid-response', httpStatus: response.status, message: 'body is not JSON' });
		}
		const envelope = envelopeSchema.safeParse(json);
		if (!envelope.success) {
			throw new MjApiError({
				kind: 'invalid-response',
				httpStatus: response.status,
				message: 'body has no numeric code',
			});
		}
		const { code, msg, data } = envelope.data;
		// HTTP status and body code are not documented to agree: either one signalling failure is a failure.
		if (code !== 200 || !response.ok) {
			throw new MjApiError({
				kind: 'api',
				code: code !== 200 ? code : response.status,
				httpStatus: response.status,
				message: msg?.trim() || `HTTP ${response.status}`,
			});
		}
		const parsed = dataSchema.safeParse(data);
		if (!parsed.success) {
			throw new MjApiError({
				kind: 'invalid-response',
				httpStatus: response.status,
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

function networkMessage(error: unknown): string {
	if (error instanceof Error) {
		const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
		return `${error.message}${cause}`;
	}
	return String(error);
}
