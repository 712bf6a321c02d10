/**
 * The playground: the fake Discord and the fake Midjourney in this process, the real bot in a child process pointed
 * at them, and a web page that plays Discord's client for a handful of members.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../fakes/midjourney.js';
import { promptImage } from '../fakes/promptImage.js';
import { ROOT_DIR, spawnBot, type BotProcess } from './botProcess.js';
import { Hub } from './hub.js';
import { LiveView, type Settings } from './liveView.js';
import { MemberActions } from './memberActions.js';
import { ProviderAutopilot, SLOW_API_MS, type ProviderSwitches } from './provider.js';
import { createWebApp } from './web.js';

export const DEFAULT_PORT = 5173;
const HOST = '127.0.0.1';
/** How long the bot may take to log in and register its commands. */
const START_TIMEOUT_MS = 90_000;

/** How the playground runs the bot: short enough to watch each mechanism happen, long enough to see it. */
const BOT_SETTINGS = {
	/** A lost callback is noticed (and the task polled) after this long. */
	CALLBACK_GRACE_MS: 10_000,
	/** Three jobs per 20 s: a fourth one shows "Queued — position 1". */
	MJ_SUBMIT_LIMIT: 3,
	MJ_SUBMIT_WINDOW_MS: 20_000,
	MJ_RETRY_BASE_MS: 1_000,
	/** A submit without an answer waits this long for a callback naming its task, then the member is told. */
	ADOPTION_WINDOW_MS: 60_000,
	JOB_TIMEOUT_MS: 5 * 60_000,
} as const;

export interface PlaygroundOptions {
	/** The page's port; when taken, a free one is used. Default 5173; 0: any free port. */
	port?: number;
	/** The provider's switches at start (e.g. a shorter generation time for tests). */
	switches?: Partial<ProviderSwitches>;
	/** Settings of the bot that replace the playground's (e.g. a higher `MJ_SUBMIT_LIMIT` for tests). */
	botEnv?: Record<string, string>;
	/** Where the bot's store and log go. Default: a new folder under `data/`, removed on close. */
	dataDir?: string;
	/** Called with each line of trouble: the bot's stderr, a failed callback. */
	onProblem?: (text: string) => void;
}

export interface Playground {
	/** The page. */
	readonly url: string;
	readonly discord: FakeDiscord;
	readonly mj: FakeMidjourney;
	readonly provider: ProviderAutopilot;
	readonly logFile: string;
	/** Resolves once the bot has logged in and registered its commands; rejects if it could not start. */
	readonly ready: Promise<void>;
	close(): Promise<void>;
}

export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
	const problem = options.onProblem ?? (() => undefined);
	const provider = new ProviderAutopilot(options.switches ?? {}, (error) =>
		problem(`A callback to the bot failed: ${String(error)}`),
	);
	const discord = await startFakeDiscord();
	const mj = await startFakeMidjourney({
		renderImage: (task, index) => promptImage(String(task.request.prompt ?? ''), index, task.request.aspectRatio),
		onTask: (task) => provider.taskCreated(task),
	});
	provider.attach(mj);

	const hub = new Hub();
	const botSettings = (name: keyof typeof BOT_SETTINGS): number => Number(options.botEnv?.[name] ?? BOT_SETTINGS[name]);
	const settings: Settings = {
		callbackGraceSeconds: botSettings('CALLBACK_GRACE_MS') / 1000,
		submitLimit: botSettings('MJ_SUBMIT_LIMIT'),
		submitWindowSeconds: botSettings('MJ_SUBMIT_WINDOW_MS') / 1000,
		slowApiSeconds: SLOW_API_MS / 1000,
		adoptionWindowSeconds: botSettings('ADOPTION_WINDOW_MS') / 1000,
	};
	const view = new LiveView(discord, hub, () => provider.switches, settings);
	const actions = new MemberActions(discord, hub);
	const app = createWebApp({ discord, hub, view, actions, provider });
	const web = await listenWithFallback(app.fetch, options.port ?? DEFAULT_PORT);
	const url = `http://${HOST}:${(web.address() as AddressInfo).port}/`;

	const ownDataDir = options.dataDir === undefined;
	let dataDir = options.dataDir ?? '';
	if (ownDataDir) {
		mkdirSync(join(ROOT_DIR, 'data'), { recursive: true });
		dataDir = mkdtempSync(join(ROOT_DIR, 'data', 'playground-'));
	} else {
		mkdirSync(dataDir, { recursive: true });
	}
	const logFile = join(dataDir, 'bot.log');
	const botPort = await freePort();
	const bot: BotProcess = spawnBot({
		cwd: dataDir,
		logFile,
		env: {
			DISCORD_TOKEN: 'playground-bot-token',
			MJ_API_KEY: mj.apiKey,
			MJ_API_URL: mj.baseUrl,
			DISCORD_API_URL: discord.apiUrl,
			PUBLIC_URL: `http://${HOST}:${botPort}`,
			PORT: String(botPort),
			HOST,
			STORE_URL: `sqlite://${join(dataDir, 'bot.sqlite')}`,
			// The fakes serve files on loopback, which the bot refuses to download from unless told.
			DOWNLOAD_ALLOW_HOSTS: [new URL(mj.baseUrl).host, new URL(discord.baseUrl).host].join(','),
			LOG_LEVEL: 'info',
			...Object.fromEntries(Object.entries(BOT_SETTINGS).map(([name, value]) => [name, String(value)])),
			...options.botEnv,
		},
		onLog: (line) => view.log(line),
		onError: (text) => problem(text),
	});

	let closing = false;
	const registered = discord.waitForRequest(
		(request) => request.method === 'PUT' && /\/commands$/.test(request.path),
		START_TIMEOUT_MS,
	);
	const ready = Promise.race([
		registered.then(() => undefined),
		bot.exited.then((code) => {
			throw new Error(`The bot exited (${String(code)}) before it was ready; see ${logFile}`);
		}),
	]);
	ready.then(
		() => view.setStatus({ state: 'ready', detail: 'The bot is online.' }),
		(error: unknown) =>
			view.setStatus({ state: 'stopped', detail: error instanceof Error ? error.message : String(error) }),
	);
	void bot.exited.then((code) => {
		if (!closing) view.setStatus({ state: 'stopped', detail: `The bot stopped (${String(code)}); see ${logFile}` });
	});

	return {
		url,
		discord,
		mj,
		provider,
		logFile,
		ready,
		async close() {
			closing = true;
			provider.stop();
			actions.stop();
			await bot.stop();
			view.stop();
			web.closeAllConnections();
			await new Promise<void>((resolve) => web.close(() => resolve()));
			await Promise.all([discord.close(), mj.close()]);
			if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

/** Serves on `port` at 127.0.0.1, or on a free port when it is taken. */
async function listenWithFallback(fetch: Parameters<typeof serve>[0]['fetch'], port: number): Promise<Server> {
	const attempt = (wanted: number) =>
		new Promise<Server>((resolve, reject) => {
			const server = serve({ fetch, port: wanted, hostname: HOST }, () => resolve(server as Server)) as Server;
			server.once('error', reject);
		});
	try {
		return await attempt(port);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
		return attempt(0);
	}
}

/** A port nobody listens on now (the bot is told it before it starts, for its callback URL). */
async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, HOST, () => {
			const { port } = probe.address() as AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}
