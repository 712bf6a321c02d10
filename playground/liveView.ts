/**
 * The page's picture of the world, kept live: every message change in the fake Discord, the commands the bot
 * registered, the bot's state and log, the provider's switches. A page that connects gets `snapshot()`, then events.
 */
import type { APIApplicationCommand } from 'discord-api-types/v10';
import type { FakeDiscord, StoredMessage } from '../fakes/discord.js';
import type { BotLogLine } from './botProcess.js';
import type { Hub } from './hub.js';
import { membersOf, rolesOf, type Member, type Role } from './members.js';
import type { ProviderSwitches } from './provider.js';
import { dmChannels, viewMessage, type ViewMessage } from './view.js';

export type BotStatus =
	{ state: 'starting'; detail: string } | { state: 'ready'; detail: string } | { state: 'stopped'; detail: string };

/** Fixed facts about how the playground runs the bot, for the page's explanations. */
export interface Settings {
	callbackGraceSeconds: number;
	submitLimit: number;
	submitWindowSeconds: number;
	slowApiSeconds: number;
	/** How long a job whose submit got no answer waits for a callback naming its task. */
	adoptionWindowSeconds: number;
}

export interface Snapshot {
	status: BotStatus;
	guild: { id: string; name: string };
	channels: Array<{ id: string; name: string }>;
	members: Member[];
	roles: Role[];
	botId: string;
	commands: APIApplicationCommand[];
	messages: ViewMessage[];
	switches: ProviderSwitches;
	settings: Settings;
	log: BotLogLine[];
}

const LOG_KEPT = 200;

export class LiveView {
	#status: BotStatus = { state: 'starting', detail: 'Starting the bot…' };
	readonly #log: BotLogLine[] = [];
	readonly #discord: FakeDiscord;
	readonly #hub: Hub;
	readonly #members: Member[];
	readonly #dms: Map<string, string>;
	readonly #switches: () => ProviderSwitches;
	readonly #settings: Settings;
	readonly #unsubscribe: Array<() => void>;

	constructor(discord: FakeDiscord, hub: Hub, switches: () => ProviderSwitches, settings: Settings) {
		this.#discord = discord;
		this.#hub = hub;
		this.#switches = switches;
		this.#settings = settings;
		this.#members = membersOf(discord);
		this.#dms = dmChannels(
			discord,
			this.#members.map((member) => member.id),
		);
		this.#unsubscribe = [
			discord.onMessage((messageId, message) => {
				if (message) hub.emit('message', this.#view(message));
				else hub.emit('delete', { id: messageId });
			}),
			discord.onRequest((request) => {
				if (request.method === 'PUT' && /\/commands$/.test(request.path) && request.response.status === 200) {
					hub.emit('commands', this.#commands());
				}
			}),
		];
	}

	get status(): BotStatus {
		return this.#status;
	}

	setStatus(status: BotStatus): void {
		this.#status = status;
		this.#hub.emit('status', status);
	}

	log(line: BotLogLine): void {
		this.#log.push(line);
		if (this.#log.length > LOG_KEPT) this.#log.shift();
		this.#hub.emit('log', line);
	}

	snapshot(): Snapshot {
		const discord = this.#discord;
		const guild = discord.guild();
		return {
			status: this.#status,
			guild: { id: guild.id, name: guild.name },
			channels: discord.textChannels().map((channel) => ({ id: channel.id, name: channel.name })),
			members: this.#members,
			roles: rolesOf(discord),
			botId: discord.ids.bot,
			commands: this.#commands(),
			messages: [...discord.messages.values()].map((message) => this.#view(message)),
			switches: this.#switches(),
			settings: this.#settings,
			log: [...this.#log],
		};
	}

	stop(): void {
		for (const unsubscribe of this.#unsubscribe) unsubscribe();
	}

	#commands(): APIApplicationCommand[] {
		const { commands, ids } = this.#discord;
		return [...commands.global, ...(commands.guild.get(ids.guild) ?? [])];
	}

	#view(message: StoredMessage): ViewMessage {
		return viewMessage(message, this.#discord.reactionsOf(message.id), this.#dms);
	}
}
