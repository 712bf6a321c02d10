/**
 * One "world" for end-to-end tests: a fake Discord and a fake Midjourney on 127.0.0.1, and the real bot
 * (discord.js client, Hono server, Keyv on a SQLite file) started by the same `startBot()` the process uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import { parseConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

export interface WorldOptions {
	/** Callbacks mode (PUBLIC_URL set) or polling mode. */
	callbacks?: boolean;
	webhookKey?: string;
	env?: Record<string, string>;
	/** Options of the fake Discord, e.g. `{ shards: 2 }`. */
	discord?: FakeDiscordOptions;
	/** More `host:port` entries downloads may reach on loopback, besides the fakes' own (see `fakeFileHosts`). */
	allowHosts?: string[];
}

export interface World {
	discord: FakeDiscord;
	mj: FakeMidjourney;
	bot: Bot;
	/** Every log line the bot wrote, parsed. */
	logs: Array<Record<string, unknown>>;
	storeFile: string;
	/**
	 * Stops the bot process (as on SIGTERM) and starts a new one on the same store; `env` changes settings for it and
	 * the starts after it (an empty value unsets one).
	 */
	restart(env?: Record<string, string>): Promise<Bot>;
	stopBot(): Promise<void>;
	startBotAgain(env?: Record<string, string>): Promise<Bot>;
	close(): Promise<void>;
}

export const DISCORD_TOKEN = 'fake-discord-token-e2e-SECRET';

export async function startWorld(options: WorldOptions = {}): Promise<World> {
	const discord = await startFakeDiscord(options.discord);
	const mj = await startFakeMidjourney(options.webhookKey ? { webhookKey: options.webhookKey } : {});
	const dir = mkdtempSync(join(tmpdir(), 'mjbot-e2e-'));
	const storeFile = join(dir, 'bot.sqlite');
	const relay = await startRelay();
	const logs: Array<Record<string, unknown>> = [];

	const env: Record<string, string> = {
		DISCORD_TOKEN,
		MJ_API_KEY: mj.apiKey,
		MJ_API_URL: mj.baseUrl,
		DISCORD_API_URL: discord.apiUrl,
		PORT: '0',
		HOST: '127.0.0.1',
		STORE_URL: `sqlite://${storeFile}`,
		LOG_LEVEL: 'debug',
		POLL_INTERVAL_MS: '50',
		MJ_TIMEOUT_MS: '2000',
		DOWNLOAD_ALLOW_HOSTS: [fakeFileHosts({ discord, mj }), ...(options.allowHosts ?? [])].join(','),
		...(options.callbacks ? { PUBLIC_URL: relay.url } : {}),
		...(options.webhookKey ? { MJ_WEBHOOK_HMAC_KEY: options.webhookKey } : {}),
		...options.env,
	};

	const launch = async (): Promise<Bot> => {
		const config = parseConfig(env);
		// One IDENTIFY per shard the bot runs.
		const identified = discord.waitForIdentify(
			config.shards === 'auto' ? discord.shardCount : config.shards.ids.length,
		);
		const bot = await startBot({ config, logger: createLogger('debug', logSink(logs)) });
		await identified;
		relay.target = bot.port;
		return bot;
	};

	let bot: Bot | undefined = await launch();
	const world: World = {
		discord,
		mj,
		get bot() {
			if (!bot) throw new Error('The bot is stopped');
			return bot;
		},
		logs,
		storeFile,
		async stopBot() {
			await bot?.stop();
			bot = undefined;
		},
		async startBotAgain(more = {}) {
			Object.assign(env, more);
			bot = await launch();
			return bot;
		},
		async restart(more = {}) {
			await world.stopBot();
			return world.startBotAgain(more);
		},
		async close() {
			await bot?.stop();
			await Promise.all([discord.close(), mj.close(), relay.close()]);
			rmSync(dir, { recursive: true, force: true });
			// Every end-to-end run doubles as a scan of its logs for the secrets it handled.
			const leaks = leakedSecrets(logs, secretsSeen({ discord, mj }, [env.DISCORD_TOKEN ?? '']));
			if (leaks.length > 0) throw new Error(`The bot's logs hold secrets:\n${leaks.join('\n')}`);
		},
	};
	return world;
}

/**
 * The fakes serve result files (the provider) and attachments (Discord's CDN) on 127.0.0.1, which downloads refuse
 * unless allow-listed: exactly their host:port, so any other loopback port stays forbidden.
 */
