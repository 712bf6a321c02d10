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

/** The endpoints that create a task. */
export type FakeSubmitEndpoint = 'generate' | FakeFollowUpEndpoint;
/** The endpoints that act on a finished task: vary, upscale, video extend. */
export type FakeFollowUpEndpoint = 'vary' | 'upscale' | 'extend';

export interface FakeTask {
	taskId: string;
	/** The endpoint that created it. */
	endpoint: FakeSubmitEndpoint;
	/** The body it was created with. */
	request: Record<string, unknown>;
	/** The task it acted on (vary, upscale, extend). */
	parentTaskId?: string;
	state: 'pending' | 'succeeded' | 'failed';
	resultUrls: string[];
	errorMessage?: string;
	errorCode?: number;
	/** The Authorization header it was created with: record-info under another key does not find it. */
	authorization?: string;
}

/** The provider's endpoints, as `FakeMidjourney.intercept` names them. */
export type FakeEndpoint = FakeSubmitEndpoint | 'record-info' | 'credit';

export interface FakeMidjourneyOptions {
	apiKey?: string;
	webhookKey?: string;
	/**
	 * The bytes of result image `index` (0-based) of a task that `succeed()` marks done, a PNG. Default: a 2×2 tile
	 * of one colour per index.
	 */
	renderImage?: (task: FakeTask, index: number) => Buffer;
	/**
	 * What the provider calls image 1 of a grid (`imageIndex`) and video 1 of a batch (`index`): 0 (the default) or 1.
	 * Vary, upscale and extend requests with an index outside base…base+3 are refused (422).
	 */
	imageIndexBase?: 0 | 1;
	/** Called when a generate (or vary, upscale, extend) request creates a task (after its answer is decided, before it is sent). */
	onTask?: (task: FakeTask) => void;
}

export interface FakeMidjourney {
	/** `http://127.0.0.1:PORT` */
	readonly baseUrl: string;
	readonly apiKey: string;
	/** Accepts another key as well (a server's own), from now on: the requests record which key each carried. */
	acceptKey(key: string): void;
	/** Refuses a key accepted by {@link acceptKey} from now on (401), as the provider does with a revoked key. */
	refuseKey(key: string): void;
	/** Every generate request, in arrival order, including rejected ones. */
	readonly generateRequests: FakeGenerateRequest[];
	/** Every vary request (`POST /api/v1/mj/generateVary`), in arrival order, including rejected ones. */
	readonly varyRequests: FakeGenerateRequest[];
	/** Every upscale request (`POST /api/v1/mj/generateUpscale`), likewise. */
	readonly upscaleRequests: FakeGenerateRequest[];
	/** Every video-extend request (`POST /api/v1/mj/generateVideoExtend`), likewise. */
	readonly extendRequests: FakeGenerateRequest[];
	/** Task ids queried with record-info, in order ('' when the query had no taskId). */
	readonly recordInfoRequests: string[];
	/** The Authorization header of each record-info request, in the order of {@link recordInfoRequests}. */
	readonly recordInfoAuthorizations: (string | undefined)[];
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
	/** {@link respondToGenerate} for any endpoint that creates a task. */
	respondTo(
		endpoint: FakeSubmitEndpoint,
		response: FakeResponse,
		times?: number,
		options?: { created?: boolean },
	): void;
	/** The next `times` record-info calls get this response (default times 1). */
	respondToRecordInfo(response: FakeResponse, times?: number): void;
	/**
	 * Holds every record-info answer (received, then left waiting) until the returned function is called: what a slow
	 * provider looks like. Answers reflect the task's state when released.
	 */
	holdRecordInfo(): () => void;
	/**
	 * Holds the answers to every request that creates a task until the returned function is called: the task is
	 * created and the request recorded on arrival, only the answer waits (a provider slow to answer).
	 */
	holdSubmits(): () => void;
	/**
	 * Resolves once generate request `index` (0-based) has been received, with the id of the task it created
	 * (undefined when it was rejected or answered by a canned response). Without `index`: the request after the one
	 * the previous call waited for, so successive `await waitForGenerate()` walk through the requests in order.
	 */
	waitForGenerate(index?: number, timeoutMs?: number): Promise<FakeGenerateRequest & { taskId: string | undefined }>;
	/** {@link waitForGenerate} for any endpoint that creates a task (each endpoint walks its own requests). */
	waitForSubmit(
		endpoint: FakeSubmitEndpoint,
		index?: number,
		timeoutMs?: number,
	): Promise<FakeGenerateRequest & { taskId: string | undefined }>;
	/**
	 * Marks the task succeeded. Images: PNG files served at `${baseUrl}/files/<taskId>_<i>.png`; video task types
	 * (mj_video*) and extensions: `.mp4` files served as video/mp4. `count` defaults to 4 for a grid (generate, vary), 1
	 * for an upscale, the request's videoBatchSize (or 1) for video, 1 for an extension. With `resultUrls`, those URLs are reported as they are and no file is created.
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
