/**
 * The environment, turned into one typed and validated object. Nothing else in the bot reads `process.env`.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;

export interface Config {
	discordToken: string;
	mjApiKey: string;
	mjApiUrl: string;
	/** Base URL of Discord's REST API without the version, e.g. `https://discord.com/api`; undefined = discord.js default. */
	discordApiUrl: string | undefined;
	/** Public base URL under which the provider can reach our callback route; undefined = poll instead. */
	publicUrl: string | undefined;
	port: number;
	host: string;
	storeUrl: string;
	/** How long one store call may take before it counts as the store being unavailable. */
	storeTimeoutMs: number;
	callbackSecret: string | undefined;
	mjWebhookHmacKey: string | undefined;
	devGuildId: string | undefined;
	logLevel: (typeof LOG_LEVELS)[number];
	/** `json` lines, `pretty` readable lines, or `auto`: pretty when standard output is a terminal. */
	logFormat: (typeof LOG_FORMATS)[number];
	/** Time-out of each call to the provider. */
	mjTimeoutMs: number;
	/** Interval of the first polls of a job without callbacks; it backs off from there. */
	pollIntervalMs: number;
	/** A job still unfinished after this long is marked failed. */
	jobTimeoutMs: number;
	/** With callbacks on, a job whose callback is this late is polled as a safety net. */
	callbackGraceMs: number;
	/** The provider's limit on new tasks: at most `limit` per `windowMs`. */
	submitLimit: { limit: number; windowMs: number };
	/** The provider's limit on status queries, per second. */
	queryRatePerSecond: number;
	/** First back-off after a 429/455 (or a request that never left); later ones grow from it. */
	retryBaseMs: number;
	/** How long a job whose submit had no clear answer stays open for the provider's callback to name its task. */
	adoptionWindowMs: number;
	/** How long a reaction's refusal told in the channel (the member's DMs closed) stays before it deletes itself. */
	refusalNoticeDeleteMs: number;
	/**
	 * The gateway shards this process runs: `auto` = as many as Discord recommends, all here; otherwise `ids` (sorted,
	 * by default all of 0…count−1) out of `count` shards across every process of the bot.
	 */
	shards: ShardPlan;
	/**
	 * Hosts result files may be downloaded from without the public-address check, as `host` (any port) or `host:port`,
	 * lower-case and normalised as in a URL (`[::1]:8080` for IPv6).
	 */
	downloadAllowHosts: string[];
	/** Bounds of the HTTP server, so slow or idle clients cannot hold it (slowloris). */
	http: HttpLimits;
	/**
	 * Where `/metrics` is served: on a listener of its own when `port` is set (bound to `host`, loopback by default),
	 * and on the main port only to requests bearing `token`. With neither, nowhere.
	 */
	metrics: { port: number | undefined; host: string; token: string | undefined };
}

export interface HttpLimits {
	/** A client must have sent its request's headers within this long of connecting. */
	headersTimeoutMs: number;
	/** …and the whole request (headers and body) within this long. */
	requestTimeoutMs: number;
	/** An idle kept-alive connection is closed after this long. */
	keepAliveTimeoutMs: number;
	/** Connections beyond this many at once are refused. */
	maxConnections: number;
}

export type ShardPlan = 'auto' | { count: number; ids: number[] };

/** Where an operator finds each required value: printed when it is missing. */
const HELP = {
	DISCORD_TOKEN: 'the bot token: https://discord.com/developers/applications → your app → Bot → Reset Token',
	MJ_API_KEY: 'your Midjourney API key: https://kie.ai/api-key (the account that pays for generations)',
} as const;

const optionalString = z
	.string()
	.trim()
	.transform((value) => (value === '' ? undefined : value))
	.optional();

const httpUrl = (name: string) =>
	z
		.string()
		.trim()
		.refine((value) => isPlainHttpUrl(value), {
			message: `must be an http(s) URL without spaces, query string or fragment (e.g. https://${name === 'PUBLIC_URL' ? 'bot.example.com' : 'api.example.com'})`,
		})
		.transform((value) => value.replace(/\/+$/, ''));

