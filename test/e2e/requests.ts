/**
 * What the end-to-end tests send and look for among the requests the fakes recorded: commands and their answers, the
 * member's reply being edited (with or without the result's files), a job run to its delivered result.
 */
import { expect } from 'vitest';
import type { CommandOptionInput, SendCommandInput } from '../../fakes/discord/types.js';
import type { FakeDiscord, RecordedRequest } from '../../fakes/discord.js';
import type { FakeSubmitEndpoint } from '../../fakes/midjourney.js';
import { SERVER_KEY_MODAL_ID } from '../../src/commands/serverSettingsKey.js';
import type { World } from './harness.js';
import { waitForDelivery } from './stored.js';

const SUB = 1;
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const EPHEMERAL = 64;

/** A sub-command option, with its own options. */
export const sub = (name: string, options: CommandOptionInput[] = []): CommandOptionInput => ({
	name,
	type: SUB,
	options,
});
/** A string option. */
export const str = (name: string, value: string): CommandOptionInput => ({ name, type: STRING, value });
/** An integer option. */
export const int = (name: string, value: number): CommandOptionInput => ({ name, type: INTEGER, value });
/** A boolean option. */
export const bool = (name: string, value: boolean): CommandOptionInput => ({ name, type: BOOLEAN, value });

/** A Unicode emoji, as a reaction names it. */
export const emoji = (name: string) => ({ id: null, name });

/** A recorded request's JSON body ({} when it has none). */
export const bodyOf = (r: RecordedRequest): Record<string, unknown> => (r.body ?? {}) as Record<string, unknown>;

/** The text of a recorded message body ('' when it has none). */
export const content = (r: RecordedRequest): string =>
	String((r.body as { content?: unknown } | undefined)?.content ?? '');

