/**
 * The environment, turned into one typed and validated object. Nothing else in the bot reads `process.env`.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;

/**
 * The gateway shards this process runs: `auto` = as many as Discord recommends, all here; otherwise `ids` (sorted,
 * by default all of 0…count−1) out of `count` shards across every process of the bot.
 */
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

/** An optional port: unset stays unset (unless given a default). */
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

/**
 * A 32-byte encryption key, as base64 (44 characters, e.g. from `openssl rand -base64 32`) or 64 hex digits. The
 * problem reported never quotes the value: it is a secret.
 */
const encryptionKey = optionalString.transform((value, ctx): Buffer | undefined => {
	if (value === undefined) return undefined;
	const bytes = /^[0-9a-fA-F]{64}$/.test(value)
		? Buffer.from(value, 'hex')
		: /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
			? Buffer.from(value, 'base64')
			: undefined;
	if (bytes?.length !== 32) {
		ctx.addIssue({
			code: 'custom',
			message: 'must be 32 random bytes as base64 or 64 hex digits (generate one with: openssl rand -base64 32)',
		});
		return z.NEVER;
	}
	return bytes;
});

/** The action names the cost table knows, and the speeds it is kept by (those of the provider's API). */
export const COST_ACTIONS = [
	'imagine',
	'remix',
	'style',
	'omni',
	'animate',
	'animate_hd',
	'vary',
	'upscale',
	'extend',
] as const;
export type CostAction = (typeof COST_ACTIONS)[number];
export const COST_SPEEDS = ['relaxed', 'fast', 'turbo'] as const;
export type CostSpeed = (typeof COST_SPEEDS)[number];

/** Credits: non-negative, at most two decimals (the provider's prices are whole or half credits). */
const credits = z
	.number()
	.nonnegative()
	.max(1_000_000)
	.refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'must have at most two decimals');
/** An action's cost: one number for every speed, or some speeds' each. */
const actionCost = z.union([credits, z.strictObject({ relaxed: credits, fast: credits, turbo: credits }).partial()]);
const costOverridesSchema = z.strictObject(
	Object.fromEntries(COST_ACTIONS.map((action) => [action, actionCost.optional()])) as Record<
		CostAction,
		z.ZodOptional<typeof actionCost>
	>,
);
export type CostOverrides = z.output<typeof costOverridesSchema>;

/** `COSTS_JSON`: the operator's corrections to the default cost table, as JSON. */
const costOverrides = optionalString.transform((value, ctx): CostOverrides => {
	if (value === undefined) return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(value);
	} catch {
		ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"imagine":{"fast":8},"animate":60}' });
		return z.NEVER;
	}
	const result = costOverridesSchema.safeParse(parsed);
	if (!result.success) {
		const issue = result.error.issues[0]!;
		const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
		ctx.addIssue({
			code: 'custom',
			message: `${issue.message}${where} (actions: ${COST_ACTIONS.join(', ')}; speeds: ${COST_SPEEDS.join(', ')}; values: credits ≥ 0)`,
		});
		return z.NEVER;
	}
	return result.data;
});

