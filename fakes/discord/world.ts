import { ChannelType, Locale, PermissionFlagsBits } from 'discord-api-types/v10';
import type {
	APIDMChannel,
	APIGuild,
	APIGuildMember,
	APIInteractionGuildMember,
	APIRole,
	APITextChannel,
	APIUser,
	ChannelFlags,
	GatewayGuildCreateDispatchData,
	GuildMemberFlags,
	GuildSystemChannelFlags,
	RoleFlags,
	UserFlags,
} from 'discord-api-types/v10';
import {
	ALL_PERMISSIONS,
	BOT_PERMISSIONS,
	EVERYONE_PERMISSIONS,
	FAKE_IDS,
	GUILD2_ROLES,
	JOINED_AT,
	SEEDS,
} from './ids.js';
import type { UserSeed } from './ids.js';

function role(
	roleId: string,
	name: string,
	permissions: bigint,
	position: number,
	extra: Partial<APIRole> = {},
): APIRole {
	return {
		id: roleId,
		name,
		color: 0,
		colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
		hoist: false,
		icon: null,
		unicode_emoji: null,
		position,
		permissions: permissions.toString(),
		managed: false,
		mentionable: false,
		flags: 0 as RoleFlags,
		...extra,
	};
}

const P = PermissionFlagsBits;

/** A guild of the fake: every member is in each, with the same kinds of roles under the guild's own role ids. */
interface GuildSeed {
	id: string;
	name: string;
	systemChannelId: string;
	/** The first guild's role ids → this guild's. */
	roleIds: Readonly<Record<string, string>>;
}

const GUILDS: readonly GuildSeed[] = [
	{
		id: FAKE_IDS.guild,
		name: 'Fake Guild',
		systemChannelId: FAKE_IDS.channel,
		roleIds: Object.fromEntries(Object.keys(GUILD2_ROLES).map((roleId) => [roleId, roleId])),
	},
	{ id: FAKE_IDS.guild2, name: 'Second Fake Guild', systemChannelId: FAKE_IDS.channel2, roleIds: GUILD2_ROLES },
];

/** The fake's guilds, their members, roles and channels, and builders for their API objects. */
export class World {
	readonly ids = FAKE_IDS;
	/** The roles of the first guild (`ids.guild`); see `rolesOf` for any guild. */
	readonly roles: APIRole[] = [
		role(FAKE_IDS.everyoneRole, '@everyone', EVERYONE_PERMISSIONS, 0),
		role(FAKE_IDS.adminRole, 'admin', P.ManageGuild, 3),
		role(FAKE_IDS.moderatorRole, 'moderator', P.ManageMessages, 2),
		role(FAKE_IDS.botRole, 'fakebot', BOT_PERMISSIONS, 1, { managed: true, tags: { bot_id: FAKE_IDS.bot } }),
	];

	readonly #users = new Map<string, UserSeed>(SEEDS.map((seed) => [seed.id, seed]));
	readonly #guilds = new Map<string, GuildSeed>(GUILDS.map((seed) => [seed.id, seed]));
	readonly #roles = new Map<string, APIRole[]>();
	readonly #textChannels = new Map<string, APITextChannel>();
	readonly #dmChannels = new Map<string, APIDMChannel>();
	readonly #dmByUser = new Map<string, string>();
	/** `guildId:userId` of members who left (or were removed from) a guild. */
	readonly #departed = new Set<string>();
	/** Users whose DMs are closed to the bot. */
	readonly #closedDms = new Set<string>();
	readonly #newId: () => string;

