/**
 * How Discord said no to a delivery, from its error codes: worth retrying later, the channel closed, this route
 * closed (the next may be open), or the message itself refused.
 */
import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from 'discord.js';
import { t } from '../i18n/index.js';
import type { Wording } from '../userError.js';

const { InvalidFormBodyOrContentType, UnknownEmoji } = RESTJSONErrorCodes;
/** The channel is gone or closed to the bot: neither an edit nor a new message there can work. */
const CHANNEL_CLOSED: readonly number[] = [
	RESTJSONErrorCodes.UnknownChannel,
	RESTJSONErrorCodes.MissingAccess,
	RESTJSONErrorCodes.MissingPermissions,
];
/** This route is closed (whatever the message), the next may be open. */
const ROUTE_CLOSED: readonly number[] = [
	RESTJSONErrorCodes.InvalidWebhookToken,
	RESTJSONErrorCodes.UnknownWebhook,
	RESTJSONErrorCodes.UnknownMessage,
	RESTJSONErrorCodes.UnknownUser,
	RESTJSONErrorCodes.CannotSendMessagesToThisUser,
	RESTJSONErrorCodes.CannotSendMessagesToThisUserDueToHavingNoMutualGuilds,
	RESTJSONErrorCodes.InvalidRecipients,
];

/** How a route said no. */
export type RouteRefusal = 'transient' | 'channel-closed' | 'route-closed' | 'refused';

/** Discord refused the message for its buttons (an emoji it does not know, typically), not for the rest. */
export function refusesButtons(error: unknown): boolean {
	if (!(error instanceof DiscordAPIError)) return false;
	const code = Number(error.code);
	// discord.js puts the fields Discord names (`components[0].components[1].emoji.id[…]`) in the message.
	return code === UnknownEmoji || (code === InvalidFormBodyOrContentType && /components|emoji/i.test(error.message));
}

export function classify(error: unknown): RouteRefusal {
	if (error instanceof DiscordAPIError) {
		// discord.js waits out 429s itself; one that still surfaces is as passing as a 5xx.
		if (error.status >= 500 || error.status === 429) return 'transient';
		const code = Number(error.code);
		if (CHANNEL_CLOSED.includes(code)) return 'channel-closed';
		if (ROUTE_CLOSED.includes(code) || error.status === 401) return 'route-closed';
		if (error.status === 403) return 'channel-closed';
		return 'refused';
	}
	if (error instanceof HTTPError) return error.status >= 500 || error.status === 0 ? 'transient' : 'refused';
	// Network failures and time-outs (after discord.js's own retries), and a store that could not record a post.
	return 'transient';
}

export function describeError(error: unknown): string {
	if (error instanceof DiscordAPIError) {
		return `Discord refused (${error.status}/${error.code}): ${error.message.split('\n').join(' ')}`;
	}
	return error instanceof Error ? error.message : String(error);
}

/** Why a message was refused, for the member: introduced in their language, Discord's own words as it wrote them. */
export function refusalWording(error: unknown): Wording {
	if (!(error instanceof DiscordAPIError)) return describeError(error);
	const { status, code } = error;
	const message = error.message.split('\n').join(' ');
	return (language) => t(language, 'result.discordRefused', { status, code, message });
}

export function codeOf(error: unknown): number | string | undefined {
	return error instanceof DiscordAPIError ? error.code : undefined;
}