export function fakeFileHosts(fakes: { discord: FakeDiscord; mj: FakeMidjourney }): string {
	return [new URL(fakes.mj.baseUrl).host, new URL(fakes.discord.apiUrl).host].join(',');
}

/**
 * The secrets a run handed the bot or the bot handed out: the given ones (bot token…), the API key, every interaction
 * token the fake Discord saw in a webhook route, and every callback URL signature the provider was given.
 */
export function secretsSeen(fakes: { discord: FakeDiscord; mj: FakeMidjourney }, given: string[]): Map<string, string> {
	const secrets = new Map<string, string>([['API key', fakes.mj.apiKey]]);
	given.filter(Boolean).forEach((secret, index) => secrets.set(`given secret ${index}`, secret));
	for (const request of fakes.discord.requests) {
		const token = /^\/(?:webhooks|interactions)\/\d+\/([^/]+)/.exec(request.path)?.[1];
		if (token) secrets.set(`interaction token ${token.slice(0, 6)}…`, token);
	}
	for (const request of fakes.mj.generateRequests) {
		const url = request.body.callBackUrl;
		const sig = typeof url === 'string' && URL.canParse(url) ? new URL(url).searchParams.get('sig') : null;
		if (sig) secrets.set(`callback signature ${sig.slice(0, 6)}…`, sig);
	}
	return secrets;
}

/** Log lines (serialised) that contain any of the secrets, named by the secret they leak. */
export function leakedSecrets(logs: Array<Record<string, unknown>>, secrets: Map<string, string>): string[] {
	const lines = logs.map((line) => JSON.stringify(line));
	return lines.flatMap((line) =>
		[...secrets]
			.filter(([, secret]) => secret.length >= 8 && line.includes(secret))
			.map(([name]) => `${name}: ${line.slice(0, 300)}`),
	);
}

/**
 * One world per test in this file: `open()` starts it (with `defaults` under the options given), and it is closed
 * after the test, printing the bot's logs when the test failed.
 */
export function worldPerTest(defaults: WorldOptions = {}): (options?: WorldOptions) => Promise<World> {
	let world: World | undefined;
	afterEach(async (context) => {
		if (world && context.task.result?.state === 'fail')
			console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await world?.close();
		world = undefined;
	});
	return async (options = {}) => {
		world = await startWorld({ ...defaults, ...options });
		return world;
	};
}

export function logSink(lines: Array<Record<string, unknown>>): Writable {
	return new Writable({
		write(chunk: Buffer, _encoding, callback) {
			for (const line of chunk.toString('utf8').split('\n')) {
				if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
			}
			callback();
		},
	});
}

/**
 * Stands in for the reverse proxy in front of the bot: PUBLIC_URL must be known before the bot picks its port.
 */
async function startRelay(): Promise<{ url: string; target: number; close(): Promise<void> }> {
	const relay = {
		url: '',
		target: 0,
		close: async () => undefined as void,
	};
	const server = http.createServer((req, res) => {
		const upstream = http.request(
			{ host: '127.0.0.1', port: relay.target, path: req.url, method: req.method, headers: req.headers },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', () => {
			res.writeHead(502).end();
		});
		req.pipe(upstream);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	relay.close = async () =>
		new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
	return relay;
}

/** Resolves when `check` returns a truthy value, checking every few milliseconds (state in the store has no event to wait on). */
export async function eventually<T>(
	check: () => T | undefined | false | Promise<T | undefined | false>,
	what: string,
	timeoutMs = 8000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

/**
 * The config of one of several bot processes sharing one Redis store behind one public URL (the tests address each
 * process directly), as replicas or shard-splitting processes run in production.
 */
export function replicaConfig(
	fakes: { discord: FakeDiscord; mj: FakeMidjourney },
	storeUrl: string,
	extra: Record<string, string> = {},
): Config {
	return parseConfig({
		DISCORD_TOKEN: 'fake-token',
		MJ_API_KEY: fakes.mj.apiKey,
		MJ_API_URL: fakes.mj.baseUrl,
		DISCORD_API_URL: fakes.discord.apiUrl,
		PORT: '0',
		HOST: '127.0.0.1',
		STORE_URL: storeUrl,
		PUBLIC_URL: 'http://127.0.0.1:9',
		CALLBACK_SECRET: 'shared-secret-of-the-replicas',
		DOWNLOAD_ALLOW_HOSTS: fakeFileHosts(fakes),
		...extra,
	});
}
