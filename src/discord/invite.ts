/**
 * The link that adds the bot to a server, with the permissions it uses and no others.
 */
import { PermissionFlagsBits } from 'discord.js';
import type { Logger } from '../logger.js';

/**
 * What the bot does in a channel as itself (answers to interactions need no permission; the rest does):
 * - sees the channels members use it in, and their reactions there: View Channel;
 * - posts a result as a new message when its reply is gone, what a reaction asked for (as a reply to the result), the
 *   refusal of a reaction: Send Messages, and Send Messages in Threads for the same in a thread;
 * - uploads the results' files (Attach Files); a file over the upload limit is linked, previewed with Embed Links;
 * - replies to a message, reads its own recent messages (a result posted just before a crash) and the message of an
 *   earlier pick: Read Message History.
 * It adds no reaction and removes none, and deletes only its own messages: neither Add Reactions nor Manage Messages.
 */
export const BOT_PERMISSIONS: bigint =
	PermissionFlagsBits.ViewChannel |
	PermissionFlagsBits.SendMessages |
	PermissionFlagsBits.SendMessagesInThreads |
	PermissionFlagsBits.EmbedLinks |
	PermissionFlagsBits.AttachFiles |
	PermissionFlagsBits.ReadMessageHistory;

/** The link a server admin opens to add the bot, with its slash commands, to a server. */
export function inviteUrl(applicationId: string): string {
	const query = new URLSearchParams({
		client_id: applicationId,
		scope: 'bot applications.commands',
		permissions: BOT_PERMISSIONS.toString(),
	});
	return `https://discord.com/oauth2/authorize?${query.toString()}`;
}

/** Logged once at start: the first thing a new operator needs, in a form a terminal makes clickable. */
export function logInviteUrl(logger: Logger, applicationId: string): void {
	const url = inviteUrl(applicationId);
	logger.info({ inviteUrl: url }, `Add the bot to a server with ${url}`);
}
