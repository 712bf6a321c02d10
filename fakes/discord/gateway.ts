import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { ApplicationFlags, GatewayReadyDispatchData } from 'discord-api-types/v10';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { shardOf } from './ids.js';
import type { GatewaySession } from './types.js';
import { isRecord } from './util.js';
import type { World } from './world.js';

interface Session {
	id: string;
	/** `[shard_id, num_shards]` from IDENTIFY. */
	shard: [number, number];
	seq: number;
	intents: number;
	socket: WebSocket | undefined;
	/** Dispatches kept for RESUME replay. */
	backlog: Array<{ s: number; t: string; d: unknown }>;
}

/** Which intent a dispatch needs, for events Discord only sends to clients that asked for them. */
function requiredIntent(t: string, d: unknown): number | undefined {
	const inGuild = isRecord(d) && typeof d['guild_id'] === 'string';
	if (t.startsWith('MESSAGE_REACTION_')) {
		return inGuild ? GatewayIntentBits.GuildMessageReactions : GatewayIntentBits.DirectMessageReactions;
	}
	if (t === 'MESSAGE_CREATE' || t === 'MESSAGE_UPDATE' || t === 'MESSAGE_DELETE' || t === 'MESSAGE_DELETE_BULK') {
		return inGuild ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages;
	}
	if (t.startsWith('CHANNEL_') || t.startsWith('THREAD_') || t.startsWith('GUILD_ROLE_'))
		return GatewayIntentBits.Guilds;
	if (t === 'GUILD_MEMBER_ADD' || t === 'GUILD_MEMBER_UPDATE' || t === 'GUILD_MEMBER_REMOVE') {
		return GatewayIntentBits.GuildMembers;
	}
	return undefined;
}

function intentName(bit: number): string {
	return Object.entries(GatewayIntentBits).find(([, value]) => value === bit)?.[0] ?? String(bit);
}

export interface GatewayOptions {
	server: Server;
	world: World;
	heartbeatIntervalMs: number;
	gatewayUrl: () => string;
	warnings: string[];
}

/** The guild an event belongs to: its `guild_id`, or the guild itself for GUILD_CREATE/UPDATE/DELETE; null for DMs. */
function guildOfEvent(t: string, d: unknown): string | null {
	if (!isRecord(d)) return null;
	if (typeof d['guild_id'] === 'string') return d['guild_id'];
	if (t.startsWith('GUILD_') && typeof d['id'] === 'string') return d['id'];
	return null;
}

/**
 * The fake gateway: JSON text frames, no compression. One session per shard: a client identifies each shard it runs
 * with `shard: [id, count]`, gets READY and GUILD_CREATE for the guilds on that shard (Discord's
 * `(guild_id >> 22) % count`), and each event goes to the shard of its guild (DMs to shard 0).
 */
export class Gateway {
	readonly dropped: Array<{ t: string; reason: string }> = [];
	readonly warnings: string[];
	readonly identified: Promise<void>;
	identifyCount = 0;
	readonly #wss: WebSocketServer;
	readonly #options: GatewayOptions;
	/** By shard id. */
	readonly #sessions = new Map<number, Session>();
	#identifyWaiters: Array<{ remaining: number; resolve: () => void }> = [];
	#resumeWaiters: Array<() => void> = [];

	constructor(options: GatewayOptions) {
		this.#options = options;
		this.warnings = options.warnings;
		this.identified = this.waitForIdentify();
		this.#wss = new WebSocketServer({ server: options.server, path: '/gateway' });
		this.#wss.on('connection', (socket) => this.#onConnection(socket));
		this.#wss.on('error', (error) => this.warnings.push(`gateway server error: ${String(error)}`));
	}

