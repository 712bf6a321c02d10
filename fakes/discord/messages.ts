import { MessageFlags } from 'discord-api-types/v10';
import type { APIAttachment, APIMessage, APIUser, MessageType } from 'discord-api-types/v10';
import type { Cdn } from './cdn.js';
import { applyMentions, numberComponents, resolveMedia } from './messageContent.js';
import { fileIndex } from './multipart.js';
import type { RecordedFile, StoredMessage } from './types.js';
import { ERRORS, asNumber, asString, fieldError, isRecord } from './util.js';
import type { FakeResponse } from './util.js';
import type { World } from './world.js';

/** Flags a request may set when creating a message (ephemeral only through interactions). */
const CREATE_FLAGS =
	MessageFlags.SuppressEmbeds |
	MessageFlags.SuppressNotifications |
	MessageFlags.IsComponentsV2 |
	MessageFlags.IsVoiceMessage;
const MAX_CONTENT_LENGTH = 2000;
/** Flags a request may change when editing. */
const EDIT_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;
/** Flags an edit keeps: ephemeral state cannot change, and Components V2 cannot be turned off. */
const STICKY_FLAGS = MessageFlags.Ephemeral | MessageFlags.IsComponentsV2;

/** Where a message comes from, for fields Discord fills in itself. */
export interface MessageOrigin {
	channelId: string;
	author: APIUser;
	type: MessageType;
	/** Interaction responses and followups: the application id. */
	webhookId?: string;
	interaction?: {
		id: string;
		type: number;
		name?: string;
		user: APIUser;
		guildId: string | null;
		originalResponseMessageId?: string;
		interactedMessageId?: string;
		commandType?: number;
	};
	/** Interactions may send ephemeral messages. */
	allowEphemeral: boolean;
	/** A deferred response: an empty "thinking" message. */
	loading?: boolean;
}

export type MessageResult =
	| { ok: true; message: StoredMessage }
	/** `expected`: Discord refuses it for what the world holds (an emoji deleted since), not a mistake in the request. */
	| { ok: false; response: FakeResponse; problem: string; expected?: boolean };

/** How long Discord remembers a nonce sent with `enforce_nonce` ("the past few minutes"). */
export const DEFAULT_NONCE_WINDOW_MS = 5 * 60_000;

/** Called with a message's id and its new state whenever the fake creates, edits or deletes it (undefined: deleted). */
export type MessageListener = (messageId: string, message: StoredMessage | undefined) => void;

/** The messages by id, telling listeners (if any) of every change, whichever route made it. */
export class MessageMap extends Map<string, StoredMessage> {
	readonly #listeners = new Set<MessageListener>();

