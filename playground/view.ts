/**
 * What the page draws of a message the fake Discord holds: who wrote it, where, who may see it, its text, embeds,
 * files, buttons and reactions. Plain data, sent to the page as JSON.
 */
import { MessageFlags } from 'discord-api-types/v10';
import type { FakeDiscord, StoredMessage } from '../fakes/discord.js';

export interface ViewAttachment {
	id: string;
	url: string;
	filename: string;
	contentType: string;
	size: number;
	width?: number;
	height?: number;
}

export interface ViewReaction {
	emoji: { id: string | null; name: string };
	users: string[];
}

export interface ViewMessage {
	id: string;
	channelId: string;
	/** For a message in a DM channel: the member it was sent to. */
	dmWith?: string;
	/** For an ephemeral message: the only member who sees it. */
	visibleTo?: string;
	authorId: string;
	content: string;
	embeds: unknown[];
	attachments: ViewAttachment[];
	/** Action rows as Discord holds them (buttons with their custom ids). */
	components: unknown[];
	reactions: ViewReaction[];
	/** A deferred reply still "thinking". */
	loading: boolean;
	/** The slash command this message answers, and who used it. */
	command?: { name: string; userId: string };
	/** The message this one replies to. */
	replyTo?: string;
	timestamp: string;
	edited: boolean;
}

/** The DM channel of each member, by channel id → member id. */
export function dmChannels(discord: FakeDiscord, memberIds: string[]): Map<string, string> {
	return new Map(memberIds.map((memberId) => [discord.dmChannelId(memberId), memberId]));
}

export function viewMessage(
	message: StoredMessage,
	reactions: ViewReaction[],
	dms: ReadonlyMap<string, string>,
): ViewMessage {
	const flags = message.flags ?? 0;
	const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
	const user = message.interaction_metadata?.user.id;
	const view: ViewMessage = {
		id: message.id,
		channelId: message.channel_id,
		authorId: message.author.id,
		content: message.content,
		embeds: message.embeds,
		attachments: message.attachments.map((attachment) => ({
			id: attachment.id,
			url: attachment.url,
			filename: attachment.filename,
			contentType: attachment.content_type ?? 'application/octet-stream',
			size: attachment.size,
			...(attachment.width == null ? {} : { width: attachment.width }),
			...(attachment.height == null ? {} : { height: attachment.height }),
		})),
		components: message.components ?? [],
		reactions,
		loading: (flags & MessageFlags.Loading) !== 0,
		timestamp: message.timestamp,
		edited: message.edited_timestamp !== null,
	};
	const dmWith = dms.get(message.channel_id);
	if (dmWith !== undefined) view.dmWith = dmWith;
	if (ephemeral && user !== undefined) view.visibleTo = user;
	if (message.interaction && user !== undefined) view.command = { name: message.interaction.name, userId: user };
	// A reply, or an answer to a button: Discord's client shows both with the message they refer to above them.
	const metadata = message.interaction_metadata;
	const interacted = metadata && 'interacted_message_id' in metadata ? metadata.interacted_message_id : undefined;
	const replyTo = message.message_reference?.message_id ?? interacted;
	if (replyTo !== undefined) view.replyTo = replyTo;
	return view;
}
