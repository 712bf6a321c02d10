/**
 * A fake of the Midjourney HTTP API (docs/provider/mj-generate-api.txt and mj-api-reference.md) on 127.0.0.1, port 0.
 *
 * It speaks the real wire protocol (`{ code, msg, data }` bodies, Bearer authentication, the generate / record-info /
 * credit endpoints, result files, signed callbacks) and validates generate bodies the way the provider documents them.
 * Its vocabulary (task types, choices, ranges, field names) is written out here from the provider's pages on purpose,
 * not imported from `src/api/spec.ts`: the fake is the oracle the client is checked against, so a mistake in the
 * client's constants must not be copied into it.
 *
 * HTTP status of error answers: the provider does not document whether the HTTP status agrees with the body `code`.
 * The fake answers errors with the HTTP status equal to the body code (401 → HTTP 401, 422 → HTTP 422…); tests that
 * need another combination (HTTP 200 with body code 500, say) use `respondToGenerate` / `respondToRecordInfo`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { deflateSync } from 'node:zlib';
import { signProviderWebhook } from '../src/api/webhookSignature.js';

export interface FakeGenerateRequest {
	body: Record<string, unknown>;
	authorization: string | undefined;
	receivedAt: number;
}

export type FakeResponse =
	| { status: number; body: unknown }
	/** Never answers until close(): simulates a time-out. */
	| { kind: 'hang' }
	/** Destroys the socket without answering. */
	| { kind: 'destroy' }
	| { kind: 'raw'; status: number; contentType: string; text: string };

export interface FakeTask {
	taskId: string;
	request: Record<string, unknown>;
	state: 'pending' | 'succeeded' | 'failed';
	resultUrls: string[];
	errorMessage?: string;
	errorCode?: number;
}

/** The provider's endpoints, as `FakeMidjourney.intercept` names them. */
export type FakeEndpoint = 'generate' | 'record-info' | 'credit';

export interface FakeMidjourneyOptions {
	apiKey?: string;
	webhookKey?: string;
	/**
	 * The bytes of result image `index` (0-based) of a task that `succeed()` marks done, a PNG. Default: a 2×2 tile
	 * of one colour per index.
	 */
	renderImage?: (task: FakeTask, index: number) => Buffer;
	/** Called when a generate request creates a task (after its answer is decided, before it is sent). */
	onTask?: (task: FakeTask) => void;
}

