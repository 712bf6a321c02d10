/**
 * The routes to a member, in the order they are tried: the interaction webhook while its token lives, the bot's own
 * edit of the reply, a new message in the channel that mentions the requester, a DM. Each route is built only when
 * it is open for the job; `tryRoutes` walks them until one takes the message.
 */
import { createHash } from 'node:crypto';
import { Routes, type APIMessage, type REST, type RawFile } from 'discord.js';
import type { PublishOptions } from '../jobs/contracts.js';
import type { DeliveryRoute, FinishedJob, PostAttempt } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import { timed } from '../timing.js';
import type { Wording } from '../userError.js';
import type { ButtonRow } from './components.js';
import { classify, codeOf, describeError, refusalWording, refusesButtons } from './deliveryErrors.js';
import { tokenUsable } from './interactionToken.js';
import { withFiles } from './multipart.js';
import type { RenderedMessage } from './render.js';
import { pingOnly } from './respond.js';

/** Discord's longest nonce. */
const NONCE_LENGTH = 25;

export type MessageBody = RenderedMessage & {
	components?: ButtonRow[];
	attachments: Array<{ id: string; filename: string }>;
};

/** One message to deliver, as the reply (`plain`) and as a new message that pings the requester (`mentioned`). */
export interface Outgoing {
	plain: MessageBody;
	mentioned: MessageBody;
	files: RawFile[];
	/** Uploaded file name → the result's index, to map Discord's attachments back to results. */
	resultIndexes: Map<string, number>;
	/** The same message without buttons, for when Discord refuses them. */
	withoutButtons?: Outgoing;
	/** Set on the notice that the job's own message could not be posted, for this reason. */
	notice?: string;
}

export interface Route {
	via: DeliveryRoute;
	/** Edits the reply (idempotent), rather than creating a message. */
	edits: boolean;
	send(message: Outgoing): Promise<APIMessage>;
}

/** What trying the routes in turn came to. */
export type ChainResult =
	| { landed: true; via: DeliveryRoute; message: APIMessage; sent: Outgoing; refusedEdit?: Route }
	/**
	 * `refusal`: why the message itself was refused, if it was (rather than every route being closed); `refusalWording`:
	 * the same for the member, in their language.
	 */
	| { landed: false; refusal?: string; refusalWording?: Wording; reasons: string[]; open: Route[] };

/** What a route needs to reach the member of one job. */
export interface RouteContext {
	rest: REST;
	job: FinishedJob;
	options: PublishOptions;
	log: Logger;
	now: () => number;
}

/** The reply, edited through the interaction's webhook while its token lives. */
function interactionEdit({ rest, job, now }: RouteContext): Route | undefined {
	const { interaction } = job.target;
	if (!tokenUsable(interaction, now())) return undefined;
	return edit(
		rest,
		'interaction',
		Routes.webhookMessage(interaction.applicationId, interaction.token, '@original'),
		false,
	);
}

/** The reply, edited by the bot as itself. */
function channelEdit({ rest, job }: RouteContext): Route | undefined {
	const { channelId, messageId } = job.target;
	return messageId ? edit(rest, 'channel-edit', Routes.channelMessage(channelId, messageId), true) : undefined;
}

/** A new message in the channel, mentioning the requester. */
function channelMessage(context: RouteContext): Route {
	const { target } = context.job;
	return {
		via: 'channel-message',
		edits: false,
		send: async (message) =>
			post(context, 'channel-message', target.channelId, {
				body: { ...message.mentioned, allowed_mentions: pingOnly(target.requesterId) },
				message,
			}),
	};
}

/** A DM to the requester (the channel opened once, on first use). */
function directMessage(context: RouteContext): Route {
	let dmChannel: string | undefined;
	return {
		via: 'dm',
		edits: false,
		send: async (message) => {
			dmChannel ??= (
				(await context.rest.post(Routes.userChannels(), {
					body: { recipient_id: context.job.target.requesterId },
				})) as { id: string }
			).id;
			return post(context, 'dm', dmChannel, { body: message.plain, message });
		},
	};
}