	/** Listens to every change from now on; returns the function that stops listening. */
	listen(listener: MessageListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	override set(messageId: string, message: StoredMessage): this {
		super.set(messageId, message);
		for (const listener of this.#listeners) listener(messageId, message);
		return this;
	}

	override delete(messageId: string): boolean {
		const deleted = super.delete(messageId);
		if (deleted) for (const listener of this.#listeners) listener(messageId, undefined);
		return deleted;
	}
}

/** The fake's messages: creates and edits them the way Discord does, with their attachments on the CDN. */
export class MessageStore {
	readonly messages = new MessageMap();
	readonly cdn: Cdn;
	readonly #world: World;
	readonly #newId: () => string;
	readonly #warnings: string[];
	readonly #usableEmoji: (emojiId: string) => boolean;
	/** Messages created with a nonce: `author:nonce` → the message and when it was made. */
	readonly #nonces = new Map<string, { messageId: string; at: number }>();

	constructor(
		world: World,
		cdn: Cdn,
		newId: () => string,
		warnings: string[],
		usableEmoji: (emojiId: string) => boolean = () => true,
	) {
		this.#world = world;
		this.cdn = cdn;
		this.#newId = newId;
		this.#warnings = warnings;
		this.#usableEmoji = usableEmoji;
	}

	/** The message this author created with this nonce within `windowMs`, if it still exists. */
	byNonce(authorId: string, nonce: unknown, windowMs: number): StoredMessage | undefined {
		if (typeof nonce !== 'string' && typeof nonce !== 'number') return undefined;
		const seen = this.#nonces.get(`${authorId}:${String(nonce)}`);
		if (!seen || Date.now() - seen.at > windowMs) return undefined;
		return this.messages.get(seen.messageId);
	}

	/** Creates a message from a request body (content, embeds, components, attachments, flags …) and uploads. */
	create(origin: MessageOrigin, body: unknown, uploads: RecordedFile[]): MessageResult {
		const input = isRecord(body) ? body : {};
		const requested = asNumber(input['flags']) ?? 0;
		const allowed = CREATE_FLAGS | (origin.allowEphemeral ? MessageFlags.Ephemeral : 0);
		let flags = requested & allowed;
		if (origin.loading) flags |= MessageFlags.Loading;
		const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
		const attachments = this.#attachments(origin.channelId, input['attachments'], uploads, [], ephemeral, false);
		if (!attachments.ok) return attachments;
		const content = asString(input['content']) ?? '';
		const message: APIMessage = {
			id: this.#newId(),
			channel_id: origin.channelId,
			author: origin.author,
			content,
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			tts: input['tts'] === true,
			mention_everyone: false,
			mentions: [],
			mention_roles: [],
			attachments: attachments.list,
			embeds: [],
			pinned: false,
			type: origin.type,
			flags,
			components: [],
		};
		if (origin.webhookId !== undefined) {
			message.webhook_id = origin.webhookId;
			message.application_id = origin.webhookId;
		}
		// A nonce is echoed in the answer to the create only (see the channel routes), never stored with the message.
		const nonce = typeof input['nonce'] === 'string' || typeof input['nonce'] === 'number' ? input['nonce'] : undefined;
		if (isRecord(input['message_reference']))
			message.message_reference = input['message_reference'] as unknown as APIMessage['message_reference'];
		if (origin.interaction) this.#interactionFields(message, origin.interaction);
		const stored: StoredMessage = { ...message, files: [] };
		const result = this.#apply(stored, input, attachments.list, true);
		if (result.ok) {
			this.messages.set(stored.id, result.message);
			if (nonce !== undefined)
				this.#nonces.set(`${origin.author.id}:${String(nonce)}`, { messageId: stored.id, at: Date.now() });
		}
		return result;
	}

	/** Edits a message like PATCH does; nothing changes when the edit is rejected. */
	edit(message: StoredMessage, body: unknown, uploads: RecordedFile[]): MessageResult {
		const input = isRecord(body) ? body : {};
		const ephemeral = (message.flags ?? 0) & MessageFlags.Ephemeral;
		let attachmentsList = message.attachments;
		if (input['attachments'] != null || uploads.length > 0) {
			const attachments = this.#attachments(
				message.channel_id,
				input['attachments'],
				uploads,
				message.attachments,
				ephemeral !== 0,
				true,
			);
			if (!attachments.ok) return attachments;
			attachmentsList = attachments.list;
		}
		let flags = (message.flags ?? 0) & ~MessageFlags.Loading;
		const requested = asNumber(input['flags']);
		if (requested !== undefined) flags = (flags & STICKY_FLAGS) | (requested & EDIT_FLAGS);
		const wasLoading = ((message.flags ?? 0) & MessageFlags.Loading) !== 0;
		const next: StoredMessage = {
			...message,
			flags,
			attachments: attachmentsList,
			edited_timestamp: wasLoading ? null : new Date().toISOString(),
		};
		if ('content' in input) next.content = asString(input['content']) ?? '';
		const result = this.#apply(next, input, attachmentsList, false);
		if (result.ok) this.messages.set(next.id, result.message);
		return result;
	}

	#interactionFields(message: APIMessage, interaction: NonNullable<MessageOrigin['interaction']>): void {
		const owners = interaction.guildId === null ? { '0': '0' } : { '0': interaction.guildId };
		const metadata: Record<string, unknown> = {
			id: interaction.id,
			type: interaction.type,
			user: interaction.user,
			authorizing_integration_owners: owners,
		};
		if (interaction.name !== undefined) metadata['name'] = interaction.name;
		if (interaction.commandType !== undefined) metadata['command_type'] = interaction.commandType;
		if (interaction.originalResponseMessageId !== undefined) {
			metadata['original_response_message_id'] = interaction.originalResponseMessageId;
		}
		if (interaction.interactedMessageId !== undefined)
			metadata['interacted_message_id'] = interaction.interactedMessageId;
		message.interaction_metadata = metadata as unknown as APIMessage['interaction_metadata'];
		if (interaction.type === 2 && interaction.name !== undefined) {
			message.interaction = {
				id: interaction.id,
				type: interaction.type,
				name: interaction.name,
				user: interaction.user,
			};
		}
	}

	/** Resolves the attachments of a create or edit: kept ones by id, new ones from `files[n]` by their index n. */
	#attachments(
		channelId: string,
		requested: unknown,
		uploads: RecordedFile[],
		existing: APIAttachment[],
		ephemeral: boolean,
		editing: boolean,
	): { ok: true; list: APIAttachment[] } | { ok: false; response: FakeResponse; problem: string } {
		const byIndex = new Map<string, RecordedFile>();
		for (const upload of uploads) {
			const index = fileIndex(upload.field);
			if (index !== undefined) byIndex.set(index, upload);
		}
		const used = new Set<RecordedFile>();
		const list: APIAttachment[] = [];
		if (Array.isArray(requested)) {
			for (const [position, entry] of requested.entries()) {
				const entryId = isRecord(entry) ? entry['id'] : undefined;
				const key = typeof entryId === 'number' || typeof entryId === 'string' ? String(entryId) : undefined;
				const kept = existing.find((attachment) => attachment.id === key);
				const upload = key === undefined ? undefined : byIndex.get(key);
				if (kept) {
					list.push(kept);
				} else if (upload && isRecord(entry)) {
					used.add(upload);
					const named = asString(entry['filename']);
					list.push(
						this.cdn.host(named ? { ...upload, name: named } : upload, channelId, {
							ephemeral,
							description: entry['description'],
							title: entry['title'],
						}),
					);
				} else {
					const problem = `attachments[${position}] (id ${JSON.stringify(entryId)}) is neither an attachment of the message nor a files[n] part`;
					return {
						ok: false,
						problem,
						response: ERRORS.invalidFormBody(
							fieldError(['attachments', String(position), 'id'], 'ATTACHMENT_NOT_FOUND', 'Unknown attachment'),
						),
					};
				}
			}
		} else {
			list.push(...existing);
		}
		for (const upload of uploads) {
			if (used.has(upload)) continue;
			if (Array.isArray(requested) && editing) {
				// Reference, "Editing Message Attachments": a PATCH appends only the files its `attachments` lists.
				this.#warnings.push(
					`upload ${upload.field} (${upload.name}) is not listed in attachments, so the edit drops it`,
				);
				continue;
			}
			if (Array.isArray(requested))
				this.#warnings.push(`upload ${upload.field} (${upload.name}) is not listed in attachments`);
			list.push(this.cdn.host(upload, channelId, { ephemeral }));
		}
		return { ok: true, list };
	}

	/** Applies embeds, components, mentions, checks the result like Discord does, and attaches the files. */
	#apply(
		message: StoredMessage,
		input: Record<string, unknown>,
		attachments: APIAttachment[],
		creating: boolean,
	): MessageResult {
		const byName = new Map(attachments.map((attachment) => [attachment.filename, attachment]));
		const missing = (url: string): void => {
			this.#warnings.push(`${url} names no attachment of the message`);
		};
		if ('embeds' in input) {
			const embeds = Array.isArray(input['embeds']) ? input['embeds'] : [];
			message.embeds = embeds.map((embed) => ({
				type: 'rich',
				...(resolveMedia(embed, byName, missing) as Record<string, unknown>),
			})) as APIMessage['embeds'];
		}
		if ('components' in input) {
			const components = Array.isArray(input['components']) ? input['components'] : [];
			const counter = { next: 1 };
			message.components = components.map((component) =>
				numberComponents(resolveMedia(component, byName, missing), counter),
			) as APIMessage['components'];
		}
		const unusable = unusableEmoji(message.components ?? [], this.#usableEmoji, ['components']);
		if (unusable) {
			return {
				ok: false,
				expected: true,
				problem: `${unusable.join('.')}: an emoji the bot cannot use`,
				response: ERRORS.invalidFormBody(fieldError(unusable, 'BUTTON_COMPONENT_INVALID_EMOJI', 'Invalid emoji')),
			};
		}
		if (creating || 'content' in input || 'allowed_mentions' in input)
			applyMentions(message, input['allowed_mentions'], this.#world);
		// The OpenAPI document allows 4000 characters in channel messages (a Nitro user's limit); bots get 2000.
		if ([...message.content].length > MAX_CONTENT_LENGTH) {
			return {
				ok: false,
				problem: `content is longer than ${MAX_CONTENT_LENGTH} characters`,
				response: ERRORS.invalidFormBody(
					fieldError(['content'], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CONTENT_LENGTH} or fewer in length.`),
				),
			};
		}
		const flags = message.flags ?? 0;
		const components = message.components ?? [];
		if (flags & MessageFlags.IsComponentsV2) {
			const legacy = ['content', 'embeds'].find((field) =>
				field === 'content' ? message.content !== '' : message.embeds.length > 0,
			);
			if (legacy) {
				return {
					ok: false,
					problem: `'${legacy}' cannot be used with the IS_COMPONENTS_V2 flag`,
					response: ERRORS.invalidFormBody(
						fieldError(
							[legacy],
							'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
							`The '${legacy}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2`,
						),
					),
				};
			}
		} else {
			const index = components.findIndex((component) => component.type !== 1);
			if (index !== -1) {
				return {
					ok: false,
					problem: `components[${index}] (type ${String(components[index]?.type)}) needs the IS_COMPONENTS_V2 flag (only action rows without it)`,
					response: ERRORS.invalidFormBody(
						fieldError(
							['components', String(index)],
							'UNION_TYPE_CHOICES',
							'Value of field "type" must be one of (1,).',
						),
					),
				};
			}
		}
		const loading = (flags & MessageFlags.Loading) !== 0;
		const empty =
			message.content.trim() === '' &&
			message.embeds.length === 0 &&
			components.length === 0 &&
			message.attachments.length === 0 &&
			!isRecord(input['poll']) &&
			!(Array.isArray(input['sticker_ids']) && input['sticker_ids'].length > 0);
		if (empty && !loading) return { ok: false, problem: 'empty message', response: ERRORS.emptyMessage() };
		message.files = message.attachments.flatMap((attachment) => {
			const file = this.cdn.fileOf(attachment.id);
			return file ? [file] : [];
		});
		return { ok: true, message };
	}
}

/** The message as the API returns it (without the fake's `files`). */
export function toApiMessage(message: StoredMessage): APIMessage {
	const { files: _files, ...api } = message;
	return api;
}

/** The path of the first custom emoji among the components that the bot cannot use (`components.0.components.1.emoji.id`). */
function unusableEmoji(node: unknown, usable: (emojiId: string) => boolean, path: string[]): string[] | undefined {
	if (Array.isArray(node)) {
		for (const [index, item] of node.entries()) {
			const found = unusableEmoji(item, usable, [...path, String(index)]);
			if (found) return found;
		}
		return undefined;
	}
	if (!isRecord(node)) return undefined;
	const emoji = node['emoji'];
	if (isRecord(emoji) && typeof emoji['id'] === 'string' && !usable(emoji['id'])) return [...path, 'emoji', 'id'];
	return unusableEmoji(node['components'], usable, [...path, 'components']);
}