export interface FakeMidjourney {
	/** `http://127.0.0.1:PORT` */
	readonly baseUrl: string;
	readonly apiKey: string;
	/** Every generate request, in arrival order, including rejected ones. */
	readonly generateRequests: FakeGenerateRequest[];
	/** Task ids queried with record-info, in order ('' when the query had no taskId). */
	readonly recordInfoRequests: string[];
	/** Names of the result files requested (GET or HEAD of `/files/<name>`), in order. */
	readonly fileRequests: string[];
	readonly tasks: Map<string, FakeTask>;
	/**
	 * What the client sent that the spec says it must not: fields not valid for the task type, field names the spec
	 * does not know, calls to endpoints that do not exist. Recorded whatever the answer was; tests assert it is empty.
	 */
	readonly violations: string[];
	/** Returned by the credit endpoint. Generate answers 402 while it is <= 0 (it is never decremented). */
	credits: number;
	/** Every call to an endpoint (not result files) is answered this many milliseconds after it arrived (default 0). */
	latencyMs: number;
	/**
	 * Asked on every call to an endpoint (after `latencyMs`): a response it returns is the answer, and nothing is
	 * created (a generate request is still recorded). Undefined (the default), or returning undefined: as usual.
	 */
	intercept: ((endpoint: FakeEndpoint) => FakeResponse | undefined) | undefined;
	/**
	 * The next `times` generate calls get this response instead of creating a task (default times 1). With
	 * `{ created: true }` the task IS created (and paid for) as usual, and only the answer is replaced: what a reset
	 * after the body was read, a time-out or a proxy's error page in front of a working provider look like.
	 */
	respondToGenerate(response: FakeResponse, times?: number, options?: { created?: boolean }): void;
	/** The next `times` record-info calls get this response (default times 1). */
	respondToRecordInfo(response: FakeResponse, times?: number): void;
	/**
	 * Holds every record-info answer (received, then left waiting) until the returned function is called: what a slow
	 * provider looks like. Answers reflect the task's state when released.
	 */
	holdRecordInfo(): () => void;
	/**
	 * Resolves once generate request `index` (0-based) has been received, with the id of the task it created
	 * (undefined when it was rejected or answered by a canned response). Without `index`: the request after the one
	 * the previous call waited for, so successive `await waitForGenerate()` walk through the requests in order.
	 */
	waitForGenerate(index?: number, timeoutMs?: number): Promise<FakeGenerateRequest & { taskId: string | undefined }>;
	/**
	 * Marks the task succeeded. Images: PNG files served at `${baseUrl}/files/<taskId>_<i>.png`; video task types
	 * (mj_video*): `.mp4` files served as video/mp4. `count` defaults to 4 for images, to the request's videoBatchSize
	 * (or 1) for video. With `resultUrls`, those URLs are reported as they are and no file is created.
	 */
	succeed(taskId: string, options?: { count?: number; resultUrls?: string[] }): FakeTask;
	/** Marks the task failed (record-info: successFlag 2, errorMessage, errorCode or null). */
	fail(taskId: string, message: string, code?: number): FakeTask;
	/**
	 * POSTs the documented callback body for the task's (finished) state to its `callBackUrl`: success → code 200 and
	 * `resultUrls` as plain strings; failure → code 500, msg, `resultUrls: []`. With a `webhookKey`, signs it with
	 * X-Webhook-Timestamp / X-Webhook-Signature. `overrides` forge the body (`body` as JSON, `rawBody` as is), add or
	 * replace headers, or change the URL. Resolves with the receiver's status and body text.
	 */
	sendCallback(
		taskId: string,
		overrides?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; url?: string },
	): Promise<{ status: number; text: string }>;
	/** Serves `data` at `${baseUrl}/files/<name>` with this content type. Returns the URL. */
	serveFile(name: string, contentType: string, data: Buffer): string;
	/** Stops the server, destroying open connections (a 'hang' never keeps the process alive). */
	close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// The provider's vocabulary, from its pages.

const TASK_TYPES = [
	'mj_txt2img',
	'mj_img2img',
	'mj_video',
	'mj_video_hd',
	'mj_style_reference',
	'mj_omni_reference',
] as const;

const SPEC_FIELDS = new Set([
	'taskType',
	'prompt',
	'speed',
	'fileUrl',
	'fileUrls',
	'aspectRatio',
	'version',
	'variety',
	'stylization',
	'weirdness',
	'ow',
	'waterMark',
	'callBackUrl',
	'motion',
	'videoBatchSize',
	'enableTranslation',
]);
const ASPECT_RATIOS = ['1:2', '9:16', '2:3', '3:4', '5:6', '6:5', '4:3', '3:2', '1:1', '16:9', '2:1'];
const VERSIONS = ['7', '6.1', '6', '5.2', '5.1', 'niji6', 'niji7'];
const SPEEDS = ['relaxed', 'fast', 'turbo'];
const MOTIONS = ['high', 'low'];
const VIDEO_BATCH_SIZES = [1, 2, 4];
const RANGES = { variety: [0, 100], stylization: [0, 1000], weirdness: [0, 3000], ow: [1, 1000] } as const;
const PROMPT_MAX_LENGTH = 2000;
/** How paramJson spells speeds ("its enum spellings differ from the request"). */
const PARAM_JSON_SPEEDS: Record<string, string> = { relaxed: 'Relax', fast: 'Fast', turbo: 'Turbo' };

const VIDEO_TYPES: readonly string[] = ['mj_video', 'mj_video_hd'];
const NEEDS_IMAGE: readonly string[] = [
	'mj_img2img',
	'mj_style_reference',
	'mj_omni_reference',
	'mj_video',
	'mj_video_hd',
];
const NO_SPEED: readonly string[] = ['mj_video', 'mj_video_hd', 'mj_omni_reference'];

