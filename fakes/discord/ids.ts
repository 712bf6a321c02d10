import { PermissionFlagsBits } from 'discord-api-types/v10';
import { snowflakeAt } from './util.js';

/** Fixed ids of the fake's world. The bot user shares the application's id, as for every modern Discord app. */
export interface FakeIds {
	application: string;
	bot: string;
	guild: string;
	/** The guild's main text channel (`#general`). */
	channel: string;
	/** A second text channel (`#random`), for channel allow-lists. */
	otherChannel: string;
	/** A regular member. */
	user: string;
	/** A member whose role grants Manage Guild (and nothing else beyond @everyone). */
	admin: string;
	/** A member whose role grants Manage Messages. */
	moderator: string;
	/** The guild owner: neither `user` nor `admin`, so ownership never masks a permission check. */
	owner: string;
	/** Another bot in the guild, for "ignore reactions from bots". */
	otherBot: string;
	everyoneRole: string;
	adminRole: string;
	moderatorRole: string;
	botRole: string;
	/**
	 * A second guild, on shard 1 of 2 (`ids.guild` is on shard 0): the same members with the same kinds of roles,
	 * and one text channel. With one shard, both guilds are on it.
	 */
	guild2: string;
	/** The second guild's text channel (`#general`). */
	channel2: string;
}

const WORLD_EPOCH = Date.UTC(2023, 5, 1);
const id = (n: number): string => snowflakeAt(WORLD_EPOCH + n * 1000, n);
/**
 * Discord puts a guild on shard `(guild_id >> 22) % shard_count`: the id's timestamp in ms since its epoch. `id(n)`
 * timestamps are whole seconds (even); one more millisecond puts the second guild on the odd shard.
 */
const oddId = (n: number): string => snowflakeAt(WORLD_EPOCH + n * 1000 + 1, n);
const GUILD_ID = id(2);
const GUILD2_ID = oddId(30);

export const FAKE_IDS: Readonly<FakeIds> = Object.freeze({
	application: id(1),
	bot: id(1),
	guild: GUILD_ID,
	channel: id(3),
	otherChannel: id(4),
	user: id(10),
	admin: id(11),
	moderator: id(12),
	owner: id(13),
	otherBot: id(14),
	everyoneRole: GUILD_ID,
	adminRole: id(20),
	moderatorRole: id(21),
	botRole: id(22),
	guild2: GUILD2_ID,
	channel2: id(31),
});

/** Role ids of the second guild, standing for the first guild's roles (its @everyone role is the guild's id). */
export const GUILD2_ROLES: Readonly<Record<string, string>> = Object.freeze({
	[FAKE_IDS.everyoneRole]: GUILD2_ID,
	[FAKE_IDS.adminRole]: id(32),
	[FAKE_IDS.moderatorRole]: id(33),
	[FAKE_IDS.botRole]: id(34),
});

/** The shard a guild's events go to: Discord's `(guild_id >> 22) % shard_count`. */
export function shardOf(guildId: string, shardCount: number): number {
	return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

const P = PermissionFlagsBits;
export const EVERYONE_PERMISSIONS =
	P.ViewChannel |
	P.SendMessages |
	P.SendMessagesInThreads |
	P.EmbedLinks |
	P.AttachFiles |
	P.ReadMessageHistory |
	P.AddReactions |
	P.UseExternalEmojis |
	P.UseApplicationCommands |
	P.CreateInstantInvite |
	P.ChangeNickname;
export const BOT_PERMISSIONS = EVERYONE_PERMISSIONS | P.ManageMessages;
export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** Permissions sent to DMs' `app_permissions`, as Discord computes them there. */
export const DM_APP_PERMISSIONS =
	P.AddReactions |
	P.ViewChannel |
	P.SendMessages |
	P.EmbedLinks |
	P.AttachFiles |
	P.ReadMessageHistory |
	P.UseExternalEmojis;

export interface UserSeed {
	id: string;
	username: string;
	globalName: string | null;
	bot?: boolean;
	roles: string[];
}

export const SEEDS: UserSeed[] = [
	{ id: FAKE_IDS.bot, username: 'fakebot', globalName: null, bot: true, roles: [FAKE_IDS.botRole] },
	{ id: FAKE_IDS.user, username: 'alice', globalName: 'Alice', roles: [] },
	{ id: FAKE_IDS.admin, username: 'adminbob', globalName: 'Admin Bob', roles: [FAKE_IDS.adminRole] },
	{ id: FAKE_IDS.moderator, username: 'modcarol', globalName: 'Mod Carol', roles: [FAKE_IDS.moderatorRole] },
	{ id: FAKE_IDS.owner, username: 'ownerdave', globalName: 'Owner Dave', roles: [] },
	{ id: FAKE_IDS.otherBot, username: 'otherbot', globalName: null, bot: true, roles: [] },
];

export const JOINED_AT = new Date(WORLD_EPOCH + 86_400_000).toISOString();
