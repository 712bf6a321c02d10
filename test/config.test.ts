import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

const MINIMAL = { DISCORD_TOKEN: 'discord-token', MJ_API_KEY: 'mj-key' } as const;

/** Runs `parseConfig`, which must throw a ConfigError, and returns it. */
function configErrorOf(env: Record<string, string | undefined>): ConfigError {
	let thrown: unknown;
	try {
		parseConfig(env);
	} catch (error) {
		thrown = error;
	}
	expect(thrown).toBeInstanceOf(ConfigError);
	return thrown as ConfigError;
}

/** The problem naming `variable`, which must be reported exactly once. */
function problemAbout(error: ConfigError, variable: string): string {
	const matching = error.problems.filter((problem) => problem.startsWith(`${variable} `));
	expect(matching, `problems: ${JSON.stringify(error.problems)}`).toHaveLength(1);
	return matching[0]!;
}

describe('parseConfig: defaults', () => {
	it('needs only the bot token and the API key, and fills in the documented defaults', () => {
		const config = parseConfig({ ...MINIMAL });
		expect(config).toEqual({
			discordToken: 'discord-token',
			mjApiKey: 'mj-key',
			serverKeyRequired: false,
			mjApiUrl: 'https://api.kie.ai',
			discordApiUrl: undefined,
			publicUrl: undefined,
			port: 3000,
			host: '0.0.0.0',
			storeUrl: 'sqlite://./data/bot.sqlite',
			storeTimeoutMs: 2_000,
			callbackSecret: undefined,
			mjWebhookHmacKey: undefined,
			devGuildId: undefined,
			logLevel: 'info',
			logFormat: 'auto',
			mjTimeoutMs: 30_000,
			pollIntervalMs: 5_000,
			jobTimeoutMs: 30 * 60_000,
			callbackGraceMs: 3 * 60_000,
			submitLimit: { limit: 20, windowMs: 10_000 },
			queryRatePerSecond: 10,
			retryBaseMs: 2_000,
			mjImageIndexBase: 0,
			adoptionWindowMs: 45 * 60_000,
			deliveryRetry: { baseMs: 1_000, maxMs: 5 * 60_000, giveUpMs: 6 * 60 * 60_000 },
			refusalNoticeDeleteMs: 30_000,
			shards: 'auto',
			downloadAllowHosts: [],
			http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1_000 },
			metrics: { port: undefined, host: '127.0.0.1', token: undefined },
			keyEncryption: undefined,
			costOverrides: {},
		});
	});

	it('treats empty values (as left by copying .env.example) as unset', () => {
		const config = parseConfig({
			...MINIMAL,
			MJ_API_URL: '',
			DISCORD_API_URL: '',
			PUBLIC_URL: '   ',
			PORT: '',
			HOST: '',
			STORE_URL: '',
			CALLBACK_SECRET: '',
			MJ_WEBHOOK_HMAC_KEY: '',
			DEV_GUILD_ID: '',
			LOG_LEVEL: '',
			LOG_FORMAT: '',
			MJ_TIMEOUT_MS: '',
			POLL_INTERVAL_MS: '',
			JOB_TIMEOUT_MS: '',
		});
		expect(config).toEqual(parseConfig({ ...MINIMAL }));
	});

	it('without PUBLIC_URL there is no public URL, so results are polled', () => {
		expect(parseConfig({ ...MINIMAL }).publicUrl).toBeUndefined();
		expect(parseConfig({ ...MINIMAL, PUBLIC_URL: 'https://bot.example.com' }).publicUrl).toBe(
			'https://bot.example.com',
		);
	});

	it('trims the secrets and reads every optional setting', () => {
		const config = parseConfig({
			DISCORD_TOKEN: '  discord-token \n',
			MJ_API_KEY: '\tmj-key ',
			MJ_API_URL: 'http://127.0.0.1:8080',
			DISCORD_API_URL: 'http://127.0.0.1:9090/api',
			PUBLIC_URL: 'https://bot.example.com',
			PORT: '8080',
			HOST: '127.0.0.1',
			STORE_URL: 'redis://localhost:6379',
			CALLBACK_SECRET: 'sixteen-chars-ok',
			MJ_WEBHOOK_HMAC_KEY: 'hmac',
			DEV_GUILD_ID: '123456789012345678',
			LOG_LEVEL: 'debug',
			LOG_FORMAT: 'pretty',
			MJ_TIMEOUT_MS: '1000',
			POLL_INTERVAL_MS: '250',
			JOB_TIMEOUT_MS: '60000',
			CALLBACK_GRACE_MS: '5000',
			MJ_SUBMIT_LIMIT: '2',
			MJ_SUBMIT_WINDOW_MS: '1000',
			MJ_QUERY_RATE: '5',
			MJ_RETRY_BASE_MS: '10',
			MJ_IMAGE_INDEX_BASE: '1',
			ADOPTION_WINDOW_MS: '1800000',
			DELIVERY_RETRY_BASE_MS: '500',
			DELIVERY_RETRY_MAX_MS: '60000',
			DELIVERY_GIVE_UP_MS: '3600000',
			REFUSAL_NOTICE_DELETE_MS: '5000',
			STORE_TIMEOUT_MS: '500',
			SHARD_COUNT: '4',
			SHARD_IDS: '2,3',
			DOWNLOAD_ALLOW_HOSTS: ' CDN.example.com, 127.0.0.1:8080,[::1]:9000 ',
		});
		expect(config).toEqual({
			discordToken: 'discord-token',
			mjApiKey: 'mj-key',
			serverKeyRequired: false,
			mjApiUrl: 'http://127.0.0.1:8080',
			discordApiUrl: 'http://127.0.0.1:9090/api',
			publicUrl: 'https://bot.example.com',
			port: 8080,
			host: '127.0.0.1',
			storeUrl: 'redis://localhost:6379',
			storeTimeoutMs: 500,
			callbackSecret: 'sixteen-chars-ok',
			mjWebhookHmacKey: 'hmac',
			devGuildId: '123456789012345678',
			logLevel: 'debug',
			logFormat: 'pretty',
			mjTimeoutMs: 1000,
			pollIntervalMs: 250,
			jobTimeoutMs: 60_000,
			callbackGraceMs: 5000,
			submitLimit: { limit: 2, windowMs: 1000 },
			queryRatePerSecond: 5,
			retryBaseMs: 10,
			mjImageIndexBase: 1,
			adoptionWindowMs: 1_800_000,
			deliveryRetry: { baseMs: 500, maxMs: 60_000, giveUpMs: 3_600_000 },
			refusalNoticeDeleteMs: 5000,
			shards: { count: 4, ids: [2, 3] },
			downloadAllowHosts: ['cdn.example.com', '127.0.0.1:8080', '[::1]:9000'],
			http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1_000 },
			metrics: { port: undefined, host: '127.0.0.1', token: undefined },
			keyEncryption: undefined,
			costOverrides: {},
		});
	});

	it.each([
		'sqlite://./data/bot.sqlite',
		'sqlite://:memory:',
		'memory://',
		'redis://u:p@host:6379',
		'rediss://host:6380',
	])('accepts STORE_URL %s', (storeUrl) => {
		expect(parseConfig({ ...MINIMAL, STORE_URL: storeUrl }).storeUrl).toBe(storeUrl);
	});

	it.each(['0', '1', '65535'])('accepts PORT %s', (port) => {
		expect(parseConfig({ ...MINIMAL, PORT: port }).port).toBe(Number(port));
	});

	it('strips trailing slashes from every URL', () => {
		const config = parseConfig({
			...MINIMAL,
			MJ_API_URL: 'http://127.0.0.1:8080///',
			DISCORD_API_URL: 'http://127.0.0.1:9090/api/',
			PUBLIC_URL: ' https://bot.example.com/ ',
		});
		expect(config.mjApiUrl).toBe('http://127.0.0.1:8080');
		expect(config.discordApiUrl).toBe('http://127.0.0.1:9090/api');
		expect(config.publicUrl).toBe('https://bot.example.com');
	});
});