function isVideoType(taskType: unknown): boolean {
	return typeof taskType === 'string' && VIDEO_TYPES.includes(taskType);
}

/** Fields present in the body that the spec says must not be sent: one message each. */
function findViolations(body: Record<string, unknown>): string[] {
	const found: string[] = [];
	const taskType = body.taskType;
	const label = typeof taskType === 'string' ? taskType : String(taskType);
	const has = (field: string): boolean => Object.hasOwn(body, field);
	for (const field of Object.keys(body)) {
		if (!SPEC_FIELDS.has(field)) found.push(`generate (${label}): field "${field}" is not in the spec`);
	}
	if (typeof taskType === 'string' && NO_SPEED.includes(taskType) && has('speed')) {
		found.push(`generate (${label}): "speed" must not be sent for ${label}`);
	}
	if (taskType !== 'mj_omni_reference' && has('ow')) {
		found.push(`generate (${label}): "ow" is only for mj_omni_reference`);
	}
	if (!isVideoType(taskType)) {
		for (const field of ['motion', 'videoBatchSize']) {
			if (has(field)) found.push(`generate (${label}): "${field}" is only for video task types`);
		}
	}
	if (has('fileUrl') && has('fileUrls')) {
		found.push(`generate (${label}): both "fileUrl" and "fileUrls" sent (use either)`);
	}
	if (taskType === 'mj_txt2img' && (has('fileUrl') || has('fileUrls'))) {
		found.push(`generate (${label}): image URLs sent for text-to-image (the spec says leave them empty)`);
	}
	return found;
}

