import { randomBytes } from 'node:crypto';

/** Discord's epoch (2015-01-01T00:00:00.000Z) in milliseconds. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

/** Builds a snowflake from a timestamp and an increment, like Discord's own ids. */
export function snowflakeAt(timestampMs: number, increment: number): string {
	return (((BigInt(timestampMs) - DISCORD_EPOCH) << 22n) | BigInt(increment & 0xfff)).toString();
}

/** A generator of fresh, strictly increasing snowflakes. */
export function createSnowflakes(): () => string {
	let increment = 0;
	return () => snowflakeAt(Date.now(), increment++);
}

/** An interaction token: opaque, URL-safe and long, like Discord's. */
export function interactionToken(): string {
	return `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A JSON error body the way Discord shapes them. */
export interface DiscordErrorBody {
	message: string;
	code: number;
	errors?: unknown;
}

/** An HTTP answer the fake sends: JSON when `body` is defined, no body otherwise (204). */
export interface FakeResponse {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Raw bytes to send instead of JSON (CDN downloads). */
	raw?: { data: Buffer; contentType: string };
	/** Close the connection without answering. */
	reset?: boolean;
}

export function json(status: number, body: unknown): FakeResponse {
	return { status, body };
}

export function noContent(): FakeResponse {
	return { status: 204 };
}

export function discordError(status: number, code: number, message: string, errors?: unknown): FakeResponse {
	const body: DiscordErrorBody = errors === undefined ? { message, code } : { message, code, errors };
	return { status, body };
}

/** Well-known Discord error answers used across routes. */
export const ERRORS = {
	unauthorized: () => discordError(401, 0, '401: Unauthorized'),
	unknownRoute: () => discordError(404, 0, 'Unknown route (fake)'),
	methodNotAllowed: () => discordError(405, 0, '405: Method Not Allowed'),
	unknownApplication: () => discordError(404, 10002, 'Unknown Application'),
	unknownChannel: () => discordError(404, 10003, 'Unknown Channel'),
	unknownGuild: () => discordError(404, 10004, 'Unknown Guild'),
	unknownMember: () => discordError(404, 10007, 'Unknown Member'),
	unknownMessage: () => discordError(404, 10008, 'Unknown Message'),
	unknownUser: () => discordError(404, 10013, 'Unknown User'),
	unknownEmoji: () => discordError(400, 10014, 'Unknown Emoji'),
	unknownWebhook: () => discordError(404, 10015, 'Unknown Webhook'),
	unknownCommand: () => discordError(404, 10063, 'Unknown application command'),
	unknownInteraction: () => discordError(404, 10062, 'Unknown interaction'),
	cannotEditOthers: () => discordError(403, 50005, 'Cannot edit a message authored by another user'),
	cannotActInDm: () => discordError(403, 50003, 'Cannot execute action on a DM channel'),
	emptyMessage: () => discordError(400, 50006, 'Cannot send an empty message'),
	invalidRecipient: () => discordError(400, 50033, 'Invalid Recipient(s)'),
	cannotSendToUser: () => discordError(403, 50007, 'Cannot send messages to this user'),
	unknownCommandPermissions: () => discordError(404, 10066, 'Unknown application command permissions'),
	invalidWebhookToken: () => discordError(401, 50027, 'Invalid Webhook Token'),
	alreadyAcknowledged: () => discordError(400, 40060, 'Interaction has already been acknowledged.'),
	tooLarge: () => discordError(413, 40005, 'Request entity too large'),
	invalidJson: () => discordError(400, 50109, 'The request body contains invalid JSON.'),
	invalidFormBody: (errors: unknown) => discordError(400, 50035, 'Invalid Form Body', errors),
} as const;

/** Discord's nested error shape for one field: `{ field: { _errors: [{ code, message }] } }`. */
export function fieldError(path: string[], code: string, message: string): unknown {
	let node: unknown = { _errors: [{ code, message }] };
	for (const key of [...path].reverse()) node = { [key]: node };
	return node;
}
