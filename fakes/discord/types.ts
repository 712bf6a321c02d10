import type {
	APIApplicationCommand,
	APIApplicationCommandPermission,
	APIGuild,
	APIGuildMember,
	APIMessage,
	APITextChannel,
} from 'discord-api-types/v10';
import type { FakeIds } from './ids.js';

export type { FakeIds } from './ids.js';

/** One file part of a multipart request. */
export interface RecordedFile {
	/** The form field, e.g. `files[0]`. */
	field: string;
	name: string;
	contentType: string;
	data: Buffer;
}

/** A request the fake received, recorded once it has been answered. */
export interface RecordedRequest {
	method: string;
	/** Decoded, without the `/api/v10` prefix, e.g. `/webhooks/APP/TOKEN/messages/@original`. CDN downloads keep theirs (`/attachments/…`). */
	path: string;
	query: URLSearchParams;
	/** The Authorization header. */
	auth: string | undefined;
	/** The parsed JSON body, or the parsed `payload_json` part of a multipart body; undefined without a body. */
	body: unknown;
	/** Multipart file parts (discord.js sends attachments as `files[n]`). */
	files: RecordedFile[];
	/** What the fake answered. */
	response: { status: number; body: unknown };
}

export interface FakeDiscordOptions {
	/** Discord's OpenAPI document. Default: the copy in `fakes/discord/spec/`, or `$DISCORD_OPENAPI_PATH`. */
	openApiPath?: string;
	/** Validate requests against the OpenAPI document (default true). */
	validate?: boolean;
	/** Answer a body that breaks the schema with 400 Invalid Form Body, as Discord would (default false: record only). */
	rejectInvalidBodies?: boolean;
	/** HELLO's heartbeat interval in ms (default 41250). */
	heartbeatIntervalMs?: number;
	/** Largest accepted file in bytes, also sent as interactions' `attachment_size_limit` (default 20 MiB); beyond it 413 / 40005. */
	uploadLimitBytes?: number;
	/**
	 * The shard count `GET /gateway/bot` recommends (default 1). Guilds are on shard `(guild_id >> 22) % count` of
	 * the count each client identifies with: with 2, `ids.guild` is on shard 0 and `ids.guild2` on shard 1.
	 */
	shards?: number;
	/** `session_start_limit.max_concurrency`: how many shards may identify at once (default: `shards`, so none waits). */
	maxConcurrency?: number;
	/**
	 * How long a nonce sent with `enforce_nonce` is remembered, Discord's "past few minutes" (default 5 minutes; 0: a
	 * restart that came later than that).
	 */
	nonceWindowMs?: number;
}

/** An identified gateway shard. */
export interface GatewaySession {
	/** `[shard_id, num_shards]`, as the client identified. */
	shard: [number, number];
	/** Its socket is open (false while it is down, waiting for the client to resume). */
	connected: boolean;
}

/** A message the fake holds: the APIMessage it last returned, plus the bytes of its attachments. */
export type StoredMessage = APIMessage & { files: RecordedFile[] };

/** An option of a chat-input command: a value, or a sub-command (type 1) / group (type 2) with nested options. */
export type CommandOptionInput =
	| { name: string; type: number; value: string | number | boolean; focused?: boolean }
	| { name: string; type: 1 | 2; options?: CommandOptionInput[] };

export interface AttachmentInput {
	id: string;
	filename: string;
	content_type?: string;
	url: string;
	size: number;
	width?: number;
	height?: number;
}

export interface SendCommandInput {
	name: string;
	options?: CommandOptionInput[];
	/** For attachment options (type 11): the option's value is the attachment id; these fill `resolved.attachments`. */
	attachments?: AttachmentInput[];
	/** Default: `ids.user`. */
	userId?: string;
	/** Default: `ids.channel`, or the user's DM channel when `guildId` is null. */
	channelId?: string;
	/** The member's permissions in the channel; default computed from their roles. */
	memberPermissions?: string;
	/** Default: `ids.guild`; null sends the command from the bot's DM. */
	guildId?: string | null;
	locale?: string;
}

