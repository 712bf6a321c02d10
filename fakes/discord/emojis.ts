import type { APIEmoji } from 'discord-api-types/v10';
import type { FakeState, RouteTable } from './state.js';
import { param } from './state.js';
import { ERRORS, json } from './util.js';

/** The guilds' own emoji. The bot may use any of them in its messages (it is in every guild of the fake). */
export class GuildEmojis {
	readonly #byGuild = new Map<string, APIEmoji[]>();
	readonly #newId: () => string;

	constructor(newId: () => string) {
		this.#newId = newId;
	}

	add(guildId: string, name: string, animated = false): APIEmoji {
		const emoji: APIEmoji = {
			id: this.#newId(),
			name,
			roles: [],
			require_colons: true,
			managed: false,
			animated,
			available: true,
		};
		this.#byGuild.set(guildId, [...this.list(guildId), emoji]);
		return emoji;
	}

	/** Deletes an emoji, as a server admin would; false when no guild has it. */
	remove(emojiId: string): boolean {
		for (const [guildId, list] of this.#byGuild) {
			const kept = list.filter((emoji) => emoji.id !== emojiId);
			if (kept.length === list.length) continue;
			this.#byGuild.set(guildId, kept);
			return true;
		}
		return false;
	}

	list(guildId: string): APIEmoji[] {
		return this.#byGuild.get(guildId) ?? [];
	}

	/** Whether the bot can use this custom emoji: one of its guilds has it. */
	has(emojiId: string): boolean {
		return [...this.#byGuild.values()].some((list) => list.some((emoji) => emoji.id === emojiId));
	}
}

/** `GET /guilds/{guild_id}/emojis`. */
export function addEmojiRoutes(routes: RouteTable, state: FakeState, emojis: GuildEmojis): void {
	routes.add('/guilds/{guild_id}/emojis', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const guildId = param(context, 'guild_id');
				return state.world.hasGuild(guildId) ? json(200, emojis.list(guildId)) : ERRORS.unknownGuild();
			},
		},
	});
}