function isPlainHttpUrl(value: string): boolean {
	if (!/^https?:\/\/[^\s/]+/i.test(value) || /\s/.test(value) || !URL.canParse(value)) return false;
	const url = new URL(value);
	return url.search === '' && url.hash === '' && !value.includes('?') && !value.includes('#');
}

/** `host` or `host:port`, as in a URL's authority (IPv6 in brackets), normalised the way URLs are. */
function normaliseHost(entry: string): string | undefined {
	const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/?#@[\]]+)(?::(\d{1,5}))?$/.exec(entry);
	if (!match || !URL.canParse(`http://${match[1]}`)) return undefined;
	const port = match[2] === undefined ? undefined : Number(match[2]);
	if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
	const { hostname } = new URL(`http://${match[1]}`);
	return port === undefined ? hostname : `${hostname}:${port}`;
}

const hostList = z
	.string()
	.optional()
	.transform((value, ctx) => {
		const entries = (value ?? '')
			.split(',')
			.map((entry) => entry.trim())
			.filter((entry) => entry !== '');
		const hosts: string[] = [];
		for (const entry of entries) {
			const host = normaliseHost(entry);
			if (host === undefined) {
				ctx.addIssue({
					code: 'custom',
					message: `must be comma-separated host or host:port entries (e.g. cdn.example.com,127.0.0.1:8080), got "${entry}"`,
				});
				return z.NEVER;
			}
			hosts.push(host);
		}
		return hosts;
	});

const snowflake = z.string().regex(/^\d{17,20}$/, { message: 'must be a Discord id (17–20 digits)' });

const positiveInt = (fallback: number) =>
	z
		.string()
		.trim()
		.optional()
		.transform((value, ctx) => {
			if (value === undefined || value === '') return fallback;
			const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
			if (!Number.isSafeInteger(number) || number <= 0) {
				ctx.addIssue({ code: 'custom', message: `must be a positive integer, got "${value}"` });
				return z.NEVER;
			}
			return number;
		});

/** An optional port: unset stays unset. */
const optionalPort = z
	.string()
	.trim()
	.optional()
	.transform((value, ctx) => {
		if (value === undefined || value === '') return undefined;
		const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
		if (!Number.isInteger(port) || port < 0 || port > 65_535) {
			ctx.addIssue({ code: 'custom', message: `must be a port number 0–65535, got "${value}"` });
			return z.NEVER;
		}
		return port;
	});

