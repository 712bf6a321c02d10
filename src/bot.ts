/**
 * The composition root: config → store → API client → Discord client → jobs → HTTP server.
 * `index.ts` runs it as a process; the end-to-end tests run the very same thing against local fakes.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Client } from 'discord.js';
import { createResultActions, ResultIndexingPublisher, type ResultActions } from './actions/index.js';
import { createMjClient, type MjClient } from './api/client.js';
import { providerKeyId } from './api/keyId.js';
import { commandMap } from './commands/index.js';
import { registerCommands } from './commands/register.js';
import type { Config } from './config.js';
import { createDiscordClient } from './discord/client.js';
import { logInviteUrl } from './discord/invite.js';
import { tellAdminsKeyRefused } from './discord/keyRefusedNotice.js';
import { DEFAULT_UPLOAD_LIMIT_BYTES, DiscordPublisher } from './discord/publisher.js';
import { registerEvents } from './events/index.js';
import { Foreground } from './foreground.js';
import type { JobServiceOptions } from './jobs/contracts.js';
import { PendingPrompts } from './jobs/pendingPrompts.js';
import { JobRepository } from './jobs/repository.js';
import { JobService } from './jobs/service.js';
import { protectSecrets, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { appGuard, createApp, type AppDependencies } from './server/app.js';
import { callbackUrlFor, resolveCallbackSecret } from './server/callbackSigning.js';
import { boundPort, listen } from './server/listen.js';
import { createMetricsApp } from './server/metricsRoute.js';
import { cachedCheck, storeAnswers } from './server/readiness.js';
import { BudgetLedger } from './settings/budget.js';
import { costTable } from './settings/costs.js';
import type { EncryptionKeys } from './settings/keyCipher.js';
import { KeyVault } from './settings/keyVault.js';
import { ServerKeys } from './settings/serverKeys.js';
import { SettingsService } from './settings/service.js';
import { parseStoreUrl } from './store/backend.js';
import { createClaims, type Claims } from './store/claims.js';
import { createStore, type Store } from './store/store.js';

export interface BotOptions {
	config: Config;
	logger: Logger;
}

export interface Bot {
	client: Client;
	jobs: JobService;
	/** Server and member settings, and the rules and limits every job passes. */
	settings: SettingsService;
	/** Servers' own provider keys. */
	keys: ServerKeys;
	store: Store;
	/** The HTTP port actually bound (useful with PORT=0). */
	port: number;
	/** The metrics listener's port, when METRICS_PORT is set. */
	metricsPort: number | undefined;
	stop(): Promise<void>;
}

/** How long shutdown waits for in-flight deliveries before closing the store anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
/** `/readyz` asks the store at most this often, and waits at most this long for its answer. */
const READINESS_MAX_AGE_MS = 2_000;
const READINESS_TIMEOUT_MS = 1_000;

/** Everything the bot is made of, built once per process and passed in (nothing builds its own copy). */
interface Services {
	store: Store;
	claims: Claims;
	repository: JobRepository;
	settings: SettingsService;
	metrics: Metrics;
	api: MjClient;
	client: Client;
	jobs: JobService;
	keys: ServerKeys;
	callbackSecret: string;
	/** Callbacks being answered: results are confirmed and delivered after them. */
	foreground: Foreground;
}

