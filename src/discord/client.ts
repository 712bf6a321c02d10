/**
 * The discord.js client the bot runs: the intents it needs, partials for reactions on messages from before a restart,
 * caches cut down to what the bot reads, and the REST manager of rest.ts.
 */
import { Client, GatewayIntentBits, Options, Partials, type GuildMember, type User } from 'discord.js';
import type { ShardPlan } from '../config.js';
import { BotRest } from './rest.js';
import { shardingOptions } from './sharding.js';

export interface DiscordClientOptions {
	shards: ShardPlan;
	/** Discord's REST base URL; discord.js's default when unset. */
	apiUrl?: string | undefined;
}

/** Members kept per server: a member who reacts was usually just seen in a command; others are fetched. */
const MEMBERS_PER_GUILD = 50;
/** Users kept in all: those of recent commands and reactions. */
const USERS = 1_000;

export function createDiscordClient({ shards, apiUrl }: DiscordClientOptions): Client {
	const client = new Client({
		intents: [
			GatewayIntentBits.Guilds,
			GatewayIntentBits.GuildMessageReactions,
			GatewayIntentBits.DirectMessageReactions,
		],
		// Reactions on messages from before a restart arrive as partials.
		partials: [Partials.Message, Partials.Reaction, Partials.Channel, Partials.User],
		...shardingOptions(shards),
		makeCache: trimmedCaches(),
		rest: {
			...(apiUrl ? { api: apiUrl } : {}),
			// Idle per-channel handlers are dropped after ten minutes rather than an hour (interaction tokens have their
			// own, more quickly swept manager: see rest.ts).
			handlerSweepInterval: 10 * 60_000,
		},
	});
	// discord.js builds its REST manager in the constructor and reads `client.rest` whenever it sends; this one takes
	// the same options (discord.js's defaults merged with ours) and routes interaction webhooks apart (see rest.ts).
	client.rest.clearHandlerSweeper();
	client.rest.clearHashSweeper();
	client.rest = new BotRest(client.options.rest);
	return client;
}

/** The caches the bot reads from, bounded; the rest off. */
function trimmedCaches(): ReturnType<typeof Options.cacheWithLimits> {
	// discord.js caches everything it is sent, for ever (messages: 200 per channel). The bot reads servers,
	// channels and roles (kept whole: rules and role checks), and a member's roles when they react (fetched when
	// not cached); it reads no message from the cache (reactions come as partials, results are sent through
	// REST) and none of a server's emoji, stickers, events or voice states, which every server's GUILD_CREATE
	// brings. Unbounded, the member and user caches grow with every member who ever used the bot.
	return Options.cacheWithLimits({
		...Options.DefaultMakeCacheSettings,
		MessageManager: 0,
		ReactionManager: 0,
		ReactionUserManager: 0,
		PresenceManager: 0,
		VoiceStateManager: 0,
		GuildEmojiManager: 0,
		GuildStickerManager: 0,
		GuildScheduledEventManager: 0,
		StageInstanceManager: 0,
		AutoModerationRuleManager: 0,
		GuildInviteManager: 0,
		GuildBanManager: 0,
		ApplicationCommandManager: 0,
		ApplicationEmojiManager: 0,
		EntitlementManager: 0,
		ThreadMemberManager: 0,
		GuildMemberManager: {
			maxSize: MEMBERS_PER_GUILD,
			keepOverLimit: (member: GuildMember) => member.id === member.client.user.id,
		},
		UserManager: { maxSize: USERS, keepOverLimit: (user: User) => user.id === user.client.user.id },
	});
}
