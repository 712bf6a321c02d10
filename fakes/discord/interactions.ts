import { ApplicationCommandOptionType, ChannelType, ComponentType, InteractionType } from 'discord-api-types/v10';
import type {
	APIAttachment,
	APIChatInputApplicationCommandInteraction,
	APIInteractionDataResolved,
	APIMessageComponentInteraction,
	APIModalSubmitInteraction,
	APIUser,
} from 'discord-api-types/v10';
import { BOT_PERMISSIONS, DM_APP_PERMISSIONS } from './ids.js';
import { toApiMessage } from './messages.js';
import type { MessageStore } from './messages.js';
import type {
	AttachmentInput,
	CommandOptionInput,
	SendCommandInput,
	SendComponentInput,
	SendModalSubmitInput,
} from './types.js';
import { interactionToken, isRecord } from './util.js';
import type { World } from './world.js';

/** 20 MiB per file: Discord's default upload limit (Reference, "Uploading Files"; it was 10 MiB from January 2025 to September 2026). */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 20 * 1024 * 1024;

/** What the fake remembers of an interaction it sent. */
export interface InteractionRecord {
	id: string;
	token: string;
	type: InteractionType;
	userId: string;
	channelId: string;
	guildId: string | null;
	name?: string;
	commandType?: number;
	/** Components and modals opened from them: the message they belong to. */
	sourceMessageId?: string;
	/** The callback type it was acknowledged with. */
	ackType?: number;
	/** The message `@original` refers to. */
	originalMessageId?: string;
	/** Messages this interaction's webhook may edit: the original and followups. */
	messageIds: Set<string>;
	/** The modal it opened (callback type 9), to mirror its layout on submit. */
	modal?: Record<string, unknown>;
	expired: boolean;
}

interface Context {
	userId: string;
	channelId: string;
	guildId: string | null;
	memberPermissions?: string | undefined;
	locale?: string | undefined;
}

export class Interactions {
	readonly byId = new Map<string, InteractionRecord>();
	readonly byToken = new Map<string, InteractionRecord>();
	readonly #world: World;
	readonly #store: MessageStore;
	readonly #newId: () => string;
	readonly #commandFor: (name: string, guildId: string | null) => { id: string; guildId?: string } | undefined;
	readonly #uploadLimit: number;

	constructor(
		world: World,
		store: MessageStore,
		newId: () => string,
		commandFor: (name: string, guildId: string | null) => { id: string; guildId?: string } | undefined,
		uploadLimit: number,
	) {
		this.#uploadLimit = uploadLimit;
		this.#world = world;
		this.#store = store;
		this.#newId = newId;
		this.#commandFor = commandFor;
	}