const schema = z.object({
	DISCORD_TOKEN: z
		.string({ error: `is required: ${HELP.DISCORD_TOKEN}` })
		.trim()
		.min(1, `is required: ${HELP.DISCORD_TOKEN}`),
	MJ_API_KEY: z
		.string({ error: `is required: ${HELP.MJ_API_KEY}` })
		.trim()
		.min(1, `is required: ${HELP.MJ_API_KEY}`),
	MJ_API_URL: optionalString.pipe(httpUrl('MJ_API_URL').optional()).default('https://api.kie.ai'),
	DISCORD_API_URL: optionalString.pipe(httpUrl('DISCORD_API_URL').optional()),
	PUBLIC_URL: optionalString.pipe(httpUrl('PUBLIC_URL').optional()),
	PORT: z
		.string()
		.trim()
		.optional()
		.transform((value, ctx) => {
			if (value === undefined || value === '') return 3000;
			const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
			if (!Number.isInteger(port) || port < 0 || port > 65_535) {
				ctx.addIssue({ code: 'custom', message: `must be a port number 0–65535, got "${value}"` });
				return z.NEVER;
			}
			return port;
		}),
	HOST: optionalString.default('0.0.0.0'),
	STORE_URL: optionalString
		.default('sqlite://./data/bot.sqlite')
		.refine((value) => /^(sqlite|memory|redis|rediss):\/\//.test(value ?? ''), {
			message: 'must start with sqlite://, memory:// or redis://',
		}),
	STORE_TIMEOUT_MS: positiveInt(2_000),
	CALLBACK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
	MJ_WEBHOOK_HMAC_KEY: optionalString,
	DEV_GUILD_ID: optionalString.pipe(snowflake.optional()),
	LOG_LEVEL: optionalString.pipe(z.enum(LOG_LEVELS).optional()).default('info'),
	LOG_FORMAT: optionalString.pipe(z.enum(LOG_FORMATS).optional()).default('auto'),
	MJ_TIMEOUT_MS: positiveInt(30_000),
	POLL_INTERVAL_MS: positiveInt(5_000),
	JOB_TIMEOUT_MS: positiveInt(30 * 60_000),
	CALLBACK_GRACE_MS: positiveInt(3 * 60_000),
	MJ_SUBMIT_LIMIT: positiveInt(20),
	MJ_SUBMIT_WINDOW_MS: positiveInt(10_000),
	MJ_QUERY_RATE: positiveInt(10),
	MJ_RETRY_BASE_MS: positiveInt(2_000),
	ADOPTION_WINDOW_MS: positiveInt(45 * 60_000),
	DOWNLOAD_ALLOW_HOSTS: hostList,
	REFUSAL_NOTICE_DELETE_MS: positiveInt(30_000),
	HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
	HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
	HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
	HTTP_MAX_CONNECTIONS: positiveInt(1_000),
	METRICS_PORT: optionalPort,
	METRICS_HOST: optionalString.default('127.0.0.1'),
	METRICS_TOKEN: optionalString.pipe(
		z
			.string()
			.min(16, 'must be at least 16 characters')
			// What an Authorization: Bearer value may hold (RFC 6750).
			.regex(/^[A-Za-z0-9._~+/-]+=*$/, 'may hold only letters, digits and . _ ~ + / - (then = padding)')
			.optional(),
	),
});

/** Node refuses a server whose headers may take longer than the whole request. */
const checkedSchema = schema.refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
	path: ['HTTP_HEADERS_TIMEOUT_MS'],
	message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS',
});

/** SHARD_COUNT and SHARD_IDS, checked together (each on its own first, then against each other). */
const shardSchema = z
	.object({
		SHARD_COUNT: z
			.string()
			.trim()
			.optional()
			.transform((value, ctx): number | 'auto' => {
				if (value === undefined || value === '' || value.toLowerCase() === 'auto') return 'auto';
				const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
				if (!Number.isSafeInteger(number) || number <= 0) {
					ctx.addIssue({ code: 'custom', message: `must be a positive integer or "auto", got "${value}"` });
					return z.NEVER;
				}
				return number;
			}),
		SHARD_IDS: z
			.string()
			.trim()
			.optional()
			.transform((value, ctx): number[] | undefined => {
				if (value === undefined || value === '') return undefined;
				const parts = value.split(',').map((part) => part.trim());
				if (!parts.every((part) => /^\d+$/.test(part) && Number.isSafeInteger(Number(part)))) {
					ctx.addIssue({
						code: 'custom',
						message: `must be a comma-separated list of shard ids such as "0,1", got "${value}"`,
					});
					return z.NEVER;
				}
				return parts.map(Number);
			}),
	})
	.transform(({ SHARD_COUNT: count, SHARD_IDS: ids }, ctx): ShardPlan => {
		const problem = (message: string): typeof z.NEVER => {
			ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message });
			return z.NEVER;
		};
		if (count === 'auto') {
			if (ids === undefined) return 'auto';
			return problem(
				'needs an explicit SHARD_COUNT (the number of shards across all processes, not "auto"): shard ids mean nothing without it',
			);
		}
		if (ids === undefined) return { count, ids: Array.from({ length: count }, (_, id) => id) };
		const outOfRange = ids.filter((id) => id >= count);
		if (outOfRange.length > 0) {
			return problem(`lists ${outOfRange.join(', ')}, but SHARD_COUNT=${count} means shard ids 0–${count - 1}`);
		}
		const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
		if (repeated.length > 0) return problem(`lists ${[...new Set(repeated)].join(', ')} more than once`);
		return { count, ids: [...ids].sort((a, b) => a - b) };
	});

