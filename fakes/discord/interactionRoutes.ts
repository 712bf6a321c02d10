import { InteractionResponseType, InteractionType, MessageFlags, MessageType } from 'discord-api-types/v10';
import type { InteractionRecord } from './interactions.js';
import { toApiMessage } from './messages.js';
import type { MessageOrigin, MessageResult } from './messages.js';
import type { FakeState, RouteContext, RouteTable } from './state.js';
import { param } from './state.js';
import type { StoredMessage } from './types.js';
import { ERRORS, asNumber, fieldError, isRecord, json, noContent } from './util.js';
import type { FakeResponse } from './util.js';

/** The interaction callback and the interaction webhook (original response and followups). */
export function addInteractionRoutes(routes: RouteTable, state: FakeState): void {
	const { world, store, interactions } = state;

	const origin = (record: InteractionRecord, extra: Partial<MessageOrigin> = {}): MessageOrigin => {
		const user = interactions.user(record.userId);
		const isCommand = record.type === InteractionType.ApplicationCommand;
		return {
			channelId: record.channelId,
			author: world.userOrStranger(world.ids.bot),
			type: isCommand ? MessageType.ChatInputCommand : MessageType.Default,
			webhookId: world.ids.application,
			allowEphemeral: true,
			interaction: {
				id: record.id,
				type: record.type,
				...(record.name === undefined ? {} : { name: record.name }),
				...(record.commandType === undefined ? {} : { commandType: record.commandType }),
				...(record.type === InteractionType.MessageComponent && record.sourceMessageId !== undefined
					? { interactedMessageId: record.sourceMessageId }
					: {}),
				user,
				guildId: record.guildId,
			},
			...extra,
		};
	};

	const failed = (result: MessageResult & { ok: false }, context: RouteContext): FakeResponse => {
		if (!result.expected) state.violations.push(`${context.method} ${context.path}: ${result.problem}`);
		return result.response;
	};

	const invalidCallback = (context: RouteContext, reason: string): FakeResponse => {
		state.violations.push(`${context.method} ${context.path}: ${reason}`);
		return ERRORS.invalidFormBody(fieldError(['type'], 'INTERACTION_CALLBACK_TYPE_INVALID', reason));
	};

	routes.add('/interactions/{interaction_id}/{interaction_token}/callback', {
		auth: 'webhook',
		handlers: {
			POST: (context) => {
				const record = interactions.byId.get(param(context, 'interaction_id'));
				if (!record || record.token !== param(context, 'interaction_token') || record.expired)
					return ERRORS.unknownInteraction();
				if (record.ackType !== undefined) return ERRORS.alreadyAcknowledged();
				const body = isRecord(context.body) ? context.body : {};
				const type = asNumber(body['type']);
				const data = isRecord(body['data']) ? body['data'] : {};
				const fromMessage = record.sourceMessageId !== undefined;
				let message: StoredMessage | undefined;
				switch (type) {
					case InteractionResponseType.ChannelMessageWithSource: {
						const result = store.create(origin(record), data, context.files);
						if (!result.ok) return failed(result, context);
						message = result.message;
						record.originalMessageId = message.id;
						break;
					}
					case InteractionResponseType.DeferredChannelMessageWithSource: {
						const flags = (asNumber(data['flags']) ?? 0) & MessageFlags.Ephemeral;
						const result = store.create(origin(record, { loading: true }), { flags }, []);
						if (!result.ok) return failed(result, context);
						message = result.message;
						record.originalMessageId = message.id;
						break;
					}
					case InteractionResponseType.DeferredMessageUpdate:
					case InteractionResponseType.UpdateMessage: {
						const source =
							record.sourceMessageId === undefined ? undefined : store.messages.get(record.sourceMessageId);
						if (!fromMessage)
							return invalidCallback(context, `callback type ${type} needs an interaction on a message`);
						if (!source) return ERRORS.unknownMessage();
						message = source;
						if (type === InteractionResponseType.UpdateMessage) {
							const result = store.edit(source, data, context.files);
							if (!result.ok) return failed(result, context);
							message = result.message;
						}
						record.originalMessageId = message.id;
						break;
					}
					case InteractionResponseType.ApplicationCommandAutocompleteResult:
						if (record.type !== InteractionType.ApplicationCommandAutocomplete) {
							return invalidCallback(context, 'autocomplete results answer autocomplete interactions only');
						}
						break;
					case InteractionResponseType.Modal:
						if (record.type === InteractionType.ModalSubmit)
							return invalidCallback(context, 'a modal submit cannot open a modal');
						record.modal = data;
						break;
					default:
						return invalidCallback(context, `callback type ${String(type)} is not valid for a gateway interaction`);
				}
				record.ackType = type;
				if (message) record.messageIds.add(message.id);
				if (context.query.get('with_response') !== 'true') return noContent();
				const flags = message?.flags ?? 0;
				return json(200, {
					interaction: {
						id: record.id,
						type: record.type,
						...(message
							? {
									response_message_id: message.id,
									response_message_loading: (flags & MessageFlags.Loading) !== 0,
									response_message_ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
								}
							: {}),
					},
					resource: { type, ...(message ? { message: toApiMessage(message) } : {}) },
				});
			},
		},
	});

	/** The interaction behind a webhook route, or the answer Discord gives when there is none. */
	const interactionOf = (context: RouteContext): InteractionRecord | FakeResponse => {
		if (param(context, 'webhook_id') !== world.ids.application) return ERRORS.unknownWebhook();
		const record = interactions.byToken.get(param(context, 'webhook_token'));
		if (!record || record.expired) return ERRORS.invalidWebhookToken();
		return record;
	};
	const isResponse = (value: InteractionRecord | FakeResponse): value is FakeResponse => 'status' in value;

	const messageRoute = (pick: (record: InteractionRecord, context: RouteContext) => string | undefined) => {
		const find = (context: RouteContext): { record: InteractionRecord; message: StoredMessage } | FakeResponse => {
			const record = interactionOf(context);
			if (isResponse(record)) return record;
			const messageId = pick(record, context);
			const message = messageId === undefined ? undefined : store.messages.get(messageId);
			return message ? { record, message } : ERRORS.unknownMessage();
		};
		return {
			auth: 'webhook' as const,
			handlers: {
				GET: (context: RouteContext): FakeResponse => {
					const found = find(context);
					return 'status' in found ? found : json(200, toApiMessage(found.message));
				},
				PATCH: (context: RouteContext): FakeResponse => {
					const found = find(context);
					if ('status' in found) return found;
					const result = store.edit(found.message, context.body, context.files);
					return result.ok ? json(200, toApiMessage(result.message)) : failed(result, context);
				},
				DELETE: (context: RouteContext): FakeResponse => {
					const found = find(context);
					if ('status' in found) return found;
					store.messages.delete(found.message.id);
					return noContent();
				},
			},
		};
	};
	routes.add(
		'/webhooks/{webhook_id}/{webhook_token}/messages/@original',
		messageRoute((record) => record.originalMessageId),
	);
	routes.add(
		'/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}',
		messageRoute((record, context) => {
			const messageId = param(context, 'message_id');
			return record.messageIds.has(messageId) ? messageId : undefined;
		}),
	);

	routes.add('/webhooks/{webhook_id}/{webhook_token}', {
		auth: 'webhook',
		handlers: {
			POST: (context) => {
				const record = interactionOf(context);
				if (isResponse(record)) return record;
				if (record.ackType === undefined) return ERRORS.unknownWebhook();
				const original =
					record.originalMessageId === undefined ? undefined : store.messages.get(record.originalMessageId);
				let result: MessageResult;
				if (original && ((original.flags ?? 0) & MessageFlags.Loading) !== 0) {
					// Discord: the first followup after a deferred reply edits the "thinking" message instead (ephemeral state kept).
					const body = isRecord(context.body) ? { ...context.body } : {};
					delete body['flags'];
					result = store.edit(original, body, context.files);
				} else {
					const followup = origin(record);
					if (followup.interaction && record.originalMessageId !== undefined) {
						followup.interaction.originalResponseMessageId = record.originalMessageId;
					}
					result = store.create(followup, context.body, context.files);
				}
				if (!result.ok) return failed(result, context);
				record.messageIds.add(result.message.id);
				// Interaction followups always answer with the message (`wait` is always true for them).
				return json(200, toApiMessage(result.message));
			},
		},
	});
}