/** Each variable checked on its own, unset or empty ones given their default: every default is stated here, once. */
const variables = z.object({
	DISCORD_TOKEN: z
		.string({ error: `is required: ${HELP.DISCORD_TOKEN}` })
		.trim()
		.min(1, `is required: ${HELP.DISCORD_TOKEN}`),
	MJ_API_KEY: optionalString,
	SERVER_KEY_REQUIRED: optionalString
		.pipe(z.enum(['true', 'false'], { error: 'must be true or false' }).optional())
		.default('false')
		.transform((value) => value === 'true'),
	MJ_API_URL: optionalString.pipe(httpUrl('MJ_API_URL').optional()).default('https://api.kie.ai'),
	DISCORD_API_URL: optionalString.pipe(httpUrl('DISCORD_API_URL').optional()),
	PUBLIC_URL: optionalString.pipe(httpUrl('PUBLIC_URL').optional()),
	PORT: optionalPort.default(3000),
	HOST: optionalString.default('0.0.0.0'),
	STORE_URL: optionalString
		.default('sqlite://./data/bot.sqlite')
		.refine((value) => /^(sqlite|memory|redis|rediss):\/\//.test(value), {
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
	MJ_IMAGE_INDEX_BASE: optionalString
		.pipe(z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional())
		.default('0')
		.transform((value): 0 | 1 => (value === '1' ? 1 : 0)),
	ADOPTION_WINDOW_MS: positiveInt(45 * 60_000),
	DELIVERY_RETRY_BASE_MS: positiveInt(1_000),
	DELIVERY_RETRY_MAX_MS: positiveInt(5 * 60_000),
	DELIVERY_GIVE_UP_MS: positiveInt(6 * 60 * 60_000),
	DOWNLOAD_ALLOW_HOSTS: hostList,
	REFUSAL_NOTICE_DELETE_MS: positiveInt(30_000),
	HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
	HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
	HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
	HTTP_MAX_CONNECTIONS: positiveInt(1_000),
	METRICS_PORT: optionalPort,
	METRICS_HOST: optionalString.default('127.0.0.1'),
	KEY_ENCRYPTION_KEY: encryptionKey,
	KEY_ENCRYPTION_KEY_PREVIOUS: encryptionKey,
	COSTS_JSON: costOverrides,
	METRICS_TOKEN: optionalString.pipe(
		z
			.string()
			.min(16, 'must be at least 16 characters')
			// What an Authorization: Bearer value may hold (RFC 6750).
			.regex(/^[A-Za-z0-9._~+/-]+=*$/, 'may hold only letters, digits and . _ ~ + / - (then = padding)')
			.optional(),
	),
});

/** Whether a variable has a value (as parsed, or as given when another variable failed). */
function present(value: unknown): boolean {
	return value instanceof Buffer || (typeof value === 'string' && value.trim() !== '');
}

/** Node refuses a server whose headers may take longer than the whole request. */
const checkedVariables = variables
	.refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
		path: ['HTTP_HEADERS_TIMEOUT_MS'],
		message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS',
	})
	// Without a default key, every server brings its own: that needs the encryption key. Checked even when another
	// variable is wrong, so that every problem is reported at once.
	.refine((env) => present(env.MJ_API_KEY) || present(env.KEY_ENCRYPTION_KEY), {
		path: ['MJ_API_KEY'],
		message: `is required: ${HELP.MJ_API_KEY} (or set KEY_ENCRYPTION_KEY, so that each server brings its own key)`,
		when: () => true,
	})
	// A previous key only decrypts what a rotation has not re-encrypted yet: under the current key.
	.refine((env) => env.KEY_ENCRYPTION_KEY_PREVIOUS === undefined || env.KEY_ENCRYPTION_KEY !== undefined, {
		path: ['KEY_ENCRYPTION_KEY_PREVIOUS'],
		message: 'needs KEY_ENCRYPTION_KEY (the new key) beside it',
	});

/** SHARD_COUNT and SHARD_IDS, checked together (each on its own first, then against each other). */
const shardPlan = z
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

/**
 * The whole configuration: the variables and the shard plan, each checked even when the other fails (so every problem
 * is reported at once), then named and grouped as the bot uses them. {@link Config} is what this produces.
 */
type Variables = z.output<typeof checkedVariables>;

/** Discord, the store, the callback listener and the logs. */
function connectionSettings(env: Variables) {
	return {
		discordToken: env.DISCORD_TOKEN,
		/** Base URL of Discord's REST API without the version, e.g. `https://discord.com/api`; undefined = discord.js default. */
		discordApiUrl: env.DISCORD_API_URL,
		/** Public base URL under which the provider can reach our callback route; undefined = poll instead. */
		publicUrl: env.PUBLIC_URL,
		port: env.PORT,
		host: env.HOST,
		storeUrl: env.STORE_URL,
		/** How long one store call may take before it counts as the store being unavailable. */
		storeTimeoutMs: env.STORE_TIMEOUT_MS,
		callbackSecret: env.CALLBACK_SECRET,
		devGuildId: env.DEV_GUILD_ID,
		logLevel: env.LOG_LEVEL,
		/** `json` lines, `pretty` readable lines, or `auto`: pretty when standard output is a terminal. */
		logFormat: env.LOG_FORMAT,
	};
}