	constructor(newId: () => string) {
		this.#newId = newId;
		for (const seed of GUILDS) {
			const roles =
				seed.id === FAKE_IDS.guild
					? this.roles
					: this.roles.map((entry) => ({ ...entry, id: seed.roleIds[entry.id] ?? entry.id }));
			this.#roles.set(seed.id, roles);
		}
		this.#textChannels.set(FAKE_IDS.channel, this.#textChannel(FAKE_IDS.channel, 'general', 0, FAKE_IDS.guild));
		this.#textChannels.set(
			FAKE_IDS.otherChannel,
			this.#textChannel(FAKE_IDS.otherChannel, 'random', 1, FAKE_IDS.guild),
		);
		this.#textChannels.set(FAKE_IDS.channel2, this.#textChannel(FAKE_IDS.channel2, 'general', 0, FAKE_IDS.guild2));
	}

	/** The guilds' ids, the first guild first. */
	guildIds(): string[] {
		return [...this.#guilds.keys()];
	}

	hasGuild(guildId: string): boolean {
		return this.#guilds.has(guildId);
	}

	/** A guild's roles (the first guild's by default). */
	rolesOf(guildId: string = FAKE_IDS.guild): APIRole[] {
		return this.#roles.get(guildId) ?? [];
	}

	#seed(guildId: string): GuildSeed {
		const seed = this.#guilds.get(guildId);
		if (!seed) throw new Error(`Fake Discord: unknown guild ${guildId}`);
		return seed;
	}

	#textChannel(channelId: string, name: string, position: number, guildId: string): APITextChannel {
		return {
			id: channelId,
			type: ChannelType.GuildText,
			guild_id: guildId,
			name,
			position,
			permission_overwrites: [],
			nsfw: false,
			topic: null,
			last_message_id: null,
			last_pin_timestamp: null,
			rate_limit_per_user: 0,
			parent_id: null,
			flags: 0 as ChannelFlags,
			default_thread_rate_limit_per_user: 0,
			default_auto_archive_duration: 1440,
		};
	}

	user(userId: string): APIUser | undefined {
		const seed = this.#users.get(userId);
		if (!seed) return undefined;
		return {
			id: seed.id,
			username: seed.username,
			discriminator: '0',
			global_name: seed.globalName,
			avatar: null,
			...(seed.bot ? { bot: true } : {}),
			public_flags: 0 as UserFlags,
			flags: 0 as UserFlags,
			banner: null,
			accent_color: null,
			avatar_decoration_data: null,
			collectibles: null,
			primary_guild: null,
		};
	}

	/** A user object for an id the fake knows, or a plausible stranger for any other id. */
	userOrStranger(userId: string): APIUser {
		return (
			this.user(userId) ?? {
				id: userId,
				username: `user${userId.slice(-4)}`,
				discriminator: '0',
				global_name: null,
				avatar: null,
			}
		);
	}

	isMember(userId: string): boolean {
		return this.#users.has(userId);
	}

	memberIds(): string[] {
		return [...this.#users.keys()];
	}

	/** A member of a guild (the first guild by default); every user the fake knows is in every guild until they leave. */
	member(userId: string, guildId: string = FAKE_IDS.guild): APIGuildMember | undefined {
		const seed = this.#users.get(userId);
		const user = this.user(userId);
		if (!seed || !user || this.#departed.has(`${guildId}:${userId}`)) return undefined;
		const roleIds = this.#guilds.get(guildId)?.roleIds;
		return {
			user,
			nick: null,
			avatar: null,
			banner: null,
			roles: seed.roles.map((roleId) => roleIds?.[roleId] ?? roleId),
			joined_at: JOINED_AT,
			premium_since: null,
			deaf: false,
			mute: false,
			flags: 0 as GuildMemberFlags,
			pending: false,
			communication_disabled_until: null,
		};
	}

	/** The user leaves the guild (or is kicked or banned): from now on they are not its member. */
	removeMember(userId: string, guildId: string = FAKE_IDS.guild): void {
		this.#seed(guildId);
		this.#departed.add(`${guildId}:${userId}`);
	}

	/** The user closes their DMs to the bot: messages to their DM channel answer 403 / 50007. */
	closeDms(userId: string): void {
		this.#closedDms.add(userId);
	}

	/** Whether a DM channel's recipient has closed their DMs. */
	dmsClosed(channelId: string): boolean {
		const recipient = this.#dmChannels.get(channelId)?.recipients?.[0]?.id;
		return recipient !== undefined && this.#closedDms.has(recipient);
	}

	/** Guild-level permissions of a member, computed from @everyone and their roles (owner and Administrator: all). */
	permissionsOf(userId: string, guildId: string = FAKE_IDS.guild): bigint {
		if (userId === FAKE_IDS.owner) return ALL_PERMISSIONS;
		const roleIds = new Set([guildId, ...(this.member(userId, guildId)?.roles ?? [])]);
		const permissions = this.rolesOf(guildId)
			.filter((entry) => roleIds.has(entry.id))
			.reduce((all, entry) => all | BigInt(entry.permissions), 0n);
		return permissions & P.Administrator ? ALL_PERMISSIONS : permissions;
	}

	interactionMember(userId: string, permissions?: string, guildId: string = FAKE_IDS.guild): APIInteractionGuildMember {
		const member = this.member(userId, guildId);
		const user = this.userOrStranger(userId);
		return {
			user,
			nick: null,
			avatar: null,
			banner: null,
			roles: member?.roles ?? [],
			joined_at: member?.joined_at ?? JOINED_AT,
			premium_since: null,
			deaf: false,
			mute: false,
			flags: 0 as GuildMemberFlags,
			pending: false,
			communication_disabled_until: null,
			permissions: permissions ?? this.permissionsOf(userId, guildId).toString(),
		};
	}

	textChannel(channelId: string): APITextChannel | undefined {
		return this.#textChannels.get(channelId);
	}

	/** A guild's text channels, or every guild's. */
	textChannels(guildId?: string): APITextChannel[] {
		const all = [...this.#textChannels.values()];
		return guildId === undefined ? all : all.filter((channel) => channel.guild_id === guildId);
	}

	dmChannel(channelId: string): APIDMChannel | undefined {
		return this.#dmChannels.get(channelId);
	}

	/** The DM channel with a user, created on first use (same id every time, as on Discord). */
	dmChannelFor(userId: string): APIDMChannel {
		const existing = this.#dmByUser.get(userId);
		const found = existing === undefined ? undefined : this.#dmChannels.get(existing);
		if (found) return found;
		const channel: APIDMChannel = {
			id: this.#newId(),
			type: ChannelType.DM,
			last_message_id: null,
			recipients: [this.userOrStranger(userId)],
			flags: 0 as ChannelFlags,
			name: null,
		};
		this.#dmChannels.set(channel.id, channel);
		this.#dmByUser.set(userId, channel.id);
		return channel;
	}

	/** Any channel the fake knows: a guild text channel or a DM channel. */
	channel(channelId: string): APITextChannel | APIDMChannel | undefined {
		return this.#textChannels.get(channelId) ?? this.#dmChannels.get(channelId);
	}

	/** The guild a channel belongs to, or null for DMs. */
	guildOf(channelId: string): string | null {
		return this.#textChannels.get(channelId)?.guild_id ?? null;
	}

	addTextChannel(name: string, guildId: string = FAKE_IDS.guild): APITextChannel {
		this.#seed(guildId);
		const channel = this.#textChannel(this.#newId(), name, this.textChannels(guildId).length, guildId);
		this.#textChannels.set(channel.id, channel);
		return channel;
	}

	removeChannel(channelId: string): APITextChannel | APIDMChannel | undefined {
		const channel = this.channel(channelId);
		this.#textChannels.delete(channelId);
		this.#dmChannels.delete(channelId);
		for (const [userId, dmId] of this.#dmByUser) if (dmId === channelId) this.#dmByUser.delete(userId);
		return channel;
	}

	guild(guildId: string = FAKE_IDS.guild): APIGuild {
		const seed = this.#seed(guildId);
		return {
			id: seed.id,
			name: seed.name,
			icon: null,
			splash: null,
			discovery_splash: null,
			owner_id: FAKE_IDS.owner,
			region: 'us-west',
			afk_channel_id: null,
			afk_timeout: 300,
			widget_enabled: false,
			widget_channel_id: null,
			verification_level: 1,
			default_message_notifications: 1,
			explicit_content_filter: 2,
			roles: this.rolesOf(guildId).map((entry) => ({ ...entry })),
			emojis: [],
			features: [],
			mfa_level: 0,
			application_id: null,
			system_channel_id: seed.systemChannelId,
			system_channel_flags: 0 as GuildSystemChannelFlags,
			rules_channel_id: null,
			max_presences: null,
			max_members: 500_000,
			vanity_url_code: null,
			description: null,
			banner: null,
			premium_tier: 0,
			premium_subscription_count: 0,
			preferred_locale: Locale.EnglishUS,
			public_updates_channel_id: null,
			max_video_channel_users: 25,
			max_stage_video_channel_users: 50,
			nsfw_level: 0,
			stickers: [],
			premium_progress_bar_enabled: false,
			hub_type: null,
			safety_alerts_channel_id: null,
			incidents_data: null,
		};
	}

	guildCreate(guildId: string = FAKE_IDS.guild): GatewayGuildCreateDispatchData {
		const members = this.memberIds().flatMap((userId) => {
			const member = this.member(userId, guildId);
			return member ? [member] : [];
		});
		return {
			...this.guild(guildId),
			joined_at: JOINED_AT,
			large: false,
			unavailable: false,
			member_count: members.length,
			voice_states: [],
			members,
			channels: this.textChannels(guildId),
			threads: [],
			presences: [],
			stage_instances: [],
			guild_scheduled_events: [],
			soundboard_sounds: [],
		};
	}
}