export class ConfigError extends Error {
	public constructor(public readonly problems: string[]) {
		super(
			`The bot cannot start: ${problems.length === 1 ? 'a setting needs' : `${problems.length} settings need`} attention.\n` +
				problems.map((problem) => `  - ${problem}`).join('\n') +
				'\nSet them in a .env file next to package.json (copy .env.example) or in the environment.',
		);
		this.name = 'ConfigError';
	}
}

/** Validates the environment. Reports every problem at once; never includes a secret's value in a message. */
export function parseConfig(env: Record<string, string | undefined>): Config {
	const result = checkedSchema.safeParse(env);
	const shards = shardSchema.safeParse(env);
	if (!result.success || !shards.success) {
		const issues = [...(result.error?.issues ?? []), ...(shards.error?.issues ?? [])];
		const problems = issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`);
		throw new ConfigError([...new Set(problems)]);
	}
	const value = result.data;
	return {
		discordToken: value.DISCORD_TOKEN,
		mjApiKey: value.MJ_API_KEY,
		mjApiUrl: value.MJ_API_URL ?? 'https://api.kie.ai',
		discordApiUrl: value.DISCORD_API_URL,
		publicUrl: value.PUBLIC_URL,
		port: value.PORT,
		host: value.HOST ?? '0.0.0.0',
		storeUrl: value.STORE_URL ?? 'sqlite://./data/bot.sqlite',
		storeTimeoutMs: value.STORE_TIMEOUT_MS,
		callbackSecret: value.CALLBACK_SECRET,
		mjWebhookHmacKey: value.MJ_WEBHOOK_HMAC_KEY,
		devGuildId: value.DEV_GUILD_ID,
		logLevel: value.LOG_LEVEL ?? 'info',
		logFormat: value.LOG_FORMAT ?? 'auto',
		mjTimeoutMs: value.MJ_TIMEOUT_MS,
		pollIntervalMs: value.POLL_INTERVAL_MS,
		jobTimeoutMs: value.JOB_TIMEOUT_MS,
		callbackGraceMs: value.CALLBACK_GRACE_MS,
		submitLimit: { limit: value.MJ_SUBMIT_LIMIT, windowMs: value.MJ_SUBMIT_WINDOW_MS },
		queryRatePerSecond: value.MJ_QUERY_RATE,
		retryBaseMs: value.MJ_RETRY_BASE_MS,
		adoptionWindowMs: value.ADOPTION_WINDOW_MS,
		refusalNoticeDeleteMs: value.REFUSAL_NOTICE_DELETE_MS,
		shards: shards.data,
		downloadAllowHosts: value.DOWNLOAD_ALLOW_HOSTS,
		http: {
			headersTimeoutMs: value.HTTP_HEADERS_TIMEOUT_MS,
			requestTimeoutMs: value.HTTP_REQUEST_TIMEOUT_MS,
			keepAliveTimeoutMs: value.HTTP_KEEP_ALIVE_TIMEOUT_MS,
			maxConnections: value.HTTP_MAX_CONNECTIONS,
		},
		metrics: { port: value.METRICS_PORT, host: value.METRICS_HOST ?? '127.0.0.1', token: value.METRICS_TOKEN },
	};
}

/** Reads `.env` (when present) into the process environment, then validates it. Only the entry points call this. */
export function loadConfig(envFile = '.env'): Config {
	if (existsSync(envFile)) process.loadEnvFile(envFile);
	return parseConfig(process.env);
}