describe('parseConfig: problems', () => {
	it.each(['https://cdn.example.com', 'cdn.example.com/files', 'cdn.example.com:99999', 'two words', '[not-ipv6]:80'])(
		'refuses DOWNLOAD_ALLOW_HOSTS entry %s',
		(entry) => {
			const error = configErrorOf({ ...MINIMAL, DOWNLOAD_ALLOW_HOSTS: `127.0.0.1:8080,${entry}` });
			expect(problemAbout(error, 'DOWNLOAD_ALLOW_HOSTS')).toContain(`got "${entry}"`);
		},
	);

	it('reports both missing secrets at once, each with where to get it', () => {
		const error = configErrorOf({});
		expect(error.problems).toHaveLength(2);
		expect(problemAbout(error, 'DISCORD_TOKEN')).toMatch(/required.*https:\/\/discord\.com\/developers\/applications/);
		expect(problemAbout(error, 'MJ_API_KEY')).toMatch(/required.*https:\/\/kie\.ai\/api-key/);
		expect(error.message).toContain('2 settings need attention');
		expect(error.message).toContain('DISCORD_TOKEN');
		expect(error.message).toContain('MJ_API_KEY');
		expect(error.message).toContain('.env');
	});

	it('treats a blank secret as missing', () => {
		const error = configErrorOf({ DISCORD_TOKEN: '   ', MJ_API_KEY: '' });
		expect(problemAbout(error, 'DISCORD_TOKEN')).toContain('required');
		expect(problemAbout(error, 'MJ_API_KEY')).toContain('required');
	});

	it('reports every problem in one ConfigError', () => {
		const error = configErrorOf({
			MJ_API_KEY: 'mj-key',
			PORT: 'http',
			PUBLIC_URL: 'bot.example.com',
			STORE_URL: 'postgres://db',
			DEV_GUILD_ID: 'my-server',
			LOG_LEVEL: 'verbose',
			MJ_TIMEOUT_MS: '-5',
			CALLBACK_SECRET: 'too-short',
		});
		const named = error.problems.map((problem) => problem.split(' ')[0]).sort();
		expect(named).toEqual(
			[
				'CALLBACK_SECRET',
				'DEV_GUILD_ID',
				'DISCORD_TOKEN',
				'LOG_LEVEL',
				'MJ_TIMEOUT_MS',
				'PORT',
				'PUBLIC_URL',
				'STORE_URL',
			].sort(),
		);
		expect(error.message).toContain('8 settings need attention');
		for (const problem of error.problems) expect(error.message).toContain(`  - ${problem}`);
	});

	it('a single problem is worded in the singular', () => {
		expect(configErrorOf({ ...MINIMAL, PORT: 'x' }).message).toContain('a setting needs attention');
	});

	it.each(['abc', '-1', '65536', '80.5', '3000abc'])('refuses PORT=%s, quoting it', (port) => {
		const problem = problemAbout(configErrorOf({ ...MINIMAL, PORT: port }), 'PORT');
		expect(problem).toContain('0–65535');
		expect(problem).toContain(`"${port}"`);
	});

	it.each(['0', '-100', '1.5', 'soon'])('refuses a non-positive or non-integer duration (%s)', (value) => {
		const error = configErrorOf({ ...MINIMAL, MJ_TIMEOUT_MS: value, POLL_INTERVAL_MS: value, JOB_TIMEOUT_MS: value });
		for (const variable of ['MJ_TIMEOUT_MS', 'POLL_INTERVAL_MS', 'JOB_TIMEOUT_MS']) {
			expect(problemAbout(error, variable)).toContain('positive integer');
		}
	});

	it.each(['bot.example.com', 'ftp://bot.example.com', 'https://', 'javascript:alert(1)', 'http:///path'])(
		'refuses PUBLIC_URL=%s',
		(url) => {
			expect(problemAbout(configErrorOf({ ...MINIMAL, PUBLIC_URL: url }), 'PUBLIC_URL')).toContain('http(s) URL');
		},
	);

	it.each(['MJ_API_URL', 'DISCORD_API_URL'])('refuses a non-http(s) %s', (variable) => {
		expect(problemAbout(configErrorOf({ ...MINIMAL, [variable]: 'localhost:8080' }), variable)).toContain(
			'http(s) URL',
		);
	});

	it.each(['postgres://db/bot', './data/bot.sqlite', 'sqlite:bot.sqlite', 'SQLITE://x'])(
		'refuses STORE_URL=%s',
		(url) => {
			expect(problemAbout(configErrorOf({ ...MINIMAL, STORE_URL: url }), 'STORE_URL')).toMatch(
				/sqlite:\/\/.*memory:\/\/.*redis:\/\//,
			);
		},
	);

	it.each(['12345', '123456789012345678901', 'my-guild', '1234567890123456a'])('refuses DEV_GUILD_ID=%s', (id) => {
		expect(problemAbout(configErrorOf({ ...MINIMAL, DEV_GUILD_ID: id }), 'DEV_GUILD_ID')).toContain('Discord id');
	});

	it.each(['verbose', 'warning', '10'])('refuses LOG_LEVEL=%s, listing the levels', (level) => {
		const problem = problemAbout(configErrorOf({ ...MINIMAL, LOG_LEVEL: level }), 'LOG_LEVEL');
		for (const known of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
			expect(problem).toContain(known);
	});

	it.each(['text', 'JSON ', 'color'])('refuses LOG_FORMAT=%s, listing the formats', (format) => {
		const problem = problemAbout(configErrorOf({ ...MINIMAL, LOG_FORMAT: format }), 'LOG_FORMAT');
		for (const known of ['json', 'pretty', 'auto']) expect(problem).toContain(known);
	});

	it.each(['2', '-1', 'one', '0.5'])('refuses MJ_IMAGE_INDEX_BASE=%s: the provider counts from 0 or 1', (base) => {
		expect(problemAbout(configErrorOf({ ...MINIMAL, MJ_IMAGE_INDEX_BASE: base }), 'MJ_IMAGE_INDEX_BASE')).toContain(
			'0 or 1',
		);
	});

	it('refuses a CALLBACK_SECRET shorter than 16 characters', () => {
		expect(
			problemAbout(configErrorOf({ ...MINIMAL, CALLBACK_SECRET: '15-characters!!' }), 'CALLBACK_SECRET'),
		).toContain('16 characters');
	});

	it('never puts a secret’s value in the error', () => {
		const secrets = {
			DISCORD_TOKEN: 'MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.recognisable-bot-token',
			MJ_API_KEY: 'sk-recognisable-api-key-0123456789',
			MJ_WEBHOOK_HMAC_KEY: 'recognisable-webhook-key',
			CALLBACK_SECRET: 'short-secret',
		};
		const error = configErrorOf({ ...secrets, PORT: 'not-a-port', STORE_URL: 'nope://', LOG_LEVEL: 'loud' });
		expect(error.problems.length).toBeGreaterThanOrEqual(4);
		const everything = [error.message, ...error.problems, String(error.stack)].join('\n');
		for (const value of Object.values(secrets)) expect(everything).not.toContain(value);
	});
});

describe('the entry point with an empty environment', () => {
	it('exits with status 1 and a plain message naming both missing secrets', async () => {
		const cwd = await mkdtemp(join(tmpdir(), 'mj-bot-config-'));
		try {
			const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
			const tsx = import.meta.resolve('tsx');
			const child = spawn(process.execPath, ['--import', tsx, entry], {
				cwd,
				env: { PATH: process.env.PATH },
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let stdout = '';
			let stderr = '';
			child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
			child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
			const code = await new Promise<number | null>((resolve, reject) => {
				child.once('error', reject);
				child.once('close', resolve);
			});
			expect(code, `stderr: ${stderr}`).toBe(1);
			expect(stderr).toContain('DISCORD_TOKEN');
			expect(stderr).toContain('MJ_API_KEY');
			expect(stderr).toContain('https://discord.com/developers/applications');
			expect(stderr).toContain('https://kie.ai/api-key');
			expect(stderr).not.toMatch(/^\s+at /m);
			expect(stdout).toBe('');
		} finally {
			await rm(cwd, { recursive: true, force: true });
		}
	});
});

describe('parseConfig: gateway shards (SHARD_COUNT, SHARD_IDS)', () => {
	it.each([
		[{}, 'auto'],
		[{ SHARD_COUNT: '' }, 'auto'],
		[{ SHARD_COUNT: 'auto' }, 'auto'],
		[{ SHARD_COUNT: ' AUTO ' }, 'auto'],
		[{ SHARD_COUNT: '1' }, { count: 1, ids: [0] }],
		[{ SHARD_COUNT: '3' }, { count: 3, ids: [0, 1, 2] }],
		[
			{ SHARD_COUNT: '4', SHARD_IDS: '3, 1' },
			{ count: 4, ids: [1, 3] },
		],
		[
			{ SHARD_COUNT: '2', SHARD_IDS: '1' },
			{ count: 2, ids: [1] },
		],
		[
			{ SHARD_COUNT: '2', SHARD_IDS: ' ' },
			{ count: 2, ids: [0, 1] },
		],
	])('%j → %j', (env, shards) => {
		expect(parseConfig({ ...MINIMAL, ...env }).shards).toEqual(shards);
	});

	it.each(['0', '-1', '1.5', 'two', '2 shards'])('rejects SHARD_COUNT=%j', (value) => {
		const error = configErrorOf({ ...MINIMAL, SHARD_COUNT: value });
		expect(problemAbout(error, 'SHARD_COUNT')).toBe(`SHARD_COUNT must be a positive integer or "auto", got "${value}"`);
		expect(error.problems).toHaveLength(1);
	});

	it.each(['0,,1', '0-3', 'a', '1;2', '-1'])('rejects SHARD_IDS=%j', (value) => {
		const error = configErrorOf({ ...MINIMAL, SHARD_COUNT: '4', SHARD_IDS: value });
		expect(problemAbout(error, 'SHARD_IDS')).toContain('must be a comma-separated list of shard ids');
		expect(error.problems).toHaveLength(1);
	});

	it.each([{}, { SHARD_COUNT: 'auto' }])('needs an explicit SHARD_COUNT for SHARD_IDS (%j)', (env) => {
		const error = configErrorOf({ ...MINIMAL, ...env, SHARD_IDS: '0' });
		expect(problemAbout(error, 'SHARD_IDS')).toMatch(/needs an explicit SHARD_COUNT/);
	});

	it('rejects shard ids beyond the count, and ids listed twice', () => {
		expect(problemAbout(configErrorOf({ ...MINIMAL, SHARD_COUNT: '2', SHARD_IDS: '0,2,5' }), 'SHARD_IDS')).toBe(
			'SHARD_IDS lists 2, 5, but SHARD_COUNT=2 means shard ids 0–1',
		);
		expect(problemAbout(configErrorOf({ ...MINIMAL, SHARD_COUNT: '3', SHARD_IDS: '1,1,2' }), 'SHARD_IDS')).toBe(
			'SHARD_IDS lists 1 more than once',
		);
	});

	it('reports shard problems together with every other problem', () => {
		const error = configErrorOf({ PORT: 'http', SHARD_IDS: '7' });
		expect(error.problems.map((problem) => problem.split(' ')[0]).sort()).toEqual(
			['DISCORD_TOKEN', 'MJ_API_KEY', 'PORT', 'SHARD_IDS'].sort(),
		);
		const both = configErrorOf({ ...MINIMAL, SHARD_COUNT: 'many', SHARD_IDS: 'x' });
		expect(both.problems.map((problem) => problem.split(' ')[0]).sort()).toEqual(['SHARD_COUNT', 'SHARD_IDS']);
	});
});

describe('parseConfig: encryption of servers’ keys (KEY_ENCRYPTION_KEY, KEY_ENCRYPTION_KEY_PREVIOUS)', () => {
	const base64Key = Buffer.alloc(32, 7).toString('base64');
	const hexKey = Buffer.alloc(32, 9).toString('hex');

	it('reads 32 bytes as base64 or hex, the previous key beside the current one', () => {
		const config = parseConfig({ ...MINIMAL, KEY_ENCRYPTION_KEY: base64Key, KEY_ENCRYPTION_KEY_PREVIOUS: hexKey });
		expect(config.keyEncryption?.current).toEqual(Buffer.alloc(32, 7));
		expect(config.keyEncryption?.previous).toEqual(Buffer.alloc(32, 9));
		expect(parseConfig({ ...MINIMAL, KEY_ENCRYPTION_KEY: hexKey }).keyEncryption).toEqual({
			current: Buffer.alloc(32, 9),
		});
	});

	it.each([
		['too short', Buffer.alloc(16, 1).toString('base64')],
		['too long', Buffer.alloc(48, 1).toString('base64')],
		['not base64 or hex', 'correct horse battery staple, 32+ characters long!'],
		['63 hex digits', 'a'.repeat(63)],
	])('refuses a key %s, without quoting it', (_, value) => {
		const problem = problemAbout(configErrorOf({ ...MINIMAL, KEY_ENCRYPTION_KEY: value }), 'KEY_ENCRYPTION_KEY');
		expect(problem).toContain('openssl rand -base64 32');
		expect(problem).not.toContain(value);
	});

	it('refuses a previous key without a current one', () => {
		const problem = problemAbout(
			configErrorOf({ ...MINIMAL, KEY_ENCRYPTION_KEY_PREVIOUS: base64Key }),
			'KEY_ENCRYPTION_KEY_PREVIOUS',
		);
		expect(problem).toContain('KEY_ENCRYPTION_KEY');
		expect(problem).not.toContain(base64Key);
	});
});

describe('parseConfig: the cost table’s corrections (COSTS_JSON)', () => {
	it('reads a number for every speed or some speeds each', () => {
		const config = parseConfig({ ...MINIMAL, COSTS_JSON: '{"imagine":{"fast":10,"turbo":20.5},"animate":70}' });
		expect(config.costOverrides).toEqual({ imagine: { fast: 10, turbo: 20.5 }, animate: 70 });
	});

	it.each([
		['not JSON', '{imagine', 'must be JSON'],
		['an unknown action', '{"paint":3}', 'actions: imagine'],
		['an unknown speed', '{"imagine":{"slow":3}}', 'speeds: relaxed, fast, turbo'],
		['a negative cost', '{"vary":-1}', 'vary'],
		['three decimals', '{"upscale":1.125}', 'two decimals'],
	])('refuses %s, saying what it expects', (_, value, expected) => {
		expect(problemAbout(configErrorOf({ ...MINIMAL, COSTS_JSON: value }), 'COSTS_JSON')).toContain(expected);
	});
});

describe('parseConfig: servers’ own keys', () => {
	const ENCRYPTION = 'a'.repeat(64);

	it('takes no default key when servers bring their own, and then requires them', () => {
		const config = parseConfig({ DISCORD_TOKEN: 'discord-token', KEY_ENCRYPTION_KEY: ENCRYPTION });
		expect(config.mjApiKey).toBeUndefined();
		expect(config.serverKeyRequired).toBe(true);
	});

	it('lets the operator require servers’ own keys beside a default one', () => {
		const config = parseConfig({ ...MINIMAL, KEY_ENCRYPTION_KEY: ENCRYPTION, SERVER_KEY_REQUIRED: 'true' });
		expect(config.serverKeyRequired).toBe(true);
	});

	it('needs a default key or the encryption key, and says so with the other problems', () => {
		expect(() => parseConfig({ DISCORD_TOKEN: '' })).toThrow(/MJ_API_KEY is required.*KEY_ENCRYPTION_KEY/s);
		expect(() => parseConfig({ DISCORD_TOKEN: '' })).toThrow(/DISCORD_TOKEN/);
	});
});
