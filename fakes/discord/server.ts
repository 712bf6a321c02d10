import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addApplicationRoutes } from './applicationRoutes.js';
import { Cdn } from './cdn.js';
import { addChannelRoutes } from './channelRoutes.js';
import { CommandStore } from './commands.js';
import { GuildEmojis, addEmojiRoutes } from './emojis.js';
import { Gateway } from './gateway.js';
import { describe, readBody, send } from './http.js';
import { shardOf } from './ids.js';
import { addInteractionRoutes } from './interactionRoutes.js';
import { DEFAULT_UPLOAD_LIMIT_BYTES, Interactions } from './interactions.js';
import { DEFAULT_NONCE_WINDOW_MS, MessageStore } from './messages.js';
import { parseBody } from './multipart.js';
import { DEFAULT_OPENAPI_PATH, openApiValidator } from './openapi.js';
import type { OpenApiValidator } from './openapi.js';
import { PathMatcher } from './paths.js';
import { reactionEvent } from './reactions.js';
import type { FakeState, RouteDefinition } from './state.js';
import type {
	FailureSpec,
	FakeDiscord,
	FakeDiscordOptions,
	HostedAttachment,
	InteractionHandle,
	RecordedFile,
	RecordedRequest,
} from './types.js';
import { ERRORS, createSnowflakes } from './util.js';
import type { FakeResponse } from './util.js';
import { World } from './world.js';

const API_PREFIX = '/api/v10';

interface Waiter {
	predicate: (request: RecordedRequest) => boolean;
	resolve: (request: RecordedRequest) => void;
	/** Gives up: clears the timer and rejects. */
	cancel: (reason: string) => void;
}

interface Failure extends FailureSpec {
	predicate: (request: RecordedRequest) => boolean;
	remaining: number;
}

interface Hold {
	predicate: (request: RecordedRequest) => boolean;
	arrived: () => void;
	released: Promise<void>;
}