	#register(type: InteractionType, context: Context, extra: Partial<InteractionRecord>): InteractionRecord {
		const record: InteractionRecord = {
			id: this.#newId(),
			token: interactionToken(),
			type,
			userId: context.userId,
			channelId: context.channelId,
			guildId: context.guildId,
			messageIds: new Set(),
			expired: false,
			...extra,
		};
		this.byId.set(record.id, record);
		this.byToken.set(record.token, record);
		return record;
	}

	/** Fields every interaction carries, for a guild channel or a DM. */
	#base(record: InteractionRecord, context: Context): Record<string, unknown> {
		const world = this.#world;
		const locale = context.locale ?? 'en-US';
		const base: Record<string, unknown> = {
			id: record.id,
			application_id: world.ids.application,
			type: record.type,
			token: record.token,
			version: 1,
			locale,
			entitlements: [],
			attachment_size_limit: this.#uploadLimit,
			channel_id: context.channelId,
		};
		if (context.guildId !== null) {
			const member = world.interactionMember(context.userId, context.memberPermissions, context.guildId);
			const channel = world.textChannel(context.channelId);
			Object.assign(base, {
				guild_id: context.guildId,
				guild: { id: context.guildId, locale: 'en-US', features: [] },
				guild_locale: 'en-US',
				member,
				channel: {
					...(channel ?? {
						id: context.channelId,
						type: ChannelType.GuildText,
						guild_id: context.guildId,
						name: 'unknown',
					}),
					permissions: member.permissions,
				},
				app_permissions: BOT_PERMISSIONS.toString(),
				authorizing_integration_owners: { '0': context.guildId },
				context: 0,
			});
		} else {
			const user = world.userOrStranger(context.userId);
			const dm = world.dmChannel(context.channelId) ?? world.dmChannelFor(context.userId);
			Object.assign(base, {
				user,
				channel: { ...dm, recipients: [user] },
				app_permissions: DM_APP_PERMISSIONS.toString(),
				authorizing_integration_owners: { '0': '0' },
				context: 1,
			});
		}
		return base;
	}

	#context(input: {
		userId?: string | undefined;
		channelId?: string | undefined;
		guildId?: string | null | undefined;
	}): Context {
		const world = this.#world;
		const userId = input.userId ?? world.ids.user;
		if (input.channelId !== undefined) {
			const known = world.channel(input.channelId) !== undefined;
			const guildId =
				input.guildId !== undefined ? input.guildId : known ? world.guildOf(input.channelId) : world.ids.guild;
			return { userId, channelId: input.channelId, guildId };
		}
		const guildId = input.guildId === undefined ? world.ids.guild : input.guildId;
		if (guildId === null) return { userId, channelId: world.dmChannelFor(userId).id, guildId };
		return { userId, channelId: world.textChannels(guildId)[0]?.id ?? world.ids.channel, guildId };
	}

	command(input: SendCommandInput): { record: InteractionRecord; payload: APIChatInputApplicationCommandInteraction } {
		const context = { ...this.#context(input), memberPermissions: input.memberPermissions, locale: input.locale };
		const command = this.#commandFor(input.name, context.guildId);
		const record = this.#register(InteractionType.ApplicationCommand, context, { name: input.name, commandType: 1 });
		const resolved = this.#resolved(input.options ?? [], input.attachments ?? [], context);
		const data: Record<string, unknown> = {
			id: command?.id ?? this.#newId(),
			name: input.name,
			type: 1,
		};
		if (command?.guildId !== undefined) data['guild_id'] = command.guildId;
		if (input.options?.length) data['options'] = input.options.map(toOption);
		if (resolved) data['resolved'] = resolved;
		const payload = { ...this.#base(record, context), data };
		return { record, payload: payload as unknown as APIChatInputApplicationCommandInteraction };
	}

	#resolved(
		options: CommandOptionInput[],
		attachments: AttachmentInput[],
		context: Context,
	): APIInteractionDataResolved | undefined {
		const resolved: APIInteractionDataResolved = {};
		const ephemeralAttachment = (attachment: AttachmentInput): APIAttachment => ({
			id: attachment.id,
			filename: attachment.filename,
			size: attachment.size,
			url: attachment.url,
			proxy_url: attachment.url,
			...(attachment.content_type === undefined ? {} : { content_type: attachment.content_type }),
			...(attachment.width === undefined
				? {}
				: { width: attachment.width, height: attachment.height ?? attachment.width }),
			ephemeral: true,
		});
		if (attachments.length)
			resolved.attachments = Object.fromEntries(attachments.map((a) => [a.id, ephemeralAttachment(a)]));
		for (const option of flatten(options)) {
			if (!('value' in option) || typeof option.value !== 'string') continue;
			if (
				option.type === ApplicationCommandOptionType.User ||
				option.type === ApplicationCommandOptionType.Mentionable
			) {
				const user = this.#world.user(option.value);
				if (!user) continue;
				(resolved.users ??= {})[user.id] = user;
				if (context.guildId !== null) {
					const {
						user: _user,
						deaf: _deaf,
						mute: _mute,
						...member
					} = this.#world.interactionMember(user.id, undefined, context.guildId);
					(resolved.members ??= {})[user.id] = member;
				}
			}
			if (
				option.type === ApplicationCommandOptionType.Role ||
				option.type === ApplicationCommandOptionType.Mentionable
			) {
				const role = this.#world.rolesOf(context.guildId ?? undefined).find((entry) => entry.id === option.value);
				if (role) (resolved.roles ??= {})[role.id] = role;
			}
			if (option.type === ApplicationCommandOptionType.Channel) {
				const channel = this.#world.textChannel(option.value);
				if (channel) {
					(resolved.channels ??= {})[channel.id] = {
						id: channel.id,
						type: ChannelType.GuildText,
						name: channel.name,
						permissions: this.#world.permissionsOf(context.userId, context.guildId ?? undefined).toString(),
					};
				}
			}
		}
		return Object.keys(resolved).length ? resolved : undefined;
	}

	component(input: SendComponentInput): { record: InteractionRecord; payload: APIMessageComponentInteraction } {
		const message = this.#store.messages.get(input.messageId);
		if (!message) throw new Error(`Fake Discord: sendComponent: the fake holds no message ${input.messageId}`);
		const context = {
			...this.#context({ userId: input.userId, channelId: message.channel_id }),
			memberPermissions: input.memberPermissions,
			locale: input.locale,
		};
		const record = this.#register(InteractionType.MessageComponent, context, { sourceMessageId: message.id });
		const componentType = input.componentType ?? ComponentType.Button;
		const data: Record<string, unknown> = { custom_id: input.customId, component_type: componentType };
		if (componentType !== ComponentType.Button) data['values'] = input.values ?? [];
		const payload = { ...this.#base(record, context), data, message: toApiMessage(message) };
		return { record, payload: payload as unknown as APIMessageComponentInteraction };
	}

	modalSubmit(input: SendModalSubmitInput): { record: InteractionRecord; payload: APIModalSubmitInteraction } {
		const opener = [...this.byId.values()]
			.reverse()
			.find((entry) => entry.modal !== undefined && entry.modal['custom_id'] === input.customId);
		const messageId = input.messageId ?? opener?.sourceMessageId;
		const message = messageId === undefined ? undefined : this.#store.messages.get(messageId);
		const context = {
			...this.#context({
				userId: input.userId ?? opener?.userId,
				channelId: input.channelId ?? message?.channel_id ?? opener?.channelId,
				guildId: opener?.guildId,
			}),
			memberPermissions: input.memberPermissions,
			locale: input.locale,
		};
		const record = this.#register(InteractionType.ModalSubmit, context, message ? { sourceMessageId: message.id } : {});
		const layout = input.layout ?? modalLayout(opener?.modal) ?? 'label';
		let nextId = 1;
		const components = Object.entries(input.fields).map(([customId, value]) => {
			const textInput = { type: ComponentType.TextInput, id: 0, custom_id: customId, value };
			if (layout === 'actionRow') {
				const rowId = nextId++;
				textInput.id = nextId++;
				return { type: ComponentType.ActionRow, id: rowId, components: [textInput] };
			}
			const labelId = nextId++;
			textInput.id = nextId++;
			return { type: ComponentType.Label, id: labelId, component: textInput };
		});
		const payload: Record<string, unknown> = {
			...this.#base(record, context),
			data: { custom_id: input.customId, components },
		};
		if (message) payload['message'] = toApiMessage(message);
		return { record, payload: payload as unknown as APIModalSubmitInteraction };
	}

	user(userId: string): APIUser {
		return this.#world.userOrStranger(userId);
	}
}

function toOption(option: CommandOptionInput): Record<string, unknown> {
	if ('value' in option) {
		return option.focused === undefined
			? { name: option.name, type: option.type, value: option.value }
			: { name: option.name, type: option.type, value: option.value, focused: option.focused };
	}
	return { name: option.name, type: option.type, options: (option.options ?? []).map(toOption) };
}

function flatten(options: CommandOptionInput[]): CommandOptionInput[] {
	return options.flatMap((option) => ('value' in option ? [option] : flatten(option.options ?? [])));
}

/** Whether a modal the bot showed used Labels (type 18) or action rows. */
function modalLayout(modal: Record<string, unknown> | undefined): 'label' | 'actionRow' | undefined {
	const first = Array.isArray(modal?.['components']) ? modal['components'][0] : undefined;
	if (!isRecord(first)) return undefined;
	if (first['type'] === ComponentType.ActionRow) return 'actionRow';
	if (first['type'] === ComponentType.Label) return 'label';
	return undefined;
}
