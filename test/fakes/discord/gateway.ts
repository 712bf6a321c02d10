import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { ApplicationFlags, GatewayReadyDispatchData } from 'discord-api-types/v10';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { isRecord } from './util.js';
import type { World } from './world.js';

interface Session {
	id: string;
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

/** The fake gateway: JSON text frames, no compression, one client session at a time. */
export class Gateway {
	readonly dropped: Array<{ t: string; reason: string }> = [];
	readonly warnings: string[];
	readonly identified: Promise<void>;
	identifyCount = 0;
	readonly #wss: WebSocketServer;
	readonly #options: GatewayOptions;
	#session: Session | undefined;
	#identifyWaiters: Array<() => void> = [];
	#resumeWaiters: Array<() => void> = [];

	constructor(options: GatewayOptions) {
		this.#options = options;
		this.warnings = options.warnings;
		this.identified = new Promise((resolve) => this.#identifyWaiters.push(resolve));
		this.#wss = new WebSocketServer({ server: options.server, path: '/gateway' });
		this.#wss.on('connection', (socket) => this.#onConnection(socket));
		this.#wss.on('error', (error) => this.warnings.push(`gateway server error: ${String(error)}`));
	}

	waitForIdentify(): Promise<void> {
		return new Promise((resolve) => this.#identifyWaiters.push(resolve));
	}

	waitForResume(): Promise<void> {
		return new Promise((resolve) => this.#resumeWaiters.push(resolve));
	}

	/** A client has identified and its session has not ended (its socket may be down, waiting to resume). */
	get hasSession(): boolean {
		return this.#session !== undefined;
	}

	/** Sends a dispatch (op 0) with the next seq. Returns false when the client's intents exclude the event. */
	dispatch(t: string, d: unknown): boolean {
		const session = this.#session;
		if (!session) throw new Error(`Fake Discord: cannot dispatch ${t}, no gateway client has identified`);
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

	/** Closes the client's socket; with a resumable code (default 4000) the client comes back with RESUME. */
	drop(code = 4000): void {
		const socket = this.#session?.socket;
		if (!socket) throw new Error('Fake Discord: no gateway client is connected');
		socket.close(code, 'fake: connection dropped');
	}

	async close(): Promise<void> {
		for (const client of this.#wss.clients) client.terminate();
		await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
	}

	#send(socket: WebSocket, payload: unknown): void {
		socket.send(JSON.stringify(payload));
	}

	#onConnection(socket: WebSocket): void {
		socket.on('error', (error) => this.warnings.push(`gateway socket error: ${String(error)}`));
		socket.on('message', (data, isBinary) => this.#onMessage(socket, data, isBinary));
		socket.on('close', (code) => {
			const session = this.#session;
			if (session?.socket !== socket) return;
			session.socket = undefined;
			// A client closing with 1000/1001 ends its session for good; anything else may be resumed.
			if (code === 1000 || code === 1001) this.#session = undefined;
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
				this.#requestMembers(d);
				break;
			default:
				break;
		}
	}

	#identify(socket: WebSocket, d: Record<string, unknown>): void {
		const { world } = this.#options;
		if (this.#session?.socket && this.#session.socket !== socket) {
			this.warnings.push(
				'a second gateway client identified while another was connected; the fake now serves the new one',
			);
		}
		this.#session = {
			id: randomBytes(16).toString('hex'),
			seq: 0,
			intents: typeof d['intents'] === 'number' ? d['intents'] : 0,
			socket,
			backlog: [],
		};
		const user = world.user(world.ids.bot);
		if (!user) throw new Error('Fake Discord: the bot user is missing');
		const ready: GatewayReadyDispatchData = {
			v: 10,
			user: { ...user, verified: true, mfa_enabled: true },
			guilds: [{ id: world.ids.guild, unavailable: true }],
			session_id: this.#session.id,
			resume_gateway_url: this.#options.gatewayUrl(),
			shard: [0, 1],
			application: { id: world.ids.application, flags: 0 as ApplicationFlags, flags_new: '0' },
		};
		this.dispatch('READY', ready);
		this.dispatch('GUILD_CREATE', world.guildCreate());
		this.identifyCount++;
		const waiters = this.#identifyWaiters;
		this.#identifyWaiters = [];
		for (const resolve of waiters) resolve();
	}

	#resume(socket: WebSocket, d: Record<string, unknown>): void {
		const session = this.#session;
		if (!session || d['session_id'] !== session.id) {
			this.#send(socket, { op: GatewayOpcodes.InvalidSession, d: false });
			return;
		}
		session.socket = socket;
		const after = typeof d['seq'] === 'number' ? d['seq'] : 0;
		for (const entry of session.backlog) {
			if (entry.s > after) this.#send(socket, { op: GatewayOpcodes.Dispatch, ...entry });
		}
		this.dispatch('RESUMED', null);
		const waiters = this.#resumeWaiters;
		this.#resumeWaiters = [];
		for (const resolve of waiters) resolve();
	}

	#requestMembers(d: Record<string, unknown>): void {
		const { world } = this.#options;
		const userIds = Array.isArray(d['user_ids'])
			? d['user_ids']
			: typeof d['user_ids'] === 'string'
				? [d['user_ids']]
				: undefined;
		const query = typeof d['query'] === 'string' ? d['query'].toLowerCase() : '';
		const members = world.memberIds().flatMap((userId) => {
			const member = world.member(userId);
			if (!member) return [];
			if (userIds && !userIds.includes(userId)) return [];
			if (!userIds && query !== '' && !member.user.username.startsWith(query)) return [];
			return [member];
		});
		this.dispatch('GUILD_MEMBERS_CHUNK', {
			guild_id: world.ids.guild,
			members,
			chunk_index: 0,
			chunk_count: 1,
			not_found: userIds ? userIds.filter((userId) => !world.isMember(String(userId))) : [],
			...(typeof d['nonce'] === 'string' ? { nonce: d['nonce'] } : {}),
		});
	}
}
