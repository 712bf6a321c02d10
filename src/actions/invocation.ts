/**
 * One member acting on one result message, by button or by reaction, and how to answer them either way.
 * Handlers are written once against this; only the answering differs: a button has an interaction to defer and
 * reply to, a reaction has none, so the bot posts its own reply in the channel (or stays silent).
 */
import {
	MessageFlags,
	Routes,
	type APIMessage,
	type ButtonInteraction,
	type ModalSubmitInteraction,
	type REST,
} from 'discord.js';
import type { ButtonRow } from '../discord/components.js';
import { interactionHandle } from '../discord/interactionToken.js';
import { NO_PINGS, fitContent, tellPrivately } from '../discord/respond.js';
import type { JobTarget } from '../jobs/types.js';
import type { Logger } from '../logger.js';

export interface OutgoingFile {
	name: string;
	data: Buffer;
	contentType: string;
}

/** A message an action posts. */
export interface OutgoingMessage {
	content: string;
	components?: ButtonRow[];
	files?: OutgoingFile[];
}

/** What a posted message became on Discord. */
export interface PostedMessage {
	id: string;
	attachments: Array<{ filename: string; url: string }>;
}

export interface Responder {
	/** Acknowledges before slow work: a public reply, or a private one only the member sees. */
	defer(visibility: 'public' | 'private'): Promise<void>;
	/** Where a job started by this action shows its progress and result. */
	jobTarget(): Pick<JobTarget, 'interaction' | 'replyTo' | 'uploadLimitBytes'>;
	/** Posts a message: the (deferred) reply to the button, or a reply to the result in the channel. */
	post(message: OutgoingMessage): Promise<PostedMessage>;
	/**
	 * Tells the member something: privately for a button; for a reaction, as a reply in the channel when
	 * `inChannel`, else not at all (there is nowhere private to say it).
	 */
	tell(text: string, options?: { inChannel?: boolean }): Promise<void>;
}

/**
 * The server a result belongs to, as its rules see the acting member: where (the channel they judge) and who (the
 * member's roles and permissions there). For a result in a server, its channel and the member as Discord sent them;
 * for one in DMs, the channel the job was asked for in and the member fetched from the server (see `member.ts`).
 */
export interface ServerView {
	guildId: string;
	/** The channel the server's rules judge. */
	channelId: string;
	/** When that channel is a thread: its parent (rules on a channel cover its threads). */
	parentChannelId: string | null;
	/** The member's role ids in the server. */
	roleIds(): Promise<readonly string[]>;
	/** The member's permissions in that channel (in the server as a whole when the channel cannot be read). */
	permissions(): Promise<bigint>;
}

export interface Invocation {
	userId: string;
	/** The bot's application (its commands and their permissions are the application's). */
	applicationId: string;
	/** Where the result message is: a server, or null for DMs. */
	guildId: string | null;
	channelId: string;
	/** The result message the member acted on. */
	messageId: string;
	/** The member's Discord locale; null for a reaction (it carries none). */
	locale: string | null;
	/** The server's preferred locale, when Discord says it (not in DMs). */
	guildLocale: string | null;
	/** The files on that message, as Discord signs them now (fresher than the stored URLs), when known. */
	attachments(): Promise<ReadonlyArray<{ name: string; url: string }> | undefined>;
	/** Whether the member has Manage Messages where the result is. */
	canManageMessages(): Promise<boolean>;
	/**
	 * The result's server as its rules see the member, when the result is in that server. Undefined in DMs: `perform`
	 * resolves it there, and refuses a member who is no longer in the server.
	 */
	server?: ServerView;
	responder: Responder;
	log: Logger;
}

export class InteractionResponder implements Responder {
	public constructor(private readonly interaction: ButtonInteraction | ModalSubmitInteraction) {}

	public async defer(visibility: 'public' | 'private'): Promise<void> {
		if (this.interaction.deferred || this.interaction.replied) return;
		await this.interaction.deferReply(visibility === 'private' ? { flags: MessageFlags.Ephemeral } : {});
	}

	public jobTarget(): Pick<JobTarget, 'interaction' | 'uploadLimitBytes'> {
		const { interaction } = this;
		return {
			interaction: interactionHandle(interaction),
			...(interaction.attachmentSizeLimit ? { uploadLimitBytes: interaction.attachmentSizeLimit } : {}),
		};
	}

	public async post(message: OutgoingMessage): Promise<PostedMessage> {
		await this.defer('public');
		const sent = await this.interaction.editReply({
			content: message.content,
			components: message.components ?? [],
			files: (message.files ?? []).map((file) => ({ attachment: file.data, name: file.name })),
			allowedMentions: NO_PINGS,
		});
		return {
			id: sent.id,
			attachments: sent.attachments.map((attachment) => ({ filename: attachment.name, url: attachment.url })),
		};
	}

	public async tell(text: string): Promise<void> {
		await tellPrivately(this.interaction, text);
	}
}

export class ReactionResponder implements Responder {
	public constructor(
		private readonly rest: REST,
		private readonly channelId: string,
		private readonly messageId: string,
		private readonly log: Logger,
	) {}

	public async defer(): Promise<void> {
		// Nothing to acknowledge: a reaction has no interaction waiting for an answer.
	}

	public jobTarget(): Pick<JobTarget, 'replyTo'> {
		return { replyTo: this.messageId };
	}

	public async post(message: OutgoingMessage): Promise<PostedMessage> {
		const files = message.files ?? [];
		const sent = (await this.rest.post(Routes.channelMessages(this.channelId), {
			body: {
				content: message.content,
				...(message.components ? { components: message.components } : {}),
				...(files.length > 0
					? { attachments: files.map((file, index) => ({ id: String(index), filename: file.name })) }
					: {}),
				allowed_mentions: { ...NO_PINGS, replied_user: false },
				message_reference: { message_id: this.messageId, fail_if_not_exists: false },
			},
			files,
		})) as APIMessage;
		return {
			id: sent.id,
			attachments: sent.attachments.map((attachment) => ({ filename: attachment.filename, url: attachment.url })),
		};
	}

	public async tell(text: string, options: { inChannel?: boolean } = {}): Promise<void> {
		if (options.inChannel) await this.post({ content: fitContent(text) });
		else this.log.debug({ text }, 'Nothing to tell a reacting member (no private channel)');
	}
}
