import type {
	GatewayMessageReactionAddDispatchData,
	GatewayMessageReactionRemoveDispatchData,
} from 'discord-api-types/v10';
import type { FakeState } from './state.js';
import type { SendReactionInput } from './types.js';

const CUSTOM_EMOJI = /^(?<name>[\w-]{2,32}):(?<id>\d{17,20})$/;
const UNICODE_EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)/u;

/** An emoji from a reaction route segment (`🎨` or `name:id`), or undefined when Discord would not know it. */
export function parseEmoji(segment: string): { key: string; emoji: { id: string | null; name: string } } | undefined {
	const custom = CUSTOM_EMOJI.exec(segment)?.groups;
	if (custom?.['name'] !== undefined && custom['id'] !== undefined) {
		return { key: custom['id'], emoji: { id: custom['id'], name: custom['name'] } };
	}
	if (UNICODE_EMOJI.test(segment)) return { key: segment, emoji: { id: null, name: segment } };
	return undefined;
}

/** Adds or removes one user's reaction, and rewrites the stored message's `reactions` from the result. */
export function updateReactions(
	state: FakeState,
	messageId: string,
	key: string,
	emoji: { id: string | null; name: string },
	userId: string,
	add: boolean,
): void {
	let byEmoji = state.reactions.get(messageId);
	if (!byEmoji) {
		byEmoji = new Map();
		state.reactions.set(messageId, byEmoji);
	}
	let entry = byEmoji.get(key);
	if (!entry) {
		entry = { emoji, users: new Set() };
		byEmoji.set(key, entry);
	}
	if (add) entry.users.add(userId);
	else entry.users.delete(userId);
	if (entry.users.size === 0) byEmoji.delete(key);
	const message = state.store.messages.get(messageId);
	if (!message) return;
	const reactions = [...byEmoji.values()].map((reaction) => ({
		emoji: reaction.emoji,
		count: reaction.users.size,
		count_details: { burst: 0, normal: reaction.users.size },
		burst_colors: [],
		me: reaction.users.has(state.world.ids.bot),
		me_burst: false,
	}));
	state.store.messages.set(messageId, { ...message, reactions });
}

/** The MESSAGE_REACTION_ADD (or _REMOVE) a user's reaction makes Discord dispatch; also updates the message's reactions. */
export function reactionEvent(
	state: FakeState,
	input: SendReactionInput,
):
	| { t: 'MESSAGE_REACTION_ADD'; payload: GatewayMessageReactionAddDispatchData }
	| { t: 'MESSAGE_REACTION_REMOVE'; payload: GatewayMessageReactionRemoveDispatchData } {
	const { world } = state;
	const message = state.store.messages.get(input.messageId);
	const channelId = input.channelId ?? message?.channel_id ?? world.ids.channel;
	const guildId = world.guildOf(channelId);
	const userId = input.userId ?? (input.bot ? world.ids.otherBot : world.ids.user);
	const emoji = { id: input.emoji.id, name: input.emoji.name, ...(input.emoji.animated ? { animated: true } : {}) };
	updateReactions(
		state,
		input.messageId,
		emoji.id ?? emoji.name,
		{ id: emoji.id, name: emoji.name },
		userId,
		!input.remove,
	);
	const base = {
		user_id: userId,
		channel_id: channelId,
		message_id: input.messageId,
		emoji,
		...(guildId === null ? {} : { guild_id: guildId }),
	};
	if (input.remove) {
		return { t: 'MESSAGE_REACTION_REMOVE', payload: { ...base, burst: false, type: 0 } };
	}
	const payload: Record<string, unknown> = { ...base, type: 0, burst: false, burst_colors: [] };
	if (message) payload['message_author_id'] = message.author.id;
	if (guildId !== null) {
		const { permissions: _permissions, ...member } = world.interactionMember(userId, undefined, guildId);
		payload['member'] = input.bot ? { ...member, user: { ...member.user, bot: true } } : member;
	}
	return { t: 'MESSAGE_REACTION_ADD', payload: payload as unknown as GatewayMessageReactionAddDispatchData };
}