/** The provider: who pays (the operator's key, servers' own keys), its address, limits and prices. */
function providerSettings(env: Variables) {
	return {
		/** The operator's default provider key; undefined: every server must bring its own. */
		mjApiKey: env.MJ_API_KEY,
		/** Servers without their own key may not generate (always so without a default key). */
		serverKeyRequired: env.SERVER_KEY_REQUIRED || env.MJ_API_KEY === undefined,
		mjApiUrl: env.MJ_API_URL,
		mjWebhookHmacKey: env.MJ_WEBHOOK_HMAC_KEY,
		/** Time-out of each call to the provider. */
		mjTimeoutMs: env.MJ_TIMEOUT_MS,
		/** The provider's limit on new tasks: at most `limit` per `windowMs`. */
		submitLimit: { limit: env.MJ_SUBMIT_LIMIT, windowMs: env.MJ_SUBMIT_WINDOW_MS },
		/** The provider's limit on status queries, per second. */
		queryRatePerSecond: env.MJ_QUERY_RATE,
		/** First back-off after a 429/455 (or a request that never left); later ones grow from it. */
		retryBaseMs: env.MJ_RETRY_BASE_MS,
		/** The provider's number for the first image of a grid (and video of a batch): its pages say 0 and 1. */
		mjImageIndexBase: env.MJ_IMAGE_INDEX_BASE,
		/**
		 * The key that encrypts servers' own provider keys at rest (`current`), and the one before it (`previous`) while
		 * a rotation is under way. Undefined: servers cannot bring their own key.
		 */
		keyEncryption:
			env.KEY_ENCRYPTION_KEY === undefined
				? undefined
				: {
						current: env.KEY_ENCRYPTION_KEY,
						...(env.KEY_ENCRYPTION_KEY_PREVIOUS === undefined ? {} : { previous: env.KEY_ENCRYPTION_KEY_PREVIOUS }),
					},
		/** The operator's corrections to the default cost of each action (see settings/costs.ts). */
		costOverrides: env.COSTS_JSON,
	};
}

/** How jobs are followed, given up on and delivered. */
function jobSettings(env: Variables) {
	return {
		/** Interval of the first polls of a job without callbacks; it backs off from there. */
		pollIntervalMs: env.POLL_INTERVAL_MS,
		/** A job still unfinished after this long is marked failed. */
		jobTimeoutMs: env.JOB_TIMEOUT_MS,
		/** With callbacks on, a job whose callback is this late is polled as a safety net. */
		callbackGraceMs: env.CALLBACK_GRACE_MS,
		/** How long a job whose submit had no clear answer stays open for the provider's callback to name its task. */
		adoptionWindowMs: env.ADOPTION_WINDOW_MS,
		/**
		 * A result Discord could not take (5xx, resets) is tried again after `baseMs`, then five times longer each time up
		 * to `maxMs`, until `giveUpMs` after the job's end; then the member is told it could not be posted.
		 */
		deliveryRetry: {
			baseMs: env.DELIVERY_RETRY_BASE_MS,
			maxMs: env.DELIVERY_RETRY_MAX_MS,
			giveUpMs: env.DELIVERY_GIVE_UP_MS,
		},
		/** How long a reaction's refusal told in the channel (the member's DMs closed) stays before it deletes itself. */
		refusalNoticeDeleteMs: env.REFUSAL_NOTICE_DELETE_MS,
		/**
		 * Hosts result files may be downloaded from without the public-address check, as `host` (any port) or `host:port`,
		 * lower-case and normalised as in a URL (`[::1]:8080` for IPv6).
		 */
		downloadAllowHosts: env.DOWNLOAD_ALLOW_HOSTS,
	};
}

/** Bounds of the HTTP server and where metrics are served. */
function httpSettings(env: Variables) {
	return {
		/** Bounds of the HTTP server, so slow or idle clients cannot hold it (slowloris). */
		http: {
			/** A client must have sent its request's headers within this long of connecting. */
			headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
			/** …and the whole request (headers and body) within this long. */
			requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
			/** An idle kept-alive connection is closed after this long. */
			keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
			/** Connections beyond this many at once are refused. */
			maxConnections: env.HTTP_MAX_CONNECTIONS,
		},
		/**
		 * Where `/metrics` is served: on a listener of its own when `port` is set (bound to `host`, loopback by default),
		 * and on the main port only to requests bearing `token`. With neither, nowhere.
		 */
		metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST, token: env.METRICS_TOKEN },
	};
}

const configSchema = z
	.object({ variables: checkedVariables, shards: shardPlan })
	.transform(({ variables: env, shards }) => ({
		...connectionSettings(env),
		/** The gateway shards this process runs (see {@link ShardPlan}). */
		shards,
		...providerSettings(env),
		...jobSettings(env),
		...httpSettings(env),
	}));

export type Config = z.output<typeof configSchema>;
export type HttpLimits = Config['http'];

/** Validates the environment. Reports every problem at once; never includes a secret's value in a message. */
export function parseConfig(env: Record<string, string | undefined>): Config {
	// Both parts read the same variables.
	const result = configSchema.safeParse({ variables: env, shards: env });
	if (!result.success) {
		// Each issue's path is [part, variable]: the problem is reported under the variable's name.
		const problems = result.error.issues.map((issue) => `${String(issue.path[1] ?? 'environment')} ${issue.message}`);
		throw new ConfigError([...new Set(problems)]);
	}
	return result.data;
}

/** Reads `.env` (when present) into the process environment, then validates it. Only the entry points call this. */
export function loadConfig(envFile = '.env'): Config {
	if (existsSync(envFile)) process.loadEnvFile(envFile);
	return parseConfig(process.env);
}