/** The routes in the order they are tried. */
const ROUTES: ReadonlyArray<(context: RouteContext) => Route | undefined> = [
	interactionEdit,
	channelEdit,
	channelMessage,
	directMessage,
];

/** The routes to the member, in order; those not open for this job (no live token, no reply) left out. */
export function routesFor(context: RouteContext): Route[] {
	return ROUTES.flatMap((build) => build(context) ?? []);
}

function edit(rest: REST, via: DeliveryRoute, route: `/${string}`, auth: boolean): Route {
	return {
		via,
		edits: true,
		send: async (message) =>
			(await rest.patch(route, { ...withFiles(message.plain, message.files), auth })) as APIMessage,
	};
}

/** Creates a message, recorded on the job first and carrying a nonce (see `publisher.ts`). */
async function post(
	{ rest, job, options, log, now }: RouteContext,
	route: PostAttempt['route'],
	channelId: string,
	{ body, message }: { body: MessageBody; message: Outgoing },
): Promise<APIMessage> {
	const nonce = nonceFor(job.id, message.notice === undefined ? route : `${route}-notice`);
	const attempt: PostAttempt = {
		route,
		channelId,
		nonce,
		at: now(),
		...(message.notice === undefined ? {} : { notice: message.notice }),
	};
	await options.beforePost?.(attempt);
	log.debug({ route, channelId }, 'Posting a new message');
	return (await rest.post(
		Routes.channelMessages(channelId),
		withFiles({ ...body, nonce, enforce_nonce: true }, message.files),
	)) as APIMessage;
}

/** Published for whoever listens as the time until Discord answers: up to the request going out, the REST queue's. */
async function sendTimed(route: Route, message: Outgoing): Promise<APIMessage> {
	return timed('REST queue', route.via, async () => route.send(message));
}

/** Tries each route in turn until one takes the message; throws at once on a transient failure. */
export async function tryRoutes(routes: readonly Route[], message: Outgoing, log: Logger): Promise<ChainResult> {
	const reasons: string[] = [];
	const open: Route[] = [];
	let refusal: { text: string; wording: Wording } | undefined;
	let refusedEdit: Route | undefined;
	let channelClosed = false;
	let sending = message;
	for (const route of routes) {
		// Both edits change the same reply: one that refused the message speaks for the other.
		if (route.edits && refusedEdit) continue;
		if (channelClosed && route.via !== 'dm') continue;
		try {
			let landed: APIMessage;
			try {
				landed = await sendTimed(route, sending);
			} catch (error) {
				if (!sending.withoutButtons || !refusesButtons(error)) throw error;
				// Refused for its buttons only: without them by this route, and by every route after it.
				log.warn({ via: route.via, err: error }, 'Discord refused the buttons; sending the message without them');
				sending = sending.withoutButtons;
				landed = await route.send(sending);
			}
			return {
				landed: true,
				via: route.via,
				message: landed,
				sent: sending,
				...(refusedEdit ? { refusedEdit } : {}),
			};
		} catch (error) {
			const kind = classify(error);
			if (kind === 'transient') throw error;
			reasons.push(`${route.via}: ${describeError(error)}`);
			if (kind === 'refused') {
				refusal ??= { text: describeError(error), wording: refusalWording(error) };
				open.push(route);
				if (route.edits) refusedEdit = route;
			}
			if (kind === 'channel-closed' && route.via !== 'dm') channelClosed = true;
			log.info({ via: route.via, code: codeOf(error), kind }, 'Route unavailable; trying the next one');
		}
	}
	return {
		landed: false,
		reasons,
		open,
		...(refusal === undefined ? {} : { refusal: refusal.text, refusalWording: refusal.wording }),
	};
}

/** A nonce Discord can compare: the job and what the message is, hashed to its 25 characters. */
export function nonceFor(jobId: string, what: string): string {
	return createHash('sha256').update(`${jobId}:${what}`).digest('base64url').slice(0, NONCE_LENGTH);
}
