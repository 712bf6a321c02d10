/**
 * The bench's world, modelled on test/e2e/harness.ts: the test suite's fake Discord and fake Midjourney on 127.0.0.1,
 * each behind a recording proxy (timestamps "at the fakes", Discord route buckets), and the real bot started by
 * `startBot` in a child process (see child.ts) with a config from `parseConfig`, on a SQLite store.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FAKE_IDS, startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../fakes/discord.js';
import { createPng, startFakeMidjourney, type FakeMidjourney } from '../fakes/midjourney.js';
import { RESULTS_DIR, startChild, type Child } from './child.js';
import type { TapExchange, TapMark } from './protocol.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';

const STRING_OPTION = 3;
/** Jobs come from this many members (a busy server, not one member's flood); ids beyond the fake's seeded users. */
const MEMBERS = 100;
const MEMBER_IDS: readonly string[] = Array.from({ length: MEMBERS }, (_, index) =>
	(BigInt(FAKE_IDS.user) + 1_000_000n + BigInt(index)).toString(),
);
const CALLBACK_SECRET = 'bench-callback-secret-0123456789abcdef';
const DISCORD_TOKEN = 'bench-discord-token';

/** Four small PNG results, one colour each, shared by every task (the bytes are not what is measured). */
const RESULT_PNGS: readonly Buffer[] = [
	createPng(16, 16, [220, 40, 40]),
	createPng(16, 16, [40, 180, 60]),
	createPng(16, 16, [40, 80, 220]),
	createPng(16, 16, [230, 200, 30]),
];

/** A job submitted through the gateway, as the fakes saw it. */
export interface BenchJob {
	n: number;
	prompt: string;
	interactionId: string;
	token: string;
	taskId: string;
	jobId: string;
	callbackUrl: string;
}

export interface BotOptions {
	/** For log and profile file names. */
	label: string;
	/** Extra environment on top of the bench's. */
	env?: Record<string, string>;
	/** Reuse this store file (a restart) instead of the world's current one. */
	storeFile?: string;
}

export interface BenchWorldOptions {
	/** Node flags for bot children, e.g. `--cpu-prof`. */
	botNodeArgs: string[];
	/** Added to every bot's environment (--env), after the bench's own settings. */
	botEnv: Record<string, string>;
	runId: string;
}

export class BenchWorld {
	private readonly dir: string;
	private jobCounter = 0;
	private storeCounter = 0;
	public storeFile: string;
	public bot: Child | undefined;
	public botPort = 0;

	/** Every request the Discord tap has seen so far (see `collectTap`). */
	public readonly tapMarks: TapMark[] = [];
	/** Every request the provider's tap has seen so far (see `collectMjTap`). */
	public readonly mjTapMarks: TapMark[] = [];

	private constructor(
		public readonly discord: FakeDiscord,
		public readonly discordProxy: RecordingProxy,
		/** In front of `discordProxy`: the bot's Discord requests pass here first (arrival times under load). */
		private readonly discordTap: Child,
		public readonly mj: FakeMidjourney,
		public readonly mjProxy: RecordingProxy,
		/** In front of `mjProxy`, likewise (the provider counts arrivals). */
		private readonly mjTap: Child,
		private readonly options: BenchWorldOptions,
	) {
		this.dir = mkdtempSync(join(tmpdir(), 'mjbot-bench-'));
		this.storeFile = join(this.dir, 'bot-0.sqlite');
	}

	public static async start(options: BenchWorldOptions): Promise<BenchWorld> {
		// No OpenAPI validation: the test suite checks shapes; here the fake must cost as little as possible.
		const discord = await startFakeDiscord({ validate: false });
		const mj = await startFakeMidjourney();
		const [discordProxy, mjProxy] = await Promise.all([
			startRecordingProxy(discord.baseUrl),
			startRecordingProxy(mj.baseUrl),
		]);
		const [tap, mjTap] = await Promise.all([
			startTap(discordProxy.url, join(RESULTS_DIR, 'logs', `${options.runId}-tap-discord.log`)),
			startTap(mjProxy.url, join(RESULTS_DIR, 'logs', `${options.runId}-tap-mj.log`)),
		]);
		return new BenchWorld(discord, discordProxy, tap, mj, mjProxy, mjTap, options);
	}

