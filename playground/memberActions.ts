/**
 * What a member does on the page, sent to the bot as Discord would: slash commands, button clicks and modal
 * submissions as interactions, reactions as gateway events. It watches the bot's answers as Discord's client does:
 * an interaction not acknowledged within 3 s "failed", and one answered with a modal opens it for that member.
 */
import { InteractionResponseType } from 'discord-api-types/v10';
import type {
	AttachmentInput,
	CommandOptionInput,
	FakeDiscord,
	InteractionHandle,
	RecordedRequest,
} from '../fakes/discord.js';
import type { Hub } from './hub.js';

/** Discord's deadline for acknowledging an interaction. */
const ACK_DEADLINE_MS = 3_000;

interface Pending {
	userId: string;
	channelId: string;
	/** What the member sees when it fails, e.g. "/imagine". */
	what: string;
	messageId?: string;
	timer: NodeJS.Timeout;
}

export interface CommandInput {
	userId: string;
	channelId: string;
	name: string;
	options: CommandOptionInput[];
	attachments: AttachmentInput[];
}

export class MemberActions {
	readonly #discord: FakeDiscord;
	readonly #hub: Hub;
	readonly #pending = new Map<string, Pending>();
	readonly #stopListening: () => void;

	constructor(discord: FakeDiscord, hub: Hub) {
		this.#discord = discord;
		this.#hub = hub;
		this.#stopListening = discord.onRequest((request) => this.#answered(request));
	}

	command(input: CommandInput): InteractionHandle {
		const handle = this.#discord.sendCommand({
			name: input.name,
			userId: input.userId,
			channelId: input.channelId,
			options: input.options,
			...(input.attachments.length > 0 ? { attachments: input.attachments } : {}),
		});
		this.#watch(handle, { userId: input.userId, channelId: input.channelId, what: `/${input.name}` });
		return handle;
	}

	click(userId: string, messageId: string, customId: string): InteractionHandle {
		const message = this.#discord.messages.get(messageId);
		if (!message) throw new RangeError('That message is gone.');
		const handle = this.#discord.sendComponent({ userId, messageId, customId });
		this.#watch(handle, { userId, channelId: message.channel_id, what: 'the button', messageId });
		return handle;
	}

	/** `channelId`: where the member is, to tell them there if the bot does not answer. */
	submitModal(userId: string, channelId: string, customId: string, fields: Record<string, string>): InteractionHandle {
		const handle = this.#discord.sendModalSubmit({ userId, customId, fields });
		this.#watch(handle, { userId, channelId, what: 'the form' });
		return handle;
	}

	react(userId: string, messageId: string, emoji: { id: string | null; name: string }, remove: boolean): void {
		if (!this.#discord.messages.has(messageId)) throw new RangeError('That message is gone.');
		this.#discord.sendReaction({ userId, messageId, emoji, remove });
	}

	stop(): void {
		this.#stopListening();
		for (const pending of this.#pending.values()) clearTimeout(pending.timer);
		this.#pending.clear();
	}

	#watch(handle: InteractionHandle, pending: Omit<Pending, 'timer'>): void {
		const timer = setTimeout(() => {
			this.#pending.delete(handle.id);
			this.#hub.emit('interaction-failed', pending);
		}, ACK_DEADLINE_MS);
		this.#pending.set(handle.id, { ...pending, timer });
	}

	/** The bot's answer to an interaction: it was acknowledged in time, and may have opened a modal. */
	#answered(request: RecordedRequest): void {
		const match = /^\/interactions\/(\d+)\/[^/]+\/callback$/.exec(request.path);
		if (request.method !== 'POST' || !match?.[1] || request.response.status >= 300) return;
		const pending = this.#pending.get(match[1]);
		if (!pending) return;
		clearTimeout(pending.timer);
		this.#pending.delete(match[1]);
		const body = request.body as { type?: number; data?: unknown } | undefined;
		if (body?.type === InteractionResponseType.Modal) {
			this.#hub.emit('modal', { userId: pending.userId, interactionId: match[1], modal: body.data });
		}
	}
}