	/** Resolves once `count` (default 1) more IDENTIFYs have been handled. */
	waitForIdentify(count = 1): Promise<void> {
		return new Promise((resolve) => this.#identifyWaiters.push({ remaining: Math.max(1, count), resolve }));
	}

	waitForResume(): Promise<void> {
		return new Promise((resolve) => this.#resumeWaiters.push(resolve));
	}

	/** A client has identified and its session has not ended (its socket may be down, waiting to resume). */
	get hasSession(): boolean {
		return this.#sessions.size > 0;
	}

	/** The identified shards, by shard id. */
	get sessions(): GatewaySession[] {
		return [...this.#sessions.values()]
			.sort((a, b) => a.shard[0] - b.shard[0])
			.map((session) => ({ shard: [...session.shard], connected: session.socket !== undefined }));
	}

	/** Whether an identified shard receives the events of this guild (null: DMs). */
	hasSessionFor(guildId: string | null): boolean {
		return this.#sessionFor(guildId) !== undefined;
	}

	#sessionFor(guildId: string | null): Session | undefined {
		for (const session of this.#sessions.values()) {
			const [id, count] = session.shard;
			if (guildId === null ? id === 0 : shardOf(guildId, count) === id) return session;
		}
		return undefined;
	}

	/**
	 * Sends a dispatch (op 0) with the next seq to the shard of the event's guild (DMs: shard 0). Returns false when
	 * the client's intents exclude the event.
	 */
	dispatch(t: string, d: unknown): boolean {
		const guildId = guildOfEvent(t, d);
		const session = this.#sessionFor(guildId);
		if (!session) {
			if (!this.hasSession) throw new Error(`Fake Discord: cannot dispatch ${t}, no gateway client has identified`);
			const where = guildId === null ? 'DMs (shard 0)' : `guild ${guildId}`;
			throw new Error(
				`Fake Discord: cannot dispatch ${t}, no gateway client has identified the shard for ${where}; identified: ${JSON.stringify(this.sessions.map((entry) => entry.shard))}`,
			);
		}
		return this.#dispatchTo(session, t, d);
	}

	#dispatchTo(session: Session, t: string, d: unknown): boolean {
		const intent = requiredIntent(t, d);
		if (intent !== undefined && (session.intents & intent) === 0) {
			this.dropped.push({ t, reason: `client did not request the ${intentName(intent)} intent` });
			return false;
		}
		const s = ++session.seq;
		session.backlog.push({ s, t, d });
		if (session.backlog.length > 1000) session.backlog.shift();
		session.socket?.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s, d }));
		return true;
	}

	/**
	 * Closes a shard's socket (default: the lowest connected shard); with a resumable code (default 4000) the client
	 * comes back with RESUME.
	 */
	drop(code = 4000, shardId?: number): void {
		const connected = [...this.#sessions.values()]
			.filter((session) => session.socket !== undefined)
			.sort((a, b) => a.shard[0] - b.shard[0]);
		const session = shardId === undefined ? connected[0] : connected.find((entry) => entry.shard[0] === shardId);
		const socket = session?.socket;
		if (!socket) {
			throw new Error(
				`Fake Discord: no gateway client is connected${shardId === undefined ? '' : ` on shard ${shardId}`}`,
			);
		}
		socket.close(code, 'fake: connection dropped');
	}

	async close(): Promise<void> {
		for (const client of this.#wss.clients) client.terminate();
		await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
	}

	#send(socket: WebSocket, payload: unknown): void {
		socket.send(JSON.stringify(payload));
	}

	#sessionOf(socket: WebSocket): Session | undefined {
		for (const session of this.#sessions.values()) if (session.socket === socket) return session;
		return undefined;
	}

	#onConnection(socket: WebSocket): void {
		socket.on('error', (error) => this.warnings.push(`gateway socket error: ${String(error)}`));
		socket.on('message', (data, isBinary) => this.#onMessage(socket, data, isBinary));
		socket.on('close', (code) => {
			const session = this.#sessionOf(socket);
			if (!session) return;
			session.socket = undefined;
			// A client closing with 1000/1001 ends its session for good; anything else may be resumed.
			if (code === 1000 || code === 1001) this.#sessions.delete(session.shard[0]);
		});
		this.#send(socket, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#options.heartbeatIntervalMs } });
	}

	#onMessage(socket: WebSocket, data: RawData, isBinary: boolean): void {
		if (isBinary) {
			this.warnings.push('gateway client sent a binary frame (compression or ETF?)');
			return;
		}
		let payload: unknown;
		try {
			payload = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
		} catch {
			socket.close(4002, 'Error while decoding payload.');
			return;
		}
		if (!isRecord(payload)) return;
		const d = isRecord(payload['d']) ? payload['d'] : {};
		switch (payload['op']) {
			case GatewayOpcodes.Heartbeat:
				this.#send(socket, { op: GatewayOpcodes.HeartbeatAck });
				break;
			case GatewayOpcodes.Identify:
				this.#identify(socket, d);
				break;
			case GatewayOpcodes.Resume:
				this.#resume(socket, d);
				break;
			case GatewayOpcodes.RequestGuildMembers:
				this.#requestMembers(socket, d);
				break;
			default:
				break;
		}
	}

	#identify(socket: WebSocket, d: Record<string, unknown>): void {
		const { world } = this.#options;
		const requested = d['shard'];
		const shard: [number, number] = Array.isArray(requested) ? [Number(requested[0]), Number(requested[1])] : [0, 1];
		const [shardId, shardCount] = shard;
		if (
			!Number.isInteger(shardId) ||
			!Number.isInteger(shardCount) ||
			shardCount < 1 ||
			shardId < 0 ||
			shardId >= shardCount
		) {
			this.warnings.push(`a gateway client identified with an invalid shard ${JSON.stringify(requested)}`);
			socket.close(4010, 'Invalid shard.');
			return;
		}
		const previous = this.#sessions.get(shardId);
		if (previous?.socket && previous.socket !== socket) {
			this.warnings.push(
				`a second gateway client identified shard ${shardId} while another was connected; the fake now serves the new one`,
			);
		}
		const session: Session = {
			id: randomBytes(16).toString('hex'),
			shard,
			seq: 0,
			intents: typeof d['intents'] === 'number' ? d['intents'] : 0,
			socket,
			backlog: [],
		};
		this.#sessions.set(shardId, session);
		const user = world.user(world.ids.bot);
		if (!user) throw new Error('Fake Discord: the bot user is missing');
		const guildIds = world.guildIds().filter((guildId) => shardOf(guildId, shardCount) === shardId);
		const ready: GatewayReadyDispatchData = {
			v: 10,
			user: { ...user, verified: true, mfa_enabled: true },
			guilds: guildIds.map((id) => ({ id, unavailable: true })),
			session_id: session.id,
			resume_gateway_url: this.#options.gatewayUrl(),
			shard,
			application: { id: world.ids.application, flags: 0 as ApplicationFlags, flags_new: '0' },
		};
		this.#dispatchTo(session, 'READY', ready);
		for (const guildId of guildIds) this.#dispatchTo(session, 'GUILD_CREATE', world.guildCreate(guildId));
		this.identifyCount++;
		const done = this.#identifyWaiters.filter((waiter) => --waiter.remaining <= 0);
		this.#identifyWaiters = this.#identifyWaiters.filter((waiter) => waiter.remaining > 0);
		for (const waiter of done) waiter.resolve();
	}

	#resume(socket: WebSocket, d: Record<string, unknown>): void {
		const session = [...this.#sessions.values()].find((entry) => entry.id === d['session_id']);
		if (!session) {
			this.#send(socket, { op: GatewayOpcodes.InvalidSession, d: false });
			return;
		}
		session.socket = socket;
		const after = typeof d['seq'] === 'number' ? d['seq'] : 0;
		for (const entry of session.backlog) {
			if (entry.s > after) this.#send(socket, { op: GatewayOpcodes.Dispatch, ...entry });
		}
		this.#dispatchTo(session, 'RESUMED', null);
		const waiters = this.#resumeWaiters;
		this.#resumeWaiters = [];
		for (const resolve of waiters) resolve();
	}

	#requestMembers(socket: WebSocket, d: Record<string, unknown>): void {
		const { world } = this.#options;
		const session = this.#sessionOf(socket);
		if (!session) return;
		const guildId = typeof d['guild_id'] === 'string' ? d['guild_id'] : world.ids.guild;
		const userIds = Array.isArray(d['user_ids'])
			? d['user_ids']
			: typeof d['user_ids'] === 'string'
				? [d['user_ids']]
				: undefined;
		const query = typeof d['query'] === 'string' ? d['query'].toLowerCase() : '';
		const members = world.memberIds().flatMap((userId) => {
			const member = world.member(userId, guildId);
			if (!member) return [];
			if (userIds && !userIds.includes(userId)) return [];
			if (!userIds && query !== '' && !member.user.username.startsWith(query)) return [];
			return [member];
		});
		this.#dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
			guild_id: guildId,
			members,
			chunk_index: 0,
			chunk_count: 1,
			not_found: userIds ? userIds.filter((userId) => !world.isMember(String(userId))) : [],
			...(typeof d['nonce'] === 'string' ? { nonce: d['nonce'] } : {}),
		});
	}
}