	/** Fetches the provider tap's new marks into `mjTapMarks` and returns them all. */
	public async collectMjTap(): Promise<TapMark[]> {
		const marks = await this.mjTap.call<TapMark[]>('drain');
		for (const mark of marks) this.mjTapMarks.push(mark);
		return this.mjTapMarks;
	}

	/** The provider tap's latest exchanges (request arrival to answer relayed, see children/tap.ts). */
	public async mjExchanges(): Promise<TapExchange[]> {
		return this.mjTap.call<TapExchange[]>('exchanges');
	}

	/** Fetches the tap's new marks into `tapMarks` and returns them all. */
	public async collectTap(): Promise<TapMark[]> {
		const marks = await this.discordTap.call<TapMark[]>('drain');
		for (const mark of marks) this.tapMarks.push(mark);
		return this.tapMarks;
	}

	/** A fresh, empty store file for the next bot. */
	public newStore(): string {
		this.storeFile = join(this.dir, `bot-${++this.storeCounter}.sqlite`);
		return this.storeFile;
	}

	/** Bytes on disk of the current store (the SQLite file plus its -wal / -journal / -shm). */
	public storeBytes(): number {
		const name = basename(this.storeFile);
		return readdirSync(dirname(this.storeFile))
			.filter((file) => file.startsWith(name))
			.reduce((sum, file) => sum + statSync(join(dirname(this.storeFile), file)).size, 0);
	}

	/** Starts the bot in a child process (callbacks mode, PUBLIC_URL = its own port) and waits for it to be ready. */
	public async startBot(options: BotOptions): Promise<Child> {
		if (this.bot) throw new Error('A bot is already running');
		if (options.storeFile) this.storeFile = options.storeFile;
		if (this.botPort === 0) this.botPort = await freePort();
		const env: Record<string, string> = {
			DISCORD_TOKEN,
			MJ_API_KEY: this.mj.apiKey,
			MJ_API_URL: `http://127.0.0.1:${this.mjTap.port}`,
			DISCORD_API_URL: `http://127.0.0.1:${this.discordTap.port}/api`,
			PORT: String(this.botPort),
			HOST: '127.0.0.1',
			PUBLIC_URL: `http://127.0.0.1:${this.botPort}`,
			STORE_URL: `sqlite://${this.storeFile}`,
			CALLBACK_SECRET,
			LOG_LEVEL: 'info',
			// The provider's documented query limit.
			MJ_QUERY_RATE: '10',
			// The fake provider takes any number of generate calls; the real one's limit (20 per 10 s) would make
			// setting up thousands of pending jobs take hours. Submitting is not what these figures measure.
			MJ_SUBMIT_LIMIT: '100000',
			MJ_SUBMIT_WINDOW_MS: '1000',
			// Result files come from the provider's proxy on loopback, which downloads refuse unless allow-listed.
			DOWNLOAD_ALLOW_HOSTS: [new URL(this.mjProxy.url).host, new URL(this.discord.apiUrl).host].join(','),
			...options.env,
			...this.options.botEnv,
		};
		const identified = this.discord.waitForIdentify();
		const nodeArgs = this.options.botNodeArgs.map((arg) =>
			arg.replace('{profiles}', join(RESULTS_DIR, 'profiles', `${this.options.runId}-${options.label}`)),
		);
		this.bot = await startChild('botProcess', {
			env,
			logFile: join(RESULTS_DIR, 'logs', `${this.options.runId}-bot-${options.label}.log`),
			nodeArgs: ['--expose-gc', ...nodeArgs],
			readyTimeoutMs: 180_000,
		});
		await identified;
		return this.bot;
	}

	public async stopBot(): Promise<void> {
		const bot = this.bot;
		this.bot = undefined;
		await bot?.stop();
	}

