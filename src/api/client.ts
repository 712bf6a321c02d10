import { request } from 'undici';
import { z } from 'zod';
import { MjApiError } from './errors.js';
import { FOLLOW_UP_PATHS, toFollowUpBody } from './followUpWire.js';
import { DEFAULT_IMAGE_INDEX_BASE, type ImageIndexBase } from './imageIndex.js';
import {
	isFollowUp,
	type ExtendRequest,
	type FollowUpRequest,
	type GenerateRequest,
	type SubmitRequest,
	type TaskDetails,
	type UpscaleRequest,
	type VaryRequest,
} from './types.js';
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
	/** The operator's default key; a call may name another (a server's own). */
	apiKey?: string;
	/** Applies to every call. */
	timeoutMs: number;
	/** What the provider calls the first image of a grid (see imageIndex.ts). Default 0. */
	imageIndexBase?: ImageIndexBase;
}

/** A created task. */
export interface Submitted {
	taskId: string;
}

/**
 * Every method that creates a task resolves with its id and throws {@link MjApiError}; a failure whose `outcome` is
 * `unknown` may have created (and billed) a task, so it must not be sent again.
 */
export interface MjClient {
	/** Creates a task from a prompt. */
	generate(request: GenerateRequest, apiKey?: string): Promise<Submitted>;
	/** Four variations of one image of a finished grid. */
	vary(request: VaryRequest, apiKey?: string): Promise<Submitted>;
	/** One image of a finished grid, upscaled. */
	upscale(request: UpscaleRequest, apiKey?: string): Promise<Submitted>;
	/** One video of a finished video task, extended. */
	extendVideo(request: ExtendRequest, apiKey?: string): Promise<Submitted>;
	/** Any of the above, by the request's kind: one entry point for whoever submits jobs. */
	submit(request: SubmitRequest, apiKey?: string): Promise<Submitted>;
	/** Task details, the source of truth for a task's state. Throws {@link MjApiError}. */
	getTask(taskId: string, apiKey?: string): Promise<TaskDetails>;
	/** Remaining credits of the account. */
	getCredits(apiKey?: string): Promise<number>;
}

/** `apiKey`: the key this call is made with (a server's own); none: the client's default. */
type Call = <T>(
	method: 'GET' | 'POST',
	path: string,
	dataSchema: z.ZodType<T>,
	body?: unknown,
	apiKey?: string,
) => Promise<T>;

/** Over undici's `request`: lighter than `fetch` (see jobs/download.ts), and every delivery waits on record-info. */
export function createMjClient(options: MjClientOptions): MjClient {
	const call = createCall(options);
	const base = options.imageIndexBase ?? DEFAULT_IMAGE_INDEX_BASE;
	const generate = async (request: GenerateRequest, apiKey?: string): Promise<Submitted> =>
		taskIdOf(await call('POST', '/api/v1/mj/generate', generateDataSchema, toGenerateBody(request), apiKey));
	const followUp = async (request: FollowUpRequest, apiKey?: string): Promise<Submitted> =>
		taskIdOf(
			await call('POST', FOLLOW_UP_PATHS[request.action], generateDataSchema, toFollowUpBody(request, base), apiKey),
		);
	return {
		generate,
		vary: followUp,
		upscale: followUp,
		extendVideo: followUp,
		submit: (request, apiKey) => (isFollowUp(request) ? followUp(request, apiKey) : generate(request, apiKey)),
		async getTask(taskId, apiKey) {
			const path = `/api/v1/mj/record-info?taskId=${encodeURIComponent(taskId)}`;
			const data = await call('GET', path, recordInfoDataSchema, undefined, apiKey);
			return { taskId: data.taskId, outcome: outcomeFromRecordInfo(data) };
		},
		getCredits: (apiKey) => call('GET', '/api/v1/chat/credit', z.number(), undefined, apiKey),
	};
}

function taskIdOf(data: { taskId: string }): Submitted {
	return { taskId: data.taskId };
}

/** One authenticated call: the transport, then the provider's envelope, then `data` checked against its schema. */
function createCall(options: MjClientOptions): Call {
	const baseUrl = options.baseUrl.replace(/\/+$/, '');
	return async (method, path, dataSchema, body, apiKey) => {
		const key = apiKey ?? options.apiKey;
		// No key at all: refused as the provider would refuse it, without a request.
		if (key === undefined) throw new MjApiError({ kind: 'api', code: 401, httpStatus: 401, message: 'No API key' });
		const { status, text } = await send({ ...options, apiKey: key }, method, `${baseUrl}${path}`, body);
		return parseAnswer(status, text, dataSchema);
	};
}

async function send(
	options: MjClientOptions & { apiKey: string },
	method: 'GET' | 'POST',
	url: string,
	body: unknown,
): Promise<{ status: number; text: string }> {
	try {
		const response = await request(url, {
			method,
			headers: {
				authorization: `Bearer ${options.apiKey}`,
				accept: 'application/json',
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
			},
			body: body === undefined ? null : JSON.stringify(body),
			signal: AbortSignal.timeout(options.timeoutMs),
		});
		return { status: response.statusCode, text: await response.body.text() };
	} catch (error) {
		if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
			throw new MjApiError({ kind: 'timeout', timeoutMs: options.timeoutMs, message: error.message });
		}
		const message = networkMessage(error);
		throw new MjApiError({ kind: neverSent(error) ? 'not-sent' : 'no-answer', message }, { cause: error });
	}
}

function parseAnswer<T>(status: number, text: string, dataSchema: z.ZodType<T>): T {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		// A gateway error page (502 from a proxy, say) is not the API speaking: report the HTTP status.
		throw new MjApiError({ kind: 'invalid-response', httpStatus: status, message: 'body is not JSON' });
	}
	const envelope = envelopeSchema.safeParse(json);
	if (!envelope.success) {
		throw new MjApiError({ kind: 'invalid-response', httpStatus: status, message: 'body has no numeric code' });
	}
	const { code, msg, data } = envelope.data;
	// HTTP status and body code are not documented to agree: either one signalling failure is a failure.
	if (code !== 200 || status < 200 || status > 299) {
		const message = msg?.trim() || `HTTP ${status}`;
		throw new MjApiError({ kind: 'api', code: code !== 200 ? code : status, httpStatus: status, message });
	}
	const parsed = dataSchema.safeParse(data);
	if (!parsed.success) {
		const message = `unexpected data: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
		throw new MjApiError({ kind: 'invalid-response', httpStatus: status, message });
	}
	return parsed.data;
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
