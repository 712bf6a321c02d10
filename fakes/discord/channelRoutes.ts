import { MessageFlags, MessageType } from 'discord-api-types/v10';
import { toApiMessage } from './messages.js';
import { parseEmoji, updateReactions } from './reactions.js';
import type { FakeState, RouteContext, RouteTable } from './state.js';
import { param } from './state.js';
import type { StoredMessage } from './types.js';
import { ERRORS, asString, isRecord, json, noContent } from './util.js';
import type { FakeResponse } from './util.js';

/** Channels, their messages and reactions, and DM channels. */
export function addChannelRoutes(routes: RouteTable, state: FakeState): void {
	const { world, store } = state;

	const channelOf = (context: RouteContext): { channelId: string; guildId: string | null } | FakeResponse => {
		const channelId = param(context, 'channel_id');
		return world.channel(channelId) ? { channelId, guildId: world.guildOf(channelId) } : ERRORS.unknownChannel();
	};
	/** A message the bot can see through the channel routes (ephemeral messages exist only for their webhook). */
	const messageOf = (context: RouteContext): { message: StoredMessage; guildId: string | null } | FakeResponse => {
		const channel = channelOf(context);
		if ('status' in channel) return channel;
		const message = store.messages.get(param(context, 'message_id'));
		if (!message || message.channel_id !== channel.channelId || ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0) {
			return ERRORS.unknownMessage();
		}
		return { message, guildId: channel.guildId };
	};

	routes.add('/channels/{channel_id}', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const channel = world.channel(param(context, 'channel_id'));
				return channel ? json(200, channel) : ERRORS.unknownChannel();
			},
		},
	});
	routes.add('/channels/{channel_id}/typing', {
		auth: 'bot',
		handlers: { POST: (context) => ('status' in channelOf(context) ? ERRORS.unknownChannel() : noContent()) },
	});

	routes.add('/channels/{channel_id}/messages', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const channel = channelOf(context);
				if ('status' in channel) return channel;
				const limit = Math.min(Number(context.query.get('limit') ?? '50') || 50, 100);
				const after = context.query.get('after');
				const before = context.query.get('before');
				const inChannel = [...store.messages.values()].filter(
					(message) =>
						message.channel_id === channel.channelId &&
						((message.flags ?? 0) & MessageFlags.Ephemeral) === 0 &&
						(after === null || BigInt(message.id) > BigInt(after)) &&
						(before === null || BigInt(message.id) < BigInt(before)),
				);
				// Newest first; with `after`, the ones just after it (Reference, "Get Channel Messages").
				const picked = after === null ? inChannel.reverse().slice(0, limit) : inChannel.slice(0, limit).reverse();
				return json(200, picked.map(toApiMessage));
			},
			POST: (context) => {
				const channel = channelOf(context);
				if ('status' in channel) return channel;
				if (world.dmsClosed(channel.channelId)) return ERRORS.cannotSendToUser();
				const body = isRecord(context.body) ? context.body : {};
				const reference = isRecord(body['message_reference']) ? body['message_reference'] : undefined;
				const isReply = reference !== undefined && (reference['type'] ?? 0) === 0;
				if (reference && isReply) {
					const target = store.messages.get(asString(reference['message_id']) ?? '');
					if (!target && reference['fail_if_not_exists'] !== false) return ERRORS.unknownMessage();
				}
				// Reference, "Create Message": with enforce_nonce, a nonce the author used in the past few minutes gets the
				// message it made then, and no new one.
				const nonce =
					typeof body['nonce'] === 'string' || typeof body['nonce'] === 'number' ? body['nonce'] : undefined;
				// A message's nonce is echoed in the answer to its creation only, never when it is fetched.
				const created = (message: StoredMessage) =>
					json(200, { ...toApiMessage(message), ...(nonce === undefined ? {} : { nonce }) });
				if (body['enforce_nonce'] === true) {
					const earlier = store.byNonce(world.ids.bot, nonce, state.nonceWindowMs);
					if (earlier) return created(earlier);
				}
				const result = store.create(
					{
						channelId: channel.channelId,
						author: world.userOrStranger(world.ids.bot),
						type: isReply ? MessageType.Reply : MessageType.Default,
						allowEphemeral: false,
					},
					body,
					context.files,
				);
				if (!result.ok) {
					if (!result.expected) state.violations.push(`${context.method} ${context.path}: ${result.problem}`);
					return result.response;
				}
				return created(result.message);
			},
		},
	});

	routes.add('/channels/{channel_id}/messages/{message_id}', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const found = messageOf(context);
				return 'status' in found ? found : json(200, toApiMessage(found.message));
			},
			PATCH: (context) => {
				const found = messageOf(context);
				if ('status' in found) return found;
				if (found.message.author.id !== world.ids.bot) return ERRORS.cannotEditOthers();
				const result = store.edit(found.message, context.body, context.files);
				if (!result.ok) {
					if (!result.expected) state.violations.push(`${context.method} ${context.path}: ${result.problem}`);
					return result.response;
				}
				return json(200, toApiMessage(result.message));
			},
			DELETE: (context) => {
				const found = messageOf(context);
				if ('status' in found) return found;
				if (found.message.author.id !== world.ids.bot && found.guildId === null) return ERRORS.cannotActInDm();
				store.messages.delete(found.message.id);
				state.reactions.delete(found.message.id);
				return noContent();
			},
		},
	});

	/** Adds or removes a user's reaction and refreshes the message's `reactions`. */
	const react = (
		message: StoredMessage,
		emoji: NonNullable<ReturnType<typeof parseEmoji>>,
		userId: string,
		add: boolean,
	): void => {
		updateReactions(state, message.id, emoji.key, emoji.emoji, userId, add);
	};
	const reactionRoute = (
		context: RouteContext,
		userId: (context: RouteContext) => string,
		add: boolean,
	): FakeResponse => {
		const found = messageOf(context);
		if ('status' in found) return found;
		const emoji = parseEmoji(param(context, 'emoji_name'));
		if (!emoji) return ERRORS.unknownEmoji();
		const target = userId(context);
		if (!add && target !== world.ids.bot && found.guildId === null) return ERRORS.cannotActInDm();
		react(found.message, emoji, target, add);
		return noContent();
	};
	routes.add('/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me', {
		auth: 'bot',
		handlers: {
			PUT: (context) => reactionRoute(context, () => world.ids.bot, true),
			DELETE: (context) => reactionRoute(context, () => world.ids.bot, false),
		},
	});
	routes.add('/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}', {
		auth: 'bot',
		handlers: { DELETE: (context) => reactionRoute(context, (ctx) => param(ctx, 'user_id'), false) },
	});
	routes.add('/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const found = messageOf(context);
				if ('status' in found) return found;
				const emoji = parseEmoji(param(context, 'emoji_name'));
				if (!emoji) return ERRORS.unknownEmoji();
				const users = [...(state.reactions.get(found.message.id)?.get(emoji.key)?.users ?? [])];
				return json(
					200,
					users.map((userId) => world.userOrStranger(userId)),
				);
			},
			DELETE: (context) => {
				const found = messageOf(context);
				if ('status' in found) return found;
				const emoji = parseEmoji(param(context, 'emoji_name'));
				if (!emoji) return ERRORS.unknownEmoji();
				if (found.guildId === null) return ERRORS.cannotActInDm();
				for (const userId of [...(state.reactions.get(found.message.id)?.get(emoji.key)?.users ?? [])]) {
					react(found.message, emoji, userId, false);
				}
				return noContent();
			},
		},
	});
	routes.add('/channels/{channel_id}/messages/{message_id}/reactions', {
		auth: 'bot',
		handlers: {
			DELETE: (context) => {
				const found = messageOf(context);
				if ('status' in found) return found;
				if (found.guildId === null) return ERRORS.cannotActInDm();
				state.reactions.delete(found.message.id);
				store.messages.set(found.message.id, { ...found.message, reactions: [] });
				return noContent();
			},
		},
	});

	routes.add('/users/@me/channels', {
		auth: 'bot',
		handlers: {
			POST: (context) => {
				const body = isRecord(context.body) ? context.body : {};
				const recipient = asString(body['recipient_id']);
				if (recipient === undefined || !world.isMember(recipient) || recipient === world.ids.bot)
					return ERRORS.invalidRecipient();
				return json(200, world.dmChannelFor(recipient));
			},
		},
	});
}