	/**
	 * Sends `/imagine` `count` times over the gateway (from 100 members in turn), keeping at most `window` commands
	 * waiting for their submit, and resolves once the provider has received every generate request and the bot is
	 * idle. Prompts are unique, so each generate is matched to its interaction. With `budgetMs`, no command is sent
	 * after that long: fewer than `count` jobs may come back.
	 */
	public async submitJobs(
		count: number,
		options: { window?: number; ageMs?: number; budgetMs?: number; onProgress?: (done: number) => void } = {},
	): Promise<BenchJob[]> {
		const window = options.window ?? 100;
		const deadline = Date.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
		const base = this.mj.generateRequests.length;
		const byPrompt = new Map<string, { n: number; interactionId: string; token: string }>();
		const jobs: BenchJob[] = [];
		let dispatched = 0;
		while (jobs.length < dispatched || (dispatched < count && Date.now() < deadline)) {
			while (dispatched < count && dispatched - jobs.length < window && Date.now() < deadline) {
				const n = ++this.jobCounter;
				const prompt = `bench job ${n}: a lighthouse at dusk`;
				const handle = aged(options.ageMs ?? 0, () =>
					this.discord.sendCommand({
						name: 'imagine',
						options: [{ name: 'prompt', type: STRING_OPTION, value: prompt }],
						userId: MEMBER_IDS[n % MEMBERS] ?? FAKE_IDS.user,
					}),
				);
				byPrompt.set(prompt, { n, interactionId: handle.id, token: handle.token });
				dispatched++;
			}
			const generate = await this.mj.waitForGenerate(base + jobs.length, 120_000);
			const prompt = String(generate.body['prompt']);
			const sent = byPrompt.get(prompt);
			if (!sent || !generate.taskId) throw new Error(`Unexpected generate request for "${prompt}"`);
			const callbackUrl = String(generate.body['callBackUrl']);
			const jobId = decodeURIComponent(new URL(callbackUrl).pathname.split('/').pop() ?? '');
			jobs.push({ ...sent, prompt, taskId: generate.taskId, callbackUrl, jobId });
			if (jobs.length % 500 === 0) options.onProgress?.(jobs.length);
		}
		// Let the bot finish what follows each submit (its "working" edit) before the caller goes on.
		await this.bot?.call('idle');
		return jobs;
	}

	/**
	 * A burst as a server event brings it: `/imagine` `count` times over the gateway from 100 members in turn, as fast
	 * as the bot acknowledges them but never more than `window` unacknowledged at a time (interactions come from
	 * people, who wait for the "thinking…" before the next). Acknowledged = its interaction callback reached the fake
	 * Discord; Discord wants it within 3 s of the interaction. Resolves when all are acknowledged or after `timeoutMs`.
	 */
	public async dispatchBurst(
		count: number,
		options: { window: number; timeoutMs: number },
	): Promise<{ acknowledged: number; late: number; seconds: number; ackMs: number[]; tokens: Set<string> }> {
		const sentAt = new Map<string, number>();
		const ackMs: number[] = [];
		let wake: (() => void) | undefined;
		const stopListening = this.discord.onRequest((request) => {
			const match = /^\/interactions\/\d+\/([^/]+)\/callback$/.exec(request.path);
			const at = match?.[1] === undefined ? undefined : sentAt.get(match[1]);
			if (at === undefined || request.method !== 'POST') return;
			ackMs.push(performance.now() - at);
			wake?.();
		});
		const started = performance.now();
		const deadline = started + options.timeoutMs;
		try {
			while (ackMs.length < count && performance.now() < deadline) {
				while (sentAt.size < count && sentAt.size - ackMs.length < options.window) {
					const n = ++this.jobCounter;
					const handle = this.discord.sendCommand({
						name: 'imagine',
						options: [{ name: 'prompt', type: STRING_OPTION, value: `burst job ${n}: a crowd at a concert` }],
						userId: MEMBER_IDS[n % MEMBERS] ?? FAKE_IDS.user,
					});
					sentAt.set(handle.token, performance.now());
				}
				await new Promise<void>((resolve) => {
					wake = resolve;
					setTimeout(resolve, 50);
				});
			}
		} finally {
			stopListening();
		}
		return {
			acknowledged: ackMs.length,
			late: ackMs.filter((ms) => ms > 3000).length + (count - ackMs.length),
			seconds: (performance.now() - started) / 1000,
			ackMs,
			tokens: new Set(sentAt.keys()),
		};
	}

	/** Marks the task succeeded with four PNGs whose URLs go through the provider's proxy (downloads are timed there). */
	public succeed(job: BenchJob): void {
		const urls = RESULT_PNGS.map((png, index) => {
			const name = `${job.taskId}_${index}.png`;
			this.mj.serveFile(name, 'image/png', png);
			return `${this.mjProxy.url}/files/${encodeURIComponent(name)}`;
		});
		this.mj.succeed(job.taskId, { resultUrls: urls });
	}