/** Starts a fake Discord (REST under /api/v10, gateway at /gateway, CDN under /attachments) on 127.0.0.1, port 0. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
	const validator: OpenApiValidator | undefined =
		options.validate === false
			? undefined
			: openApiValidator(options.openApiPath ?? process.env['DISCORD_OPENAPI_PATH'] ?? DEFAULT_OPENAPI_PATH);
	const uploadLimit = options.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
	const shardCount = options.shards ?? 1;
	if (!Number.isInteger(shardCount) || shardCount < 1)
		throw new Error('Fake Discord: shards must be a positive integer');
	const newId = createSnowflakes();
	let baseUrl = '';
	const world = new World(newId);
	const warnings: string[] = [];
	const cdn = new Cdn(newId, () => baseUrl);
	const emojis = new GuildEmojis(newId);
	const store = new MessageStore(world, cdn, newId, warnings, (emojiId) => emojis.has(emojiId));
	const commands = new CommandStore(world.ids.application, newId);
	const interactions = new Interactions(
		world,
		store,
		newId,
		(name, guildId) => commands.lookup(name, guildId),
		uploadLimit,
	);
	const requests: RecordedRequest[] = [];
	const violations: string[] = [];
	const state: FakeState = {
		world,
		store,
		interactions,
		commands,
		newId,
		baseUrl: () => baseUrl,
		warnings,
		violations,
		gatewayBot: { shards: shardCount, maxConcurrency: options.maxConcurrency ?? shardCount },
		nonceWindowMs: options.nonceWindowMs ?? DEFAULT_NONCE_WINDOW_MS,
		reactions: new Map(),
		commandPermissions: new Map(),
	};
	const routes = new PathMatcher<RouteDefinition>();
	addApplicationRoutes(routes, state);
	addInteractionRoutes(routes, state);
	addChannelRoutes(routes, state);
	addEmojiRoutes(routes, state, emojis);

	let waiters: Waiter[] = [];
	const requestListeners = new Set<(request: RecordedRequest) => void>();
	const failures: Failure[] = [];
	const holds: Hold[] = [];

	const route = (record: Omit<RecordedRequest, 'response'>, problems: string[]): FakeResponse => {
		const match = routes.match(record.path);
		if (!match) {
			violations.push(`unknown route ${record.method} ${record.path}`);
			return ERRORS.unknownRoute();
		}
		const handler = match.value.handlers[record.method as keyof RouteDefinition['handlers']];
		if (!handler) {
			violations.push(`unknown route ${record.method} ${record.path}`);
			return ERRORS.methodNotAllowed();
		}
		if (match.value.auth === 'bot' && !/^Bot \S+/.test(record.auth ?? '')) return ERRORS.unauthorized();
		if (match.value.auth === 'webhook' && record.auth !== undefined) {
			warnings.push(
				`${record.method} ${match.template} was sent with an Authorization header: a 401 for an expired token would make discord.js drop the bot token (use auth: false)`,
			);
		}
		if (validator) {
			const found = validator.validate(record.method, record.path, record.body);
			problems.push(...found);
		}
		violations.push(...problems);
		const failure = failures.find(
			(entry) => entry.remaining > 0 && entry.predicate({ ...record, response: { status: 0, body: undefined } }),
		);
		if (failure) {
			failure.remaining--;
			// The request takes effect, and only its answer is lost (a time-out after the fact).
			if (failure.handled) handler({ ...record, params: match.params });
			return {
				status: failure.status,
				body: failure.body,
				...(failure.headers ? { headers: failure.headers } : {}),
				...(failure.raw ? { raw: failure.raw } : {}),
				...(failure.reset ? { reset: true } : {}),
			};
		}
		if (options.rejectInvalidBodies && problems.length)
			return ERRORS.invalidFormBody({ _errors: problems.map((message) => ({ code: 'FAKE_SCHEMA', message })) });
		// The limit applies to each file in a request (Reference, "Uploading Files").
		if (record.files.some((file) => file.data.length > uploadLimit)) return ERRORS.tooLarge();
		return handler({ ...record, params: match.params });
	};

	const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = (req.method ?? 'GET').toUpperCase();
		const raw = await readBody(req);
		let decoded: string;
		try {
			decoded = decodeURIComponent(url.pathname);
		} catch {
			decoded = url.pathname;
		}
		const auth = req.headers.authorization;
		const base = { method, query: url.searchParams, auth, body: undefined as unknown, files: [] as RecordedFile[] };
		let response: FakeResponse;
		let record: RecordedRequest;
		if (decoded.startsWith('/attachments/')) {
			record = { ...base, path: decoded, response: { status: 0, body: undefined } };
			response = (method === 'GET' && cdn.download(decoded)) || {
				status: 404,
				body: { message: '404: Not Found', code: 0 },
			};
		} else if (!decoded.startsWith(`${API_PREFIX}/`)) {
			record = { ...base, path: decoded, response: { status: 0, body: undefined } };
			violations.push(`unknown route ${method} ${decoded}`);
			response = ERRORS.unknownRoute();
		} else {
			const path = decoded.slice(API_PREFIX.length);
			const parsed = await parseBody(req.headers['content-type'], raw);
			if (!parsed.ok) {
				record = { ...base, path, response: { status: 0, body: undefined } };
				violations.push(...parsed.problems.map((problem) => `${method} ${path}: ${problem}`));
				response = ERRORS.invalidJson();
			} else {
				const partial = { ...base, path, body: parsed.body, files: parsed.files };
				const problems = parsed.problems.map((problem) => `${method} ${path}: ${problem}`);
				const hold = holds.find((entry) => entry.predicate({ ...partial, response: { status: 0, body: undefined } }));
				if (hold) {
					holds.splice(holds.indexOf(hold), 1);
					hold.arrived();
					await hold.released;
				}
				try {
					response = route(partial, problems);
				} catch (error) {
					violations.push(
						`${method} ${path}: the fake crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
					);
					response = { status: 500, body: { message: '500: Internal Server Error (fake)', code: 0 } };
				}
				record = { ...partial, response: { status: 0, body: undefined } };
			}
		}
		record.response = { status: response.status, body: response.raw ? undefined : response.body };
		requests.push(record);
		const ready = waiters.filter((waiter) => waiter.predicate(record));
		waiters = waiters.filter((waiter) => !ready.includes(waiter));
		for (const waiter of ready) waiter.resolve(record);
		for (const listener of requestListeners) listener(record);
		if (response.reset) res.socket?.destroy();
		else send(res, response);
	};

	const server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => {
			violations.push(`the fake crashed: ${String(error)}`);
			if (!res.headersSent) send(res, { status: 500, body: { message: '500: Internal Server Error (fake)', code: 0 } });
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	baseUrl = `http://127.0.0.1:${port}`;
	const gateway = new Gateway({
		server,
		world,
		heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
		warnings,
		gatewayUrl: () => `ws://127.0.0.1:${port}/gateway`,
	});

	const interactionCreate = (payload: unknown, handle: InteractionHandle): InteractionHandle => {
		gateway.dispatch('INTERACTION_CREATE', payload);
		return handle;
	};

	const fake: FakeDiscord = {
		apiUrl: `${baseUrl}/api`,
		baseUrl,
		ids: world.ids,
		requests,
		violations,
		warnings,
		droppedDispatches: gateway.dropped,
		messages: store.messages,
		commands: { global: commands.global, guild: commands.guild },
		identified: gateway.identified,
		get identifyCount() {
			return gateway.identifyCount;
		},
		shardCount,
		shardOf: (guildId) => (guildId === null ? 0 : shardOf(guildId, shardCount)),
		get sessions() {
			return gateway.sessions;
		},
		waitForIdentify: (count) => gateway.waitForIdentify(count),
		waitForResume: () => gateway.waitForResume(),
		dropConnection: (code, shardId) => gateway.drop(code, shardId),
		waitForRequest(predicate, timeoutMs = 5000, fromIndex = 0) {
			const existing = requests.slice(fromIndex).find(predicate);
			if (existing) return Promise.resolve(existing);
			return new Promise((resolve, reject) => {
				const waiter: Waiter = {
					predicate,
					resolve: (request) => {
						clearTimeout(timer);
						resolve(request);
					},
					cancel: (reason) => {
						clearTimeout(timer);
						waiters = waiters.filter((entry) => entry !== waiter);
						const recent = requests.slice(-15).map(describe);
						const list = recent.join('\n  ') || '(none)';
						reject(new Error(`Fake Discord: ${reason}. Recent requests (${requests.length} in all):\n  ${list}`));
					},
				};
				const timer = setTimeout(() => waiter.cancel(`no matching request within ${timeoutMs} ms`), timeoutMs);
				waiters.push(waiter);
			});
		},
		dispatch: (t, d) => gateway.dispatch(t, d),
		sendCommand(input) {
			const { record, payload } = interactions.command(input);
			return interactionCreate(payload, { id: record.id, token: record.token });
		},
		sendComponent(input) {
			const { record, payload } = interactions.component(input);
			return interactionCreate(payload, { id: record.id, token: record.token });
		},
		sendModalSubmit(input) {
			const { record, payload } = interactions.modalSubmit(input);
			return interactionCreate(payload, { id: record.id, token: record.token });
		},
		sendReaction(input) {
			const { t, payload } = reactionEvent(state, input);
			gateway.dispatch(t, payload);
		},
		expireToken(token) {
			const record = interactions.byToken.get(token);
			if (!record) throw new Error('Fake Discord: expireToken: unknown interaction token');
			record.expired = true;
		},
		holdNext(predicate) {
			let arrived = (): void => undefined;
			let release = (): void => undefined;
			const hold: Hold = {
				predicate,
				arrived: () => arrived(),
				released: new Promise<void>((resolve) => {
					release = resolve;
				}),
			};
			const arrival = new Promise<void>((resolve) => {
				arrived = resolve;
			});
			holds.push(hold);
			return { arrived: arrival, release: () => release() };
		},
		failNext(predicate, response, times = 1) {
			failures.push({ ...response, predicate, remaining: times });
		},
		hostAttachment(input) {
			const file: RecordedFile = {
				field: 'upload',
				name: input.filename,
				contentType: input.contentType ?? '',
				data: input.data,
			};
			const attachment = cdn.host(file, world.ids.channel, { ephemeral: true });
			const hosted: HostedAttachment = {
				id: attachment.id,
				filename: attachment.filename,
				url: attachment.url,
				size: attachment.size,
				content_type: attachment.content_type ?? 'application/octet-stream',
			};
			if (attachment.width !== undefined && attachment.width !== null) hosted.width = attachment.width;
			if (attachment.height !== undefined && attachment.height !== null) hosted.height = attachment.height;
			return hosted;
		},
		addTextChannel(name, guildId) {
			const channel = world.addTextChannel(name, guildId);
			if (gateway.hasSessionFor(channel.guild_id ?? null)) gateway.dispatch('CHANNEL_CREATE', channel);
			return channel.id;
		},
		removeChannel(channelId) {
			const channel = world.removeChannel(channelId);
			if (!channel) throw new Error(`Fake Discord: removeChannel: unknown channel ${channelId}`);
			for (const [messageId, message] of store.messages)
				if (message.channel_id === channelId) store.messages.delete(messageId);
			if ('guild_id' in channel && gateway.hasSessionFor(channel.guild_id ?? null))
				gateway.dispatch('CHANNEL_DELETE', channel);
		},
		dmChannelId: (userId) => world.dmChannelFor(userId).id,
		removeMember(userId, guildId) {
			world.removeMember(userId, guildId);
		},
		closeDms(userId) {
			world.closeDms(userId);
		},
		setCommandPermissions(guildId, id, permissions) {
			const known =
				id === world.ids.application ||
				[...commands.global, ...(commands.guild.get(guildId) ?? [])].some((c) => c.id === id);
			if (!world.hasGuild(guildId) || !known)
				throw new Error(`Fake Discord: setCommandPermissions: unknown guild ${guildId} or command ${id}`);
			let byId = state.commandPermissions.get(guildId);
			if (!byId) {
				byId = new Map();
				state.commandPermissions.set(guildId, byId);
			}
			if (permissions.length === 0) byId.delete(id);
			else
				byId.set(id, { id, application_id: world.ids.application, guild_id: guildId, permissions: [...permissions] });
		},
		addEmoji: (name, guildId = world.ids.guild) => emojis.add(guildId, name).id ?? '',
		removeEmoji(emojiId) {
			if (!emojis.remove(emojiId)) throw new Error(`Fake Discord: removeEmoji: unknown emoji ${emojiId}`);
		},
		onMessage: (listener) => store.messages.listen(listener),
		onRequest(listener) {
			requestListeners.add(listener);
			return () => requestListeners.delete(listener);
		},
		reactionsOf: (messageId) =>
			[...(state.reactions.get(messageId)?.values() ?? [])].map((entry) => ({
				emoji: { ...entry.emoji },
				users: [...entry.users],
			})),
		guild: (guildId) => world.guild(guildId),
		members: (guildId = world.ids.guild) =>
			world
				.memberIds()
				.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
				.flatMap((userId) => world.member(userId, guildId) ?? []),
		textChannels: (guildId = world.ids.guild) => world.textChannels(guildId),
		permissionsOf: (userId, guildId) => world.permissionsOf(userId, guildId),
		async close() {
			for (const waiter of [...waiters]) waiter.cancel('closed while waiting for a request');
			await gateway.close();
			server.closeAllConnections();
			await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
		},
	};
	return fake;
}