/** The 422 message the provider would answer with, or undefined when the body is valid. */
function validateGenerate(body: Record<string, unknown>): string | undefined {
	const { taskType, prompt } = body;
	if (taskType === undefined) return 'taskType is required';
	if (typeof taskType !== 'string' || !(TASK_TYPES as readonly string[]).includes(taskType)) {
		return `taskType must be one of ${TASK_TYPES.join(', ')}`;
	}
	if (typeof prompt !== 'string' || prompt.trim() === '') return 'prompt is required';
	if (prompt.length > PROMPT_MAX_LENGTH) return `prompt must be at most ${PROMPT_MAX_LENGTH} characters`;

	const urls: unknown[] = [];
	if (body.fileUrl !== undefined) {
		if (typeof body.fileUrl !== 'string') return 'fileUrl must be a string';
		if (body.fileUrl !== '') urls.push(body.fileUrl);
	}
	if (body.fileUrls !== undefined) {
		if (!Array.isArray(body.fileUrls)) return 'fileUrls must be an array';
		urls.push(...(body.fileUrls as unknown[]));
	}
	if (urls.some((url) => typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url))) {
		return 'fileUrls must hold valid image URLs';
	}
	if (NEEDS_IMAGE.includes(taskType) && urls.length === 0) return `fileUrls is required for ${taskType}`;

	const enums: [string, readonly unknown[]][] = [
		['speed', SPEEDS],
		['aspectRatio', ASPECT_RATIOS],
		['version', VERSIONS],
		['motion', MOTIONS],
		['videoBatchSize', VIDEO_BATCH_SIZES],
	];
	for (const [field, choices] of enums) {
		const value = body[field];
		if (value !== undefined && !choices.includes(value)) return `${field} must be one of ${choices.join(', ')}`;
	}
	for (const [field, [min, max]] of Object.entries(RANGES)) {
		const value = body[field];
		if (value === undefined) continue;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
			return `${field} must be an integer between ${min} and ${max}`;
		}
	}
	for (const field of ['waterMark', 'callBackUrl']) {
		if (body[field] !== undefined && typeof body[field] !== 'string') return `${field} must be a string`;
	}
	if (body.enableTranslation !== undefined && typeof body.enableTranslation !== 'boolean') {
		return 'enableTranslation must be a boolean';
	}
	if (isVideoType(taskType)) {
		if (urls.length > 1) return 'fileUrls can only have one image link for video';
		if (body.motion === undefined) return `motion is required for ${taskType}`;
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Result files.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(data: Buffer): number {
	let crc = 0xffffffff;
	for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typeAndData));
	return Buffer.concat([length, typeAndData, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid, solid-colour 8-bit RGB PNG. */
export function createPng(width: number, height: number, rgb: readonly [number, number, number]): Buffer {
	const pixels = Buffer.alloc(width * height * 3);
	for (let offset = 0; offset < pixels.length; offset += 3) pixels.set(rgb, offset);
	return encodePng(width, height, pixels);
}

/** An 8-bit RGB PNG of `pixels`: `width × height` RGB triples, row by row. */
export function encodePng(width: number, height: number, pixels: Buffer): Buffer {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.writeUInt8(8, 8); // bit depth
	header.writeUInt8(2, 9); // colour type: RGB
	// compression, filter and interlace methods: 0
	const stride = width * 3;
	const rows = Buffer.alloc(height * (1 + stride)); // each row: filter byte 0, then its pixels
	for (let y = 0; y < height; y++) pixels.copy(rows, y * (1 + stride) + 1, y * stride, (y + 1) * stride);
	return Buffer.concat([
		PNG_SIGNATURE,
		pngChunk('IHDR', header),
		pngChunk('IDAT', deflateSync(rows)),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

/** An ISO BMFF header (`ftyp` + an empty `mdat`): enough for anything that sniffs an mp4. */
export function createMp4(): Buffer {
	const ftyp = Buffer.concat([
		Buffer.from([0, 0, 0, 0x18]),
		Buffer.from('ftypisom', 'ascii'),
		Buffer.from([0, 0, 2, 0]),
		Buffer.from('isommp41', 'ascii'),
	]);
	const mdat = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('mdat', 'ascii')]);
	return Buffer.concat([ftyp, mdat]);
}

/** One distinct colour per result index, so a test can tell which file it got. */
const RESULT_COLOURS: readonly (readonly [number, number, number])[] = [
	[220, 40, 40],
	[40, 180, 60],
	[40, 80, 220],
	[230, 200, 30],
];

// ---------------------------------------------------------------------------------------------------------------
// The server.

interface CannedResponse {
	response: FakeResponse;
	remaining: number;
	/** The request is processed as usual (a task is created); only the answer is replaced. */
	created?: boolean;
}

interface GenerateWaiter {
	index: number;
	resolve: () => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
}

interface TaskTimes {
	createTime: string;
	completeTime: string | null;
}

export async function startFakeMidjourney(options: FakeMidjourneyOptions = {}): Promise<FakeMidjourney> {
	const apiKey = options.apiKey ?? 'fake-mj-api-key';
	const webhookKey = options.webhookKey;
	const generateRequests: FakeGenerateRequest[] = [];
	const generateTaskIds: (string | undefined)[] = [];
	const recordInfoRequests: string[] = [];
	const fileRequests: string[] = [];
	let recordInfoGate: Promise<void> | undefined;
	const tasks = new Map<string, FakeTask>();
	const taskTimes = new Map<string, TaskTimes>();
	const violations: string[] = [];
	const files = new Map<string, { contentType: string; data: Buffer }>();
	const cannedGenerate: CannedResponse[] = [];
	const cannedRecordInfo: CannedResponse[] = [];
	const waiters = new Set<GenerateWaiter>();
	const sockets = new Set<Socket>();
	let waitCursor = 0;
	let credits = 1000;
	let latencyMs = 0;
	let intercept: FakeMidjourney['intercept'];
	let closed = false;

	function takeCanned(queue: CannedResponse[]): CannedResponse | undefined {
		const head = queue[0];
		if (head === undefined) return undefined;
		head.remaining -= 1;
		if (head.remaining <= 0) queue.shift();
		return head;
	}

	function send(res: ServerResponse, response: FakeResponse): void {
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

	/** `{ code, msg }` with the HTTP status mirroring the code. */
	function error(code: number, msg: string): FakeResponse {
		return { status: code, body: { code, msg, data: null } };
	}

	function ok(data: unknown): FakeResponse {
		return { status: 200, body: { code: 200, msg: 'success', data } };
	}

	function authorized(req: IncomingMessage): boolean {
		return req.headers.authorization === `Bearer ${apiKey}`;
	}

	function notifyWaiters(): void {
		for (const waiter of waiters) {
			if (generateRequests.length > waiter.index) {
				clearTimeout(waiter.timer);
				waiters.delete(waiter);
				waiter.resolve();
			}
		}
	}

	function handleGenerate(req: IncomingMessage, text: string): FakeResponse {
		let body: Record<string, unknown> = {};
		let badJson = false;
		try {
			const parsed: unknown = JSON.parse(text);
			if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
				body = parsed as Record<string, unknown>;
			} else {
				badJson = true;
			}
		} catch {
			badJson = true;
		}
		generateRequests.push({ body, authorization: req.headers.authorization, receivedAt: Date.now() });
		let taskId: string | undefined;
		const response = ((): FakeResponse => {
			if (badJson) {
				violations.push('generate: the body is not a JSON object');
			} else {
				violations.push(...findViolations(body));
			}
			const contentType = req.headers['content-type'] ?? '';
			if (!/^application\/json\b/i.test(contentType)) {
				violations.push(`generate: Content-Type is "${contentType}", not application/json`);
			}
			const intercepted = intercept?.('generate');
			if (intercepted !== undefined) return intercepted;
			const canned = takeCanned(cannedGenerate);
			if (canned !== undefined && !canned.created) return canned.response;
			const answer = (response: FakeResponse): FakeResponse => canned?.response ?? response;
			if (!authorized(req)) return error(401, 'You do not have access permissions');
			if (badJson) return error(400, 'The request body is not valid JSON');
			const invalid = validateGenerate(body);
			if (invalid !== undefined) return error(422, invalid);
			if (credits <= 0) return error(402, 'The current credits are insufficient. Please top up.');
			taskId = randomBytes(16).toString('hex');
			const task: FakeTask = { taskId, request: body, state: 'pending', resultUrls: [] };
			tasks.set(taskId, task);
			taskTimes.set(taskId, { createTime: new Date().toISOString(), completeTime: null });
			options.onTask?.(task);
			return answer(ok({ taskId }));
		})();
		generateTaskIds.push(taskId);
		notifyWaiters();
		return response;
	}

	function recordInfoData(task: FakeTask): Record<string, unknown> {
		const times = taskTimes.get(task.taskId) ?? { createTime: new Date().toISOString(), completeTime: null };
		const params: Record<string, unknown> = { ...task.request };
		if (typeof params.speed === 'string') params.speed = PARAM_JSON_SPEEDS[params.speed] ?? params.speed;
		return {
			taskId: task.taskId,
			taskType: task.request.taskType,
			paramJson: JSON.stringify(params),
			completeTime: times.completeTime,
			createTime: times.createTime,
			resultInfoJson:
				task.state === 'succeeded' ? { resultUrls: task.resultUrls.map((resultUrl) => ({ resultUrl })) } : null,
			successFlag: task.state === 'pending' ? 0 : task.state === 'succeeded' ? 1 : 2,
			errorCode: task.state === 'failed' ? (task.errorCode ?? null) : null,
			errorMessage: task.state === 'failed' ? (task.errorMessage ?? null) : null,
		};
	}

	function handleRecordInfo(req: IncomingMessage, url: URL, note = true): FakeResponse {
		const taskId = url.searchParams.get('taskId') ?? '';
		if (note) recordInfoRequests.push(taskId);
		const intercepted = intercept?.('record-info');
		if (intercepted !== undefined) return intercepted;
		const canned = takeCanned(cannedRecordInfo);
		if (canned !== undefined) return canned.response;
		if (!authorized(req)) return error(401, 'You do not have access permissions');
		if (taskId === '') return error(422, 'taskId is required');
		const task = tasks.get(taskId);
		if (task === undefined) return error(404, `Task ${taskId} not found`);
		return ok(recordInfoData(task));
	}

	function handleFile(req: IncomingMessage, res: ServerResponse, name: string): void {
		fileRequests.push(name);
		const file = files.get(name);
		if (file === undefined) {
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('Not found');
			return;
		}
		res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) });
		res.end(req.method === 'HEAD' ? undefined : file.data);
	}

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const route = `${req.method ?? ''} ${url.pathname}`;
		if (latencyMs > 0 && url.pathname.startsWith('/api/')) {
			await new Promise((resolve) => setTimeout(resolve, latencyMs));
		}
		if (route === 'POST /api/v1/mj/generate') return send(res, handleGenerate(req, text));
		if (route === 'GET /api/v1/mj/record-info') {
			const gate = recordInfoGate;
			if (gate) {
				// Noted on arrival, answered on release.
				recordInfoRequests.push(url.searchParams.get('taskId') ?? '');
				await gate;
				return send(res, handleRecordInfo(req, url, false));
			}
			return send(res, handleRecordInfo(req, url));
		}
		if (route === 'GET /api/v1/chat/credit') {
			const intercepted = intercept?.('credit');
			if (intercepted !== undefined) return send(res, intercepted);
			return send(res, authorized(req) ? ok(credits) : error(401, 'You do not have access permissions'));
		}
		if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith('/files/')) {
			return handleFile(req, res, decodeURIComponent(url.pathname.slice('/files/'.length)));
		}
		violations.push(`request to an endpoint that does not exist: ${route}`);
		send(res, error(404, `No endpoint ${route}`));
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((err: unknown) => {
			if (!res.headersSent && !res.destroyed) send(res, error(500, `fake failed: ${String(err)}`));
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	const baseUrl = `http://127.0.0.1:${port}`;

	function requireTask(taskId: string): FakeTask {
		const task = tasks.get(taskId);
		if (task === undefined) throw new Error(`fake Midjourney: no task ${taskId}`);
		return task;
	}

	function serveFile(name: string, contentType: string, data: Buffer): string {
		files.set(name, { contentType, data });
		return `${baseUrl}/files/${encodeURIComponent(name)}`;
	}

	function callbackBody(task: FakeTask): unknown {
		const promptJson = JSON.stringify({ prompt: task.request.prompt, model: 'midjourney' });
		if (task.state === 'succeeded') {
			return { code: 200, msg: 'success', data: { taskId: task.taskId, promptJson, resultUrls: task.resultUrls } };
		}
		if (task.state === 'failed') {
			return {
				code: 500,
				msg: task.errorMessage ?? 'Image generation failed',
				data: { taskId: task.taskId, promptJson, resultUrls: [] },
			};
		}
		throw new Error(`fake Midjourney: task ${task.taskId} is pending; succeed() or fail() it before a callback`);
	}

	const fake: FakeMidjourney = {
		baseUrl,
		apiKey,
		generateRequests,
		recordInfoRequests,
		fileRequests,
		tasks,
		violations,
		get credits() {
			return credits;
		},
		set credits(value: number) {
			credits = value;
		},
		get latencyMs() {
			return latencyMs;
		},
		set latencyMs(value: number) {
			latencyMs = value;
		},
		get intercept() {
			return intercept;
		},
		set intercept(value) {
			intercept = value;
		},
		respondToGenerate(response, times = 1, cannedOptions = {}) {
			cannedGenerate.push({ response, remaining: times, ...(cannedOptions.created ? { created: true } : {}) });
		},
		respondToRecordInfo(response, times = 1) {
			cannedRecordInfo.push({ response, remaining: times });
		},
		holdRecordInfo() {
			let release = (): void => undefined;
			recordInfoGate = new Promise<void>((resolve) => {
				release = () => {
					recordInfoGate = undefined;
					resolve();
				};
			});
			return release;
		},
		waitForGenerate(index, timeoutMs = 5000) {
			const wanted = index ?? waitCursor;
			waitCursor = Math.max(waitCursor, wanted + 1);
			const result = (): FakeGenerateRequest & { taskId: string | undefined } => {
				const request = generateRequests[wanted];
				if (request === undefined) throw new Error(`fake Midjourney: no generate request ${wanted}`);
				return { ...request, taskId: generateTaskIds[wanted] };
			};
			if (generateRequests.length > wanted) return Promise.resolve(result());
			if (closed) return Promise.reject(new Error('fake Midjourney is closed'));
			return new Promise((resolve, reject) => {
				const waiter: GenerateWaiter = {
					index: wanted,
					resolve: () => resolve(result()),
					reject,
					timer: setTimeout(() => {
						waiters.delete(waiter);
						reject(
							new Error(
								`fake Midjourney: generate request ${wanted} not received within ${timeoutMs} ms ` +
									`(${generateRequests.length} received)`,
							),
						);
					}, timeoutMs),
				};
				waiters.add(waiter);
			});
		},
		succeed(taskId, succeedOptions = {}) {
			const task = requireTask(taskId);
			const video = isVideoType(task.request.taskType);
			let resultUrls = succeedOptions.resultUrls;
			if (resultUrls === undefined) {
				const batch = task.request.videoBatchSize;
				const count = succeedOptions.count ?? (video ? (typeof batch === 'number' ? batch : 1) : 4);
				resultUrls = Array.from({ length: count }, (_, i) =>
					video
						? serveFile(`${taskId}_${i}.mp4`, 'video/mp4', createMp4())
						: serveFile(
								`${taskId}_${i}.png`,
								'image/png',
								options.renderImage?.(task, i) ?? createPng(2, 2, RESULT_COLOURS[i % 4] ?? [0, 0, 0]),
							),
				);
			}
			task.state = 'succeeded';
			task.resultUrls = [...resultUrls];
			delete task.errorMessage;
			delete task.errorCode;
			const times = taskTimes.get(taskId);
			if (times !== undefined) times.completeTime = new Date().toISOString();
			return task;
		},
		fail(taskId, message, code) {
			const task = requireTask(taskId);
			task.state = 'failed';
			task.resultUrls = [];
			task.errorMessage = message;
			if (code === undefined) delete task.errorCode;
			else task.errorCode = code;
			const times = taskTimes.get(taskId);
			if (times !== undefined) times.completeTime = new Date().toISOString();
			return task;
		},
		async sendCallback(taskId, overrides = {}) {
			const task = tasks.get(taskId);
			const url =
				overrides.url ?? (typeof task?.request.callBackUrl === 'string' ? task.request.callBackUrl : undefined);
			if (url === undefined) throw new Error(`fake Midjourney: task ${taskId} has no callBackUrl and no url was given`);
			let rawBody = overrides.rawBody;
			if (rawBody === undefined) {
				rawBody = JSON.stringify(overrides.body !== undefined ? overrides.body : callbackBody(requireTask(taskId)));
			}
			const headers: Record<string, string> = { 'content-type': 'application/json' };
			if (webhookKey !== undefined) {
				const timestamp = String(Math.floor(Date.now() / 1000));
				headers['x-webhook-timestamp'] = timestamp;
				headers['x-webhook-signature'] = signProviderWebhook(webhookKey, taskId, timestamp);
			}
			for (const [name, value] of Object.entries(overrides.headers ?? {})) headers[name.toLowerCase()] = value;
			// The provider gives the receiver 15 s.
			const response = await fetch(url, {
				method: 'POST',
				headers,
				body: rawBody,
				signal: AbortSignal.timeout(15_000),
			});
			return { status: response.status, text: await response.text() };
		},
		serveFile,
		async close() {
			if (closed) return;
			closed = true;
			for (const waiter of waiters) {
				clearTimeout(waiter.timer);
				waiter.reject(new Error('fake Midjourney was closed'));
			}
			waiters.clear();
			const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
			for (const socket of sockets) socket.destroy();
			await stopped;
		},
	};
	return fake;
}