	/** The callback body the provider sends for a succeeded task (as the fake's `sendCallback` builds it). */
	public callbackBody(job: BenchJob): string {
		const task = this.mj.tasks.get(job.taskId);
		if (!task) throw new Error(`No task ${job.taskId}`);
		const promptJson = JSON.stringify({ prompt: job.prompt, model: 'midjourney' });
		return JSON.stringify({
			code: 200,
			msg: 'success',
			data: { taskId: job.taskId, promptJson, resultUrls: task.resultUrls },
		});
	}

	/** Fake Discord requests that delivered a result for the interaction token (its `@original` edited with files). */
	public static isResultEdit(request: RecordedRequest, token: string): boolean {
		return BenchWorld.resultEditToken(request) === token;
	}

	/** The interaction token whose `@original` this request edited with files (a delivered result), if it is one. */
	public static resultEditToken(request: RecordedRequest): string | undefined {
		if (request.method !== 'PATCH' || request.files.length === 0) return undefined;
		const match = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(request.path);
		return match?.[1];
	}

	/** The id of the "working" message the bot made of the interaction's reply. */
	public workingMessageId(token: string): string | undefined {
		const edit = this.discord.requests.find(
			(request) =>
				request.method === 'PATCH' &&
				request.path.endsWith(`/${token}/messages/@original`) &&
				request.files.length === 0,
		);
		const body = edit?.response.body;
		return typeof body === 'object' && body !== null && 'id' in body ? String(body.id) : undefined;
	}

	public async close(): Promise<void> {
		await this.stopBot().catch(() => undefined);
		await Promise.allSettled([this.discordTap.stop(), this.mjTap.stop()]);
		await Promise.allSettled([this.discord.close(), this.mj.close(), this.discordProxy.close(), this.mjProxy.close()]);
		rmSync(this.dir, { recursive: true, force: true });
	}
}

/**
 * Runs `make` with the clock set `ageMs` back. The fake Discord stamps interaction ids (snowflakes) with `Date.now()`,
 * and an interaction's age is read from its id: this sends an interaction that is already `ageMs` old, whose token
 * the bot then knows to be (nearly) expired, as after a relaxed job or a backlog. The fake itself never expires it.
 */
function aged<T>(ageMs: number, make: () => T): T {
	if (ageMs === 0) return make();
	const realNow = Date.now;
	Date.now = () => realNow() - ageMs;
	try {
		return make();
	} finally {
		Date.now = realNow;
	}
}

/** A TCP tap (children/tap.ts) in front of `targetUrl`. */
export async function startTap(targetUrl: string, logFile: string): Promise<Child> {
	return startChild('tap', { env: { TAP_TARGET_PORT: new URL(targetUrl).port }, logFile });
}

/** A loopback port that was free a moment ago (the bot's PUBLIC_URL must be known before it starts). */
export async function freePort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

export interface PostResult {
	status: number;
	body: string;
	/** `performance.now()` when the request was issued and when its answer had been read. */
	start: number;
	end: number;
	/**
	 * `performance.now()` when the whole request had been handed to the OS ('finish'): when it was sent, as opposed to
	 * `start`, which also counts this process building it and waiting a tick for its keep-alive socket.
	 */
	sent: number;
}

/** POSTs JSON with a keep-alive agent (one socket per concurrent request). */
export function postJson(url: string, body: string, agent: http.Agent): Promise<PostResult> {
	const target = new URL(url);
	const start = performance.now();
	let sent = Number.NaN;
	return new Promise((resolve, reject) => {
		const request = http.request(
			{
				host: target.hostname,
				port: target.port,
				path: `${target.pathname}${target.search}`,
				method: 'POST',
				agent,
				headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({
						status: response.statusCode ?? 0,
						body: Buffer.concat(chunks).toString('utf8'),
						start,
						end: performance.now(),
						sent,
					}),
				);
				response.on('error', reject);
			},
		);
		request.on('error', reject);
		request.on('finish', () => {
			sent = performance.now();
		});
		request.end(body);
	});
}

/** Runs `task` over `items` with at most `concurrency` at a time; results in item order. */
export async function mapConcurrent<T, R>(
	items: readonly T[],
	concurrency: number,
	task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results: R[] = new Array<R>(items.length);
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length) {
			const index = next++;
			results[index] = await task(items[index] as T, index);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	return results;
}