/** An edit of the reply to the interaction with this token. */
export const originalEdit =
	(token: string) =>
	(r: RecordedRequest): boolean =>
		r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`);

/** An edit of that reply that uploads the result's files. */
export const resultEdit =
	(token: string) =>
	(r: RecordedRequest): boolean =>
		originalEdit(token)(r) && r.files.length > 0;

/** An edit of that reply whose text includes `text`. */
export const replySaying =
	(token: string, text: string) =>
	(r: RecordedRequest): boolean =>
		originalEdit(token)(r) && content(r).includes(text);

/** The bot's follow-up message to the interaction with this token. */
export const followUpTo =
	(token: string) =>
	(r: RecordedRequest): boolean =>
		r.method === 'POST' && r.path.endsWith(`/${token}`) && r.path.startsWith('/webhooks/');

/** The bot's deletion of the reply to the interaction with this token. */
export const originalDeletion =
	(token: string) =>
	(r: RecordedRequest): boolean =>
		r.method === 'DELETE' && r.path.endsWith(`/${token}/messages/@original`);

/** The bot's answer to the interaction with this id (its callback: a reply, a deferral or a form). */
export const interactionCallback =
	(id: string) =>
	(r: RecordedRequest): boolean =>
		r.method === 'POST' && r.path.startsWith(`/interactions/${id}/`);

/** A message the bot posts in a channel (any channel, or the one given). */
export const channelPost =
	(channelId = '\\d+') =>
	(r: RecordedRequest): boolean =>
		r.method === 'POST' && new RegExp(`^/channels/${channelId}/messages$`).test(r.path);

/** The bot's removal of a member's reaction from a message. */
export const reactionRemoval =
	(messageId: string, name: string, userId: string) =>
	(r: RecordedRequest): boolean =>
		r.method === 'DELETE' && r.path.endsWith(`/messages/${messageId}/reactions/${name}/${userId}`);

/** The job id a submit was made for, read from its per-job callback URL. */
export const jobIdOf = (submit: { body: Record<string, unknown> }): string =>
	/\/callbacks\/mj\/([\w-]+)\?/.exec(String(submit.body['callBackUrl']))![1]!;

/** A submit body without its per-job callback URL. */
export const withoutCallback = ({
	callBackUrl: _callback,
	...body
}: Record<string, unknown>): Record<string, unknown> => body;

/** The custom ids of the buttons on a message the fake Discord holds, row by row. */
export const buttonsOf = (discord: FakeDiscord, messageId: string): string[] =>
	(discord.messages.get(messageId)?.components ?? []).flatMap((row) =>
		'components' in row ? row.components.map((c) => ('custom_id' in c ? c.custom_id : '')) : [],
	);

/** What a member is shown first in answer to a command. */
export interface Answer {
	token: string;
	content: string;
	ephemeral: boolean;
	embeds: Array<{ title?: string; description?: string; footer?: { text: string } }>;
}

interface AnswerBody {
	type?: number;
	data?: { content?: string; flags?: number; embeds?: Answer['embeds'] };
	content?: string;
	embeds?: Answer['embeds'];
}

/** Sends a command and resolves with what the member sees first: see {@link answerTo}. */
export async function send(discord: FakeDiscord, input: SendCommandInput): Promise<Answer> {
	const from = discord.requests.length;
	return answerTo(discord, discord.sendCommand(input), from);
}

/**
 * What the member sees first in answer to an interaction: the immediate reply, the first edit of a deferred one, or,
 * when a reply deferred in public is deleted, the private follow-up that takes its place (checked to come after the
 * deletion: nothing of it stays in public).
 */
export async function answerTo(
	discord: FakeDiscord,
	{ id, token }: { id: string; token: string },
	from = 0,
): Promise<Answer> {
	const callback = await discord.waitForRequest(interactionCallback(id), 5000, from);
	const body = callback.body as AnswerBody;
	const ephemeral = ((body.data?.flags ?? 0) & EPHEMERAL) !== 0;
	if (body.type === 4) return { token, content: body.data?.content ?? '', ephemeral, embeds: body.data?.embeds ?? [] };
	const first = await discord.waitForRequest((r) => originalEdit(token)(r) || followUpTo(token)(r), 5000, from);
	const shown = first.body as AnswerBody & { flags?: number };
	if (!followUpTo(token)(first)) {
		return { token, content: shown.content ?? '', ephemeral, embeds: shown.embeds ?? [] };
	}
	const deleted = discord.requests.findIndex((r, index) => index >= from && originalDeletion(token)(r));
	expect(deleted, 'a public reply deleted before its private follow-up').toBeGreaterThanOrEqual(0);
	expect(deleted).toBeLessThan(discord.requests.indexOf(first));
	return {
		token,
		content: shown.content ?? '',
		ephemeral: ((shown.flags ?? 0) & EPHEMERAL) !== 0,
		embeds: shown.embeds ?? [],
	};
}

/**
 * `/server-settings api_key` from the admin (in the guild and channel given, or the default ones), the form filled in
 * with `key`: resolves with the admin's answer.
 */
export async function setKey(
	discord: FakeDiscord,
	key: string,
	where: Pick<SendCommandInput, 'guildId' | 'channelId'> = {},
): Promise<string> {
	const opened = discord.sendCommand({
		name: 'server-settings',
		options: [sub('api_key')],
		userId: discord.ids.admin,
		...where,
	});
	const form = await discord.waitForRequest(interactionCallback(opened.id));
	expect(bodyOf(form)['type'], JSON.stringify(form.body)).toBe(9);
	const submit = discord.sendModalSubmit({ customId: SERVER_KEY_MODAL_ID, fields: { api_key: key } });
	return content(await discord.waitForRequest(originalEdit(submit.token)));
}

/** The private reply to a pressed button (or another interaction): checks it is one, and resolves with its text. */
export async function ephemeralAnswer(discord: FakeDiscord, interactionId: string): Promise<string> {
	const answer = await discord.waitForRequest(interactionCallback(interactionId));
	expect(bodyOf(answer)).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
	return String((bodyOf(answer)['data'] as { content?: unknown }).content);
}

/** A job run to its delivered result: the provider's task, the submit body (without its callback URL), the message. */
export interface Finished {
	jobId: string;
	taskId: string;
	messageId: string;
	body: Record<string, unknown>;
}

type SucceedOptions = Parameters<World['mj']['succeed']>[1];

/** The next task created at `endpoint`: finished by the provider (with `succeed`), called back, and delivered. */
export async function finishNext(
	world: World,
	endpoint: FakeSubmitEndpoint = 'generate',
	succeed: SucceedOptions = {},
): Promise<Finished> {
	const { mj } = world;
	const submit = await mj.waitForSubmit(endpoint);
	const jobId = jobIdOf(submit);
	mj.succeed(submit.taskId!, succeed);
	expect((await mj.sendCallback(submit.taskId!)).status).toBe(200);
	const { messageId } = await waitForDelivery(() => world.bot.store, jobId);
	return { jobId, taskId: submit.taskId!, messageId, body: withoutCallback(submit.body) };
}

/** The two times a member acts on a result: in the same process, or in a new one after the command's token expired. */
export const RIGHT_AWAY_AND_AFTER_A_RESTART = [
	{ when: 'right away', restart: false },
	{ when: 'after a restart, with the original interaction token expired', restart: true },
];

/**
 * Moves everything after it into a new process, long after the commands: their interaction tokens expire, and the bot
 * restarts on the same store.
 */
export async function expireAndRestart(world: World, ...commands: Array<{ token: string }>): Promise<void> {
	for (const command of commands) world.discord.expireToken(command.token);
	await world.restart();
}

/** Sends a command and runs the job it starts to its delivered result (a grid, for /imagine). */
export async function deliver(
	world: World,
	command: SendCommandInput,
	succeed: SucceedOptions = {},
): Promise<Finished & { token: string }> {
	const { token } = world.discord.sendCommand(command);
	return { token, ...(await finishNext(world, 'generate', succeed)) };
}