export interface SendReactionInput {
	messageId: string;
	emoji: { id: string | null; name: string; animated?: boolean };
	/** Default: `ids.user` (or `ids.otherBot` when `bot` is true). */
	userId?: string;
	/** Default: the stored message's channel, else `ids.channel`. */
	channelId?: string;
	/** The reacting user is a bot. */
	bot?: boolean;
	/** MESSAGE_REACTION_REMOVE instead of ADD. */
	remove?: boolean;
}

export interface SendComponentInput {
	messageId: string;
	customId: string;
	userId?: string;
	/** Default 2 (button). */
	componentType?: number;
	/** For select menus. */
	values?: string[];
	memberPermissions?: string;
	/** The clicking member's Discord language; default `en-US`. */
	locale?: string;
}

export interface SendModalSubmitInput {
	customId: string;
	/** Text input values by custom_id. */
	fields: Record<string, string>;
	userId?: string;
	channelId?: string;
	/** The message whose component opened the modal; default: taken from the interaction that showed it. */
	messageId?: string;
	/** Shape of the submitted components; default mirrors the modal the bot showed, else 'label'. */
	layout?: 'label' | 'actionRow';
	memberPermissions?: string;
	/** The submitting member's Discord language; default `en-US`. */
	locale?: string;
}

export interface InteractionHandle {
	id: string;
	token: string;
}

export interface FailureSpec {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
	/** Handle the request as usual first (a message is created…), and answer with this failure instead of the result. */
	handled?: boolean;
	/** Answer with these bytes instead of JSON (a proxy's HTML error page); `body` is then ignored. */
	raw?: { data: Buffer; contentType: string };
	/** Close the connection without an answer (a reset), instead of answering `status`. */
	reset?: boolean;
}

/** A file hosted on the fake CDN, shaped for `SendCommandInput.attachments`. */
export interface HostedAttachment extends AttachmentInput {
	content_type: string;
}