export async function startBot({ config, logger }: BotOptions): Promise<Bot> {
	const services = await buildServices(config, logger);
	const http = await startHttp(config, services, logger);
	const actions = await connectGateway(config, services, logger);
	const { client, jobs, settings, store, claims, keys } = services;
	let stopping: Promise<void> | undefined;
	return {
		client,
		jobs,
		settings,
		keys,
		store,
		port: http.port,
		metricsPort: http.metricsPort,
		async stop() {
			stopping ??= (async () => {
				// Stop taking callbacks and interactions first, then let running work finish, then close the store.
				await Promise.all(
					http.servers.map(async (listener) => new Promise<void>((resolve) => listener.close(() => resolve()))),
				);
				actions.stop();
				await client.destroy();
				await Promise.race([jobs.stop(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
				await Promise.all([store.close(), claims.close()]);
				logger.info('Stopped');
			})();
			return stopping;
		},
	};
}

/** The secrets of the configuration, in every form they could be logged in. */
function configSecrets(config: Config): (string | undefined)[] {
	return [
		config.discordToken,
		config.mjApiKey,
		config.mjWebhookHmacKey,
		config.callbackSecret,
		config.metrics.token,
		...encryptionKeyForms(config.keyEncryption),
	];
}

/** What lets each server pay for itself: its own key (sealed in the vault) and its budgets. */
function buildTenancy(
	config: Config,
	{ store, claims, client, logger }: { store: Store; claims: Claims; client: Client; logger: Logger },
) {
	const protect = (secrets: readonly string[]): void => protectSecrets(logger, secrets);
	// A replaced key is kept while a job it paid for can still be open: a submit sent with it (another process may use
	// it for a minute after the change), its window for adoption, then its time-out.
	const retainRetiredMs = config.mjTimeoutMs + 5_000 + config.adoptionWindowMs + config.jobTimeoutMs + 60_000;
	const vault = config.keyEncryption
		? new KeyVault(store, claims, config.keyEncryption, { protect, retainRetiredMs })
		: undefined;
	const keys = new ServerKeys(store, claims, {
		vault,
		required: config.serverKeyRequired,
		tellAdmins: async (guildId, key) => tellAdminsKeyRefused(client.rest, guildId, key),
	});
	const budget = { ledger: new BudgetLedger(store, claims), costs: costTable(config.costOverrides) };
	if (vault && config.keyEncryption?.previous) resealAtStart(vault, logger);
	return { keys, budget };
}

/**
 * Started with a previous encryption key: a rotation is under way. Every record (servers' keys and the retired ones
 * kept for their jobs) is sealed again under the new key now, so that the previous key can be dropped once this is
 * logged.
 */
function resealAtStart(vault: KeyVault, logger: Logger): void {
	void vault.rotateAll().then(
		(outcome) =>
			outcome.unreadable.length === 0
				? logger.info(outcome, 'Every server key is sealed under the new encryption key')
				: logger.warn(
						outcome,
						'Some server keys could not be opened to seal them again (neither encryption key opens them); the rest are sealed under the new one',
					),
		(error: unknown) =>
			logger.warn({ err: error }, 'Could not seal the server keys again under the new encryption key'),
	);
}

async function buildServices(config: Config, logger: Logger): Promise<Services> {
	// Whatever is logged from here on, these never reach a log line (see logScrubber.ts).
	protectSecrets(logger, configSecrets(config));
	const store = createStore(config.storeUrl, { timeoutMs: config.storeTimeoutMs, logger });
	const callbackSecret = await resolveCallbackSecret(config.callbackSecret, store);
	protectSecrets(logger, [callbackSecret]);
	const api = createMjClient({
		baseUrl: config.mjApiUrl,
		apiKey: config.mjApiKey,
		timeoutMs: config.mjTimeoutMs,
		imageIndexBase: config.mjImageIndexBase,
	});
	const client = createDiscordClient({ shards: config.shards, apiUrl: config.discordApiUrl });
	client.on('error', (error) => logger.error({ err: error }, 'Discord client error'));
	// One of each per process: the repository's per-job lock serialises every writer of a job in it, and the claims
	// keep a connection of their own to the store.
	const claims = createClaims(config.storeUrl, Date.now, { timeoutMs: config.storeTimeoutMs });
	const repository = new JobRepository(store);
	const { keys, budget } = buildTenancy(config, { store, claims, client, logger });
	const settings = new SettingsService(store, repository, claims, logger, { budget });
	const metrics = createMetrics();
	const foreground = new Foreground();
	const publisher = new ResultIndexingPublisher(
		new DiscordPublisher(client.rest, logger, async (guildId) => settings.emojiFor(guildId)),
		store,
		logger,
	);
	const jobs = new JobService({
		...jobOptions(config, callbackSecret),
		keys,
		...(config.mjApiKey ? { defaultKeyId: providerKeyId(config.mjApiKey) } : {}),
		// A failed job costs nothing: what was reserved for it goes back to the server's budgets.
		onFailed: (job) => void settings.refundCost(job.id, job.target.guildId),
		repository,
		claims,
		metrics,
		api,
		publisher,
		logger,
		foreground,
	});
	return { store, claims, repository, settings, metrics, api, client, jobs, keys, callbackSecret, foreground };
}

/** The encryption keys as they may be written (hex, base64, base64url): none of them may reach a log line. */
function encryptionKeyForms(keys: EncryptionKeys | undefined): string[] {
	return [keys?.current, keys?.previous]
		.filter((key): key is Buffer => key !== undefined)
		.flatMap((key) => [key.toString('hex'), key.toString('base64'), key.toString('base64url')]);
}

/** The job service's settings, as the configuration gives them. */
function jobOptions(
	config: Config,
	callbackSecret: string,
): Omit<JobServiceOptions, 'repository' | 'claims' | 'metrics' | 'api' | 'publisher' | 'logger'> {
	const { publicUrl } = config;
	return {
		callbackUrlFor: (jobId) => (publicUrl ? callbackUrlFor(publicUrl, callbackSecret, jobId) : undefined),
		poll: { firstDelayMs: config.pollIntervalMs, callbackGraceMs: config.callbackGraceMs, maxDelayMs: 30_000 },
		jobTimeoutMs: config.jobTimeoutMs,
		submitLimit: config.submitLimit,
		queryRatePerSecond: config.queryRatePerSecond,
		// A Redis store is how several processes share one account: they split its limits through the store.
		shareLimits: parseStoreUrl(config.storeUrl).kind === 'redis',
		retryBaseMs: config.retryBaseMs,
		// A request in flight longer than the client's time-out (plus a margin for clocks) can no longer be answered.
		adoption: {
			windowMs: config.adoptionWindowMs,
			requestDeadlineMs: config.mjTimeoutMs + 5_000,
			callbacks: publicUrl !== undefined,
		},
		download: { maxBytes: DEFAULT_UPLOAD_LIMIT_BYTES * 5, timeoutMs: 60_000, allowHosts: config.downloadAllowHosts },
		deliveryRetry: config.deliveryRetry,
	};
}

/** The callback port (and the metrics port, when it has one of its own), listening. */
async function startHttp(
	config: Config,
	{ store, jobs, client, metrics, callbackSecret, foreground }: Services,
	logger: Logger,
): Promise<{ servers: Server[]; port: number; metricsPort: number | undefined }> {
	const storeReady = cachedCheck(async () => storeAnswers(store), {
		maxAgeMs: READINESS_MAX_AGE_MS,
		timeoutMs: READINESS_TIMEOUT_MS,
	});
	const appDependencies: AppDependencies = {
		acceptCallback: async (jobId, report) => jobs.acceptCallback(jobId, report),
		callbackSecret,
		providerWebhookKey: config.mjWebhookHmacKey,
		logger,
		metrics,
		foreground,
		metricsToken: config.metrics.token,
		readiness: async () => ({ gateway: client.isReady(), store: await storeReady() }),
	};
	const app = createApp(appDependencies);
	const guard = appGuard(appDependencies);
	const server = await listen(app.fetch, { port: config.port, hostname: config.host, limits: config.http, guard });
	const port = boundPort(server);
	const mode = config.publicUrl ? 'callbacks' : 'polling';
	logger.info({ port, host: config.host, mode }, 'HTTP server listening');
	if (config.metrics.port === undefined) return { servers: [server], port, metricsPort: undefined };
	const metricsServer = await listen(createMetricsApp(metrics, config.metrics.token).fetch, {
		port: config.metrics.port,
		hostname: config.metrics.host,
		limits: config.http,
	});
	const metricsPort = boundPort(metricsServer);
	logger.info({ port: metricsPort, host: config.metrics.host }, 'Metrics listening');
	return { servers: [server, metricsServer], port, metricsPort };
}

/** Takes commands and reactions, connects to Discord, brings the commands up to date and resumes unfinished jobs. */
async function connectGateway(config: Config, services: Services, logger: Logger): Promise<ResultActions> {
	const { store, claims, repository, jobs, client, settings, api, keys } = services;
	// Jobs started from results pass the same rules and limits as commands.
	const actions = createResultActions({
		store,
		repository,
		claims,
		jobs,
		rest: client.rest,
		logger,
		gate: settings,
		emojiFor: async (guildId) => settings.emojiFor(guildId),
		blockedWordsFor: async (guildId) => (await settings.settings.server(guildId)).blockedWords ?? [],
		languageFor: async (guildId) => (await settings.settings.server(guildId)).language,
		downloadAllowHosts: config.downloadAllowHosts,
		commandGuildId: config.devGuildId,
		noticeDeleteAfterMs: config.refusalNoticeDeleteMs,
	});
	const pendingPrompts = new PendingPrompts(store);
	registerEvents(client, { jobs, logger, commands: commandMap(), actions, settings, api, pendingPrompts, keys });
	const ready = once(client, 'clientReady');
	await client.login(config.discordToken);
	await ready;
	const applicationId = client.application!.id;
	try {
		await registerCommands({ rest: client.rest, applicationId, guildId: config.devGuildId, store, logger });
	} catch (error) {
		// Commands registered earlier still work; a member-facing outage is worse than stale definitions.
		logger.error({ err: error }, 'Could not register slash commands');
	}
	logInviteUrl(logger, applicationId);
	const resumed = await jobs.resume();
	if (resumed > 0) logger.info({ count: resumed }, 'Resumed unfinished jobs');
	await actions.start();
	return actions;
}
