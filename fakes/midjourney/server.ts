import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { signProviderWebhook } from '../../src/api/webhookSignature.js';
import { createMp4, createPng, RESULT_COLOURS } from './files.js';
import {
	checkParent,
	FOLLOW_UP_ROUTES,
	FOLLOW_UP_TASK_TYPES,
	followUpViolations,
	resultKindOf,
	validateFollowUp,
} from './followUpSpec.js';
import { findViolations, PARAM_JSON_SPEEDS, validateGenerate } from './generateSpec.js';
import { error, ok, parseObject, send } from './http.js';
import { createSubmissionLog, SUBMIT_ENDPOINTS } from './submissions.js';
import type { FakeMidjourney, FakeMidjourneyOptions, FakeResponse, FakeSubmitEndpoint, FakeTask } from './types.js';

interface CannedResponse {
	response: FakeResponse;
	remaining: number;
	/** The request is processed as usual (a task is created); only the answer is replaced. */
	created?: boolean;
}

interface TaskTimes {
	createTime: string;
	completeTime: string | null;
}

const SUBMIT_ROUTES = new Map<string, FakeSubmitEndpoint>([
	['POST /api/v1/mj/generate', 'generate'],
	...Object.entries(FOLLOW_UP_ROUTES),
]);

export async function startFakeMidjourney(options: FakeMidjourneyOptions = {}): Promise<FakeMidjourney> {
	const apiKey = options.apiKey ?? 'fake-mj-api-key';
	/** Keys the fake accepts besides `apiKey` (servers' own keys). */
	const otherKeys = new Set<string>();
	const webhookKey = options.webhookKey;
	const indexBase = options.imageIndexBase ?? 0;
	const submissions = createSubmissionLog();
	const recordInfoRequests: string[] = [];
	const recordInfoAuthorizations: (string | undefined)[] = [];
	const fileRequests: string[] = [];
	let recordInfoGate: Promise<void> | undefined;
	let submitGate: Promise<void> | undefined;
	const tasks = new Map<string, FakeTask>();
	const taskTimes = new Map<string, TaskTimes>();
	const violations: string[] = [];
	const files = new Map<string, { contentType: string; data: Buffer }>();
	const cannedSubmit = new Map(SUBMIT_ENDPOINTS.map((endpoint) => [endpoint, [] as CannedResponse[]]));
	const cannedRecordInfo: CannedResponse[] = [];
	const sockets = new Set<Socket>();
	let credits = 1000;
	let latencyMs = 0;
	let intercept: FakeMidjourney['intercept'];
	let closed = false;

	/** Sets a gate that answers wait at, until the returned function opens it (and `set` clears it). */
	function hold(set: (gate: Promise<void> | undefined) => void): () => void {
		let release = (): void => undefined;
		set(
			new Promise<void>((resolve) => {
				release = () => {
					set(undefined);
					resolve();
				};
			}),
		);
		return release;
	}

	function takeCanned(queue: CannedResponse[] | undefined): CannedResponse | undefined {
		const head = queue?.[0];
		if (queue === undefined || head === undefined) return undefined;
		head.remaining -= 1;
		if (head.remaining <= 0) queue.shift();
		return head;
	}

	function authorized(req: IncomingMessage): boolean {
		const header = req.headers.authorization ?? '';
		return header === `Bearer ${apiKey}` || otherKeys.has(header.replace(/^Bearer /, ''));
	}

	/** What the spec says must not be sent, whatever the answer: tests assert there is none. */
	function noteViolations(
		endpoint: FakeSubmitEndpoint,
		req: IncomingMessage,
		body: Record<string, unknown> | undefined,
	) {
		if (body === undefined) violations.push(`${endpoint}: the body is not a JSON object`);
		else violations.push(...(endpoint === 'generate' ? findViolations(body) : followUpViolations(endpoint, body)));
		const contentType = req.headers['content-type'] ?? '';
		if (!/^application\/json\b/i.test(contentType)) {
			violations.push(`${endpoint}: Content-Type is "${contentType}", not application/json`);
		}
	}

	/** The 422 message for a body the provider would refuse, or undefined. */
	function invalidity(endpoint: FakeSubmitEndpoint, body: Record<string, unknown>): string | undefined {
		if (endpoint === 'generate') return validateGenerate(body);
		return (
			validateFollowUp(endpoint, body, indexBase) ??
			checkParent(endpoint, body, tasks.get(String(body.taskId)), indexBase)
		);
	}

	function createTask(endpoint: FakeSubmitEndpoint, body: Record<string, unknown>, req: IncomingMessage): FakeTask {
		const taskId = randomBytes(16).toString('hex');
		const parent = endpoint === 'generate' ? {} : { parentTaskId: String(body.taskId) };
		const { authorization } = req.headers;
		const task: FakeTask = {
			taskId,
			endpoint,
			request: body,
			...parent,
			state: 'pending',
			resultUrls: [],
			...(authorization === undefined ? {} : { authorization }),
		};
		tasks.set(taskId, task);
		taskTimes.set(taskId, { createTime: new Date().toISOString(), completeTime: null });
		options.onTask?.(task);
		return task;
	}

	function handleSubmit(endpoint: FakeSubmitEndpoint, req: IncomingMessage, text: string): FakeResponse {
		const parsed = parseObject(text);
		const body = parsed ?? {};
		const settle = submissions.record(endpoint, {
			body,
			authorization: req.headers.authorization,
			receivedAt: Date.now(),
		});
		let taskId: string | undefined;
		const response = ((): FakeResponse => {
			noteViolations(endpoint, req, parsed);
			const intercepted = intercept?.(endpoint);
			if (intercepted !== undefined) return intercepted;
			const canned = takeCanned(cannedSubmit.get(endpoint));
			if (canned !== undefined && !canned.created) return canned.response;
			if (!authorized(req)) return error(401, 'You do not have access permissions');
			if (parsed === undefined) return error(400, 'The request body is not valid JSON');
			const invalid = invalidity(endpoint, body);
			if (invalid !== undefined) return error(422, invalid);
			if (credits <= 0) return error(402, 'The current credits are insufficient. Please top up.');
			taskId = createTask(endpoint, body, req).taskId;
			return canned?.response ?? ok({ taskId });
		})();
		settle(taskId);
		return response;
	}

	function recordInfoData(task: FakeTask): Record<string, unknown> {
		const times = taskTimes.get(task.taskId) ?? { createTime: new Date().toISOString(), completeTime: null };
		const params: Record<string, unknown> = { ...task.request };
		if (typeof params.speed === 'string') params.speed = PARAM_JSON_SPEEDS[params.speed] ?? params.speed;
		const { endpoint } = task;
		return {
			taskId: task.taskId,
			taskType: endpoint === 'vary' || endpoint === 'upscale' ? FOLLOW_UP_TASK_TYPES[endpoint] : task.request.taskType,
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
		if (note) {
			recordInfoRequests.push(taskId);
			recordInfoAuthorizations.push(req.headers.authorization);
		}
		const intercepted = intercept?.('record-info');
		if (intercepted !== undefined) return intercepted;
		const canned = takeCanned(cannedRecordInfo);
		if (canned !== undefined) return canned.response;
		if (!authorized(req)) return error(401, 'You do not have access permissions');
		if (taskId === '') return error(422, 'taskId is required');
		const task = tasks.get(taskId);
		// A task is only told to the account that created it.
		const otherAccount = task?.authorization !== undefined && task.authorization !== req.headers.authorization;
		if (task === undefined || otherAccount) return error(404, `Task ${taskId} not found`);
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
		const submitEndpoint = SUBMIT_ROUTES.get(route);
		if (submitEndpoint !== undefined) {
			const answer = handleSubmit(submitEndpoint, req, text);
			// Created (and recorded) on arrival, answered on release.
			if (submitGate) await submitGate;
			return send(res, answer);
		}
		if (route === 'GET /api/v1/mj/record-info') {
			const gate = recordInfoGate;
			if (gate) {
				// Noted on arrival, answered on release.
				recordInfoRequests.push(url.searchParams.get('taskId') ?? '');
				recordInfoAuthorizations.push(req.headers.authorization);
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

	/** Files for a finished task: videos for video kinds, PNGs otherwise, as many as the task makes unless told. */
	function resultFiles(task: FakeTask, count: number | undefined): string[] {
		const kind = resultKindOf(task.endpoint, task.request);
		const batch = task.request.videoBatchSize;
		const made = kind === 'grid' ? 4 : kind === 'video' && typeof batch === 'number' ? batch : 1;
		return Array.from({ length: count ?? made }, (_, i) =>
			kind === 'video'
				? serveFile(`${task.taskId}_${i}.mp4`, 'video/mp4', createMp4())
				: serveFile(
						`${task.taskId}_${i}.png`,
						'image/png',
						options.renderImage?.(task, i) ?? createPng(2, 2, RESULT_COLOURS[i % 4] ?? [0, 0, 0]),
					),
		);
	}

	/** A vary, upscale or automatic extend has no prompt of its own: the callback names its ancestor's. */
	function promptOf(task: FakeTask | undefined, depth = 0): unknown {
		if (task === undefined || depth > 16) return undefined;
		if (typeof task.request.prompt === 'string') return task.request.prompt;
		return promptOf(task.parentTaskId === undefined ? undefined : tasks.get(task.parentTaskId), depth + 1);
	}

	function callbackBody(task: FakeTask): unknown {
		const promptJson = JSON.stringify({ prompt: promptOf(task), model: 'midjourney' });
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
		generateRequests: submissions.requests.generate,
		varyRequests: submissions.requests.vary,
		upscaleRequests: submissions.requests.upscale,
		extendRequests: submissions.requests.extend,
		recordInfoRequests,
		recordInfoAuthorizations,
		fileRequests,
		tasks,
		violations,
		acceptKey(key) {
			otherKeys.add(key);
		},
		refuseKey(key) {
			otherKeys.delete(key);
		},
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
		respondTo(endpoint, response, times = 1, cannedOptions = {}) {
			const canned = { response, remaining: times, ...(cannedOptions.created ? { created: true } : {}) };
			cannedSubmit.get(endpoint)?.push(canned);
		},
		respondToGenerate(response, times, cannedOptions) {
			fake.respondTo('generate', response, times, cannedOptions);
		},
		respondToRecordInfo(response, times = 1) {
			cannedRecordInfo.push({ response, remaining: times });
		},
		holdRecordInfo() {
			return hold((gate) => (recordInfoGate = gate));
		},
		holdSubmits() {
			return hold((gate) => (submitGate = gate));
		},
		waitForGenerate(index, timeoutMs = 5000) {
			return submissions.waitFor('generate', index, timeoutMs);
		},
		waitForSubmit(endpoint, index, timeoutMs = 5000) {
			return submissions.waitFor(endpoint, index, timeoutMs);
		},
		succeed(taskId, succeedOptions = {}) {
			const task = requireTask(taskId);
			const resultUrls = succeedOptions.resultUrls ?? resultFiles(task, succeedOptions.count);
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
			submissions.close();
			const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
			for (const socket of sockets) socket.destroy();
			await stopped;
		},
	};
	return fake;
}