export interface FakeDiscord {
	/** `http://127.0.0.1:PORT/api`: give it to `new Client({ rest: { api } })`. */
	readonly apiUrl: string;
	/** `http://127.0.0.1:PORT`: the CDN and gateway live here too. */
	readonly baseUrl: string;
	readonly ids: Readonly<FakeIds>;
	readonly requests: RecordedRequest[];
	/** OpenAPI violations and unknown routes, human readable (`METHOD path: problems`). */
	readonly violations: string[];
	/** Legal but hazardous things the bot did (e.g. an Authorization header on an interaction webhook route). */
	readonly warnings: string[];
	/** Gateway events not delivered because the client did not ask for their intent. */
	readonly droppedDispatches: Array<{ t: string; reason: string }>;
	/** Messages the fake holds, by id. */
	readonly messages: Map<string, StoredMessage>;
	/** Application commands registered with PUT/POST, global and per guild. */
	readonly commands: { global: APIApplicationCommand[]; guild: Map<string, APIApplicationCommand[]> };
	/** Resolves once the first client (shard) has identified and READY + GUILD_CREATE were dispatched. */
	readonly identified: Promise<void>;
	/** How many IDENTIFYs the gateway has handled (one per shard a client runs). */
	readonly identifyCount: number;
	/** The shard count `GET /gateway/bot` recommends (`FakeDiscordOptions.shards`). */
	readonly shardCount: number;
	/** The shard that receives a guild's events with `shardCount` shards (null, for DMs: 0). */
	shardOf(guildId: string | null): number;
	/** The identified shards, by shard id; the gateway sends each event to the one owning its guild. */
	readonly sessions: GatewaySession[];
	/** Resolves after the next `count` (default 1) IDENTIFYs, each once its READY + GUILD_CREATEs were dispatched. */
	waitForIdentify(count?: number): Promise<void>;
	/** Resolves on the next RESUME (after RESUMED was dispatched). */
	waitForResume(): Promise<void>;
	/**
	 * Closes a shard's socket (default: the lowest connected shard) with this code (default 4000, resumable), as
	 * Discord does on a hiccup.
	 */
	dropConnection(code?: number, shardId?: number): void;
	/**
	 * Resolves with the first recorded request at or after `fromIndex` (default 0) that matches, or the next one;
	 * rejects after `timeoutMs` (default 5000) listing recent requests.
	 */
	waitForRequest(
		predicate: (request: RecordedRequest) => boolean,
		timeoutMs?: number,
		fromIndex?: number,
	): Promise<RecordedRequest>;
	/**
	 * Gateway dispatch with increasing seq, to the shard owning the event's `guild_id` (for GUILD_CREATE/UPDATE/DELETE
	 * its `id`; DMs: shard 0); false when dropped because the client lacks the intent.
	 */
	dispatch(t: string, d: unknown): boolean;
	sendCommand(input: SendCommandInput): InteractionHandle;
	sendComponent(input: SendComponentInput): InteractionHandle;
	sendModalSubmit(input: SendModalSubmitInput): InteractionHandle;
	sendReaction(input: SendReactionInput): void;
	/** Makes every webhook route for the token answer 401 / 50027, and its callback 404 / 10062. */
	expireToken(token: string): void;
	/**
	 * The next `times` (default 1) requests that match get this answer instead of being handled (they are still
	 * recorded and validated). The predicate sees the request before it is answered (`response.status` is 0).
	 */
	failNext(predicate: (request: RecordedRequest) => boolean, response: FailureSpec, times?: number): void;
	/**
	 * Holds the next request matching `predicate`: received, then left unanswered until `release()` (what a slow
	 * Discord looks like, or a process killed while it waits). `arrived` resolves once it has come in.
	 */
	holdNext(predicate: (request: RecordedRequest) => boolean): { arrived: Promise<void>; release(): void };
	/** Hosts bytes on the fake CDN (e.g. a user's upload for an attachment option). */
	hostAttachment(input: { filename: string; data: Buffer; contentType?: string }): HostedAttachment;
	/** Adds a text channel to a guild (default `ids.guild`); dispatches CHANNEL_CREATE when its shard is identified. */
	addTextChannel(name: string, guildId?: string): string;
	/** Removes a channel (dispatches CHANNEL_DELETE for guild channels); its routes then answer 404 / 10003. */
	removeChannel(channelId: string): void;
	/** The DM channel id the fake uses for a user (created on first use). */
	dmChannelId(userId: string): string;
	/**
	 * The user leaves a guild (default `ids.guild`), or is kicked or banned: `GET /guilds/{guild}/members/{user}` answers
	 * 404 / 10007 from now on. Nothing is dispatched (GUILD_MEMBER_REMOVE needs the privileged Guild Members intent).
	 */
	removeMember(userId: string, guildId?: string): void;
	/** The user closes their DMs: every message to their DM channel answers 403 / 50007. */
	closeDms(userId: string): void;
	/**
	 * Sets a guild's application command permissions (Server Settings → Integrations) for one command, or, with the
	 * application's id, the app-wide ones; an empty list removes them.
	 */
	setCommandPermissions(guildId: string, id: string, permissions: APIApplicationCommandPermission[]): void;
	/** Adds a custom emoji to a guild (default `ids.guild`), listed by `GET /guilds/{id}/emojis`; returns its id. */
	addEmoji(name: string, guildId?: string): string;
	/** Deletes a custom emoji: messages whose buttons use it are then refused (400 / 50035, `Invalid emoji`). */
	removeEmoji(emojiId: string): void;
	/**
	 * Calls `listener` whenever a message is created, edited (reactions included) or deleted, with its new state
	 * (undefined once deleted), whatever caused it. Returns the function that stops listening.
	 */
	onMessage(listener: (messageId: string, message: StoredMessage | undefined) => void): () => void;
	/** Calls `listener` with every request once it has been answered and recorded. Returns the function that stops it. */
	onRequest(listener: (request: RecordedRequest) => void): () => void;
	/** Who reacted to a message, by emoji, in the order the emoji were first added. */
	reactionsOf(messageId: string): Array<{ emoji: { id: string | null; name: string }; users: string[] }>;
	/** A guild (default `ids.guild`) as `GET /guilds/{id}` returns it, roles included. */
	guild(guildId?: string): APIGuild;
	/** A guild's members (default `ids.guild`), bots included, in id order. */
	members(guildId?: string): APIGuildMember[];
	/** A guild's text channels (default `ids.guild`). */
	textChannels(guildId?: string): APITextChannel[];
	/** A member's guild-level permissions (default `ids.guild`), as Discord computes them from their roles. */
	permissionsOf(userId: string, guildId?: string): bigint;
	close(): Promise<void>;
}
