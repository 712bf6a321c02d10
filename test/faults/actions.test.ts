/**
 * Faults of actions on results, end to end through the real bot and the fake Discord: the buttons and reactions of a
 * result are the server's (in DMs too), they obey the same rules as the slash command they stand for (Discord's own
 * Integrations settings included), and a refused reaction is told to the member, once.
 *
 * What a paying member is owed in each case: no generate request for a refused action (at most one for an allowed
 * one), and a clear message saying why, within the fakes' default wait (5 s).
 */
import { ApplicationCommandPermissionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { ActionRecords } from '../../src/actions/records.js';
import { eventually, worldPerTest, type World } from '../e2e/harness.js';
import { bodyOf, channelPost, content, emoji, jobIdOf, reactionRemoval, withoutCallback } from '../e2e/requests.js';

const STRING = 3;
const PROMPT = 'a lighthouse at dawn, oil painting';

const messageIdOf = (r: RecordedRequest) => (r.response.body as { id: string }).id;

interface Result {
	jobId: string;
	/** The result message. */
	messageId: string;
	/** The generate body as the provider received it, without the per-job callback URL. */
	body: Record<string, unknown>;
}

const open = worldPerTest({ callbacks: true });

/**
 * Runs /imagine for `userId` to a delivered result. With `byDm`, the result's channel is closed to the bot when it
 * is delivered (and the interaction's token has expired), so it lands in the member's DMs, buttons and all.
 */
async function imagine(w: World, options: { userId?: string; count?: number; byDm?: boolean } = {}): Promise<Result> {
	const { discord, mj } = w;
	const userId = options.userId ?? discord.ids.user;
	const { token } = discord.sendCommand({
		name: 'imagine',
		userId,
		options: [{ name: 'prompt', type: STRING, value: PROMPT }],
	});
	const generate = await mj.waitForGenerate();
	const jobId = jobIdOf(generate);
	const from = discord.requests.length;
	if (options.byDm) {
		discord.expireToken(token);
		discord.failNext((r) => r.path.startsWith(`/channels/${discord.ids.channel}/`), {
			status: 403,
			body: { message: 'Missing Access', code: 50001 },
		});
	}
	mj.succeed(generate.taskId!, options.count === undefined ? {} : { count: options.count });
	expect((await mj.sendCallback(generate.taskId!)).status).toBe(200);
	const delivered = await discord.waitForRequest(
		(r) =>
			r.files.length > 0 &&
			r.response.status === 200 &&
			(options.byDm ? channelPost(discord.dmChannelId(userId))(r) : true),
		5000,
		from,
	);
	if (options.byDm) {
		// The edit of the reply was refused, and the bot gave up on the channel: no failure is left armed.
		const refused = discord.requests
			.slice(from)
			.filter((r) => r.path.startsWith(`/channels/${discord.ids.channel}/`) && r.response.status === 403);
		expect(refused).toHaveLength(1);
	}
	const messageId = messageIdOf(delivered);
	// Reactions resolve a message to its result through this record, written just after the delivery.
	const records = new ActionRecords(w.bot.store);
	await eventually(async () => records.messageRef(messageId), 'the result to be indexed');
	return { jobId, messageId, body: withoutCallback(generate.body) };
}

async function ephemeralAnswer(w: World, interactionId: string): Promise<string> {
	const answer = await w.discord.waitForRequest(
		(r) => r.method === 'POST' && r.path.startsWith(`/interactions/${interactionId}/`),
	);
	expect(bodyOf(answer)).toMatchObject({ type: 4, data: { flags: 64 } });
	return String((bodyOf(answer)['data'] as { content?: unknown }).content);
}

/** Denies `userId` the slash command `name` in Server Settings → Integrations. */
function denyCommand(w: World, name: string, userId: string): void {
	const command = w.discord.commands.global.find((entry) => entry.name === name);
	expect(command).toBeDefined();
	w.discord.setCommandPermissions(w.discord.ids.guild, command!.id, [
		{ id: userId, type: ApplicationCommandPermissionType.User, permission: false },
	]);
}

describe('actions are the server’s, in DMs too', () => {
	it('acts from DMs for a member still in the server, with their roles there; refuses one who left', async () => {
		const w = await open();
		const { discord, mj } = w;
		const { moderator, moderatorRole, guild, channel } = discord.ids;
		// Only moderators, only in #general: judged with the member's roles in the server and in the channel the result
		// was asked for in, though the button is in DMs.
		await w.bot.settings.settings.updateServer(guild, (current) => ({
			...current,
			requiredRoleId: moderatorRole,
			channels: [channel],
		}));
		const result = await imagine(w, { userId: moderator, byDm: true });
		const dm = discord.messages.get(result.messageId)!;
		expect(dm.channel_id).toBe(discord.dmChannelId(moderator));
		expect(JSON.stringify(dm.components)).toContain(`mj:reroll:${result.jobId}`);

		discord.sendComponent({ messageId: result.messageId, customId: `mj:reroll:${result.jobId}`, userId: moderator });
		expect(withoutCallback((await mj.waitForGenerate()).body)).toEqual(result.body);

		discord.removeMember(moderator);
		const click = discord.sendComponent({
			messageId: result.messageId,
			customId: `mj:reroll:${result.jobId}`,
			userId: moderator,
		});
		expect(await ephemeralAnswer(w, click.id)).toContain('no longer a member of the server this result comes from');
		// A free action is the server's too.
		const pick = discord.sendComponent({
			messageId: result.messageId,
			customId: `mj:pick:${result.jobId}:1`,
			userId: moderator,
		});
		expect(await ephemeralAnswer(w, pick.id)).toContain('no longer a member');
		// And a reaction: told in the DM it was made in.
		const from = discord.requests.length;
		discord.sendReaction({ messageId: result.messageId, emoji: emoji('🔁'), userId: moderator });
		const notice = await discord.waitForRequest(channelPost(discord.dmChannelId(moderator)), 5000, from);
		expect(content(notice)).toContain('no longer a member');

		expect(mj.generateRequests).toHaveLength(2);
		expect(discord.violations).toEqual([]);
	});
});

describe('actions obey the command they stand for', () => {
	it('a member denied /animate in Integrations cannot start it by 🎬: no generate request, a DM saying why', async () => {
		const w = await open();
		const { discord, mj } = w;
		const { user, moderator } = discord.ids;
		const single = await imagine(w, { count: 1 });
		denyCommand(w, 'animate', user);

		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬') });
		const dm = await discord.waitForRequest(channelPost(discord.dmChannelId(user)));
		expect(content(dm)).toContain('Nothing was submitted.');
		expect(content(dm)).toContain('`/animate`');
		expect(content(dm)).toContain('Server Settings → Integrations');
		expect(content(dm)).toContain(single.messageId);
		await discord.waitForRequest(reactionRemoval(single.messageId, '🎬', user));

		// The button is no way around it either.
		const click = discord.sendComponent({ messageId: single.messageId, customId: `mj:animate:${single.jobId}:1` });
		expect(await ephemeralAnswer(w, click.id)).toContain('`/animate`');
		expect(mj.generateRequests).toHaveLength(1);

		// Other commands stay open to them (🔁 stands for /imagine), and /animate to others.
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🔁') });
		expect(withoutCallback((await mj.waitForGenerate()).body)).toEqual(single.body);
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬'), userId: moderator });
		expect((await mj.waitForGenerate()).body['taskType']).toBe('mj_video');
		expect(mj.generateRequests).toHaveLength(3);
		expect(discord.violations).toEqual([]);
	});

	it('with the member’s DMs closed, says why in the channel, to them only, and deletes it after a while', async () => {
		const w = await open({ env: { REFUSAL_NOTICE_DELETE_MS: '300' } });
		const { discord, mj } = w;
		const { user, channel } = discord.ids;
		const single = await imagine(w, { count: 1 });
		denyCommand(w, 'animate', user);
		discord.closeDms(user);

		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬') });
		const notice = await discord.waitForRequest(channelPost(channel));
		expect(content(notice)).toContain(`<@${user}>`);
		expect(content(notice)).toContain('`/animate`');
		expect(bodyOf(notice)['allowed_mentions']).toEqual({ parse: [], users: [user], replied_user: false });
		expect(bodyOf(notice)['message_reference']).toMatchObject({ message_id: single.messageId });
		// The DM was tried first.
		expect(discord.requests.some((r) => channelPost(discord.dmChannelId(user))(r) && r.response.status === 403)).toBe(
			true,
		);
		const noticeId = messageIdOf(notice);
		await discord.waitForRequest(
			(r) => r.method === 'DELETE' && r.path === `/channels/${channel}/messages/${noticeId}`,
		);
		expect(discord.messages.has(noticeId)).toBe(false);
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('a notice still in the channel when the bot stops is deleted by the next start', async () => {
		const w = await open({ env: { REFUSAL_NOTICE_DELETE_MS: '3000' } });
		const { discord } = w;
		const { user, channel } = discord.ids;
		const single = await imagine(w, { count: 1 });
		denyCommand(w, 'animate', user);
		discord.closeDms(user);
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬') });
		const noticeId = messageIdOf(await discord.waitForRequest(channelPost(channel)));
		const records = w.bot.store.collection('notices');
		await eventually(async () => records.has(noticeId), 'the notice to be recorded');

		await w.stopBot();
		expect(discord.messages.has(noticeId)).toBe(true);
		const from = discord.requests.length;
		await w.startBotAgain();
		await discord.waitForRequest(
			(r) => r.method === 'DELETE' && r.path === `/channels/${channel}/messages/${noticeId}`,
			10_000,
			from,
		);
		expect(discord.messages.has(noticeId)).toBe(false);
	});
});

describe('a refused reaction is told, once', () => {
	it('🔁 at the running limit: a DM naming the limit; more refused reactions within the minute send nothing more', async () => {
		const w = await open();
		const { discord, mj } = w;
		const { user, guild } = discord.ids;
		const single = await imagine(w, { count: 1 });
		// A second job of theirs is still running.
		discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: 'still running' }] });
		await mj.waitForGenerate();
		await w.bot.settings.settings.updateServer(guild, (current) => ({
			...current,
			limits: { ...current.limits, memberRunning: 1 },
		}));
		const dmChannel = discord.dmChannelId(user);

		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🔁') });
		const dm = await discord.waitForRequest(channelPost(dmChannel));
		expect(content(dm)).toContain('Nothing was submitted.');
		expect(content(dm)).toContain('1 job running');
		expect(content(dm)).toContain('member_running_limit');
		await discord.waitForRequest(reactionRemoval(single.messageId, '🔁', user));

		// Another refused reaction on the same result, and the same one again: the member was already told.
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬') });
		await discord.waitForRequest(reactionRemoval(single.messageId, '🎬', user));
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🔁') });
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬') });
		const from = discord.requests.length;
		discord.sendReaction({ messageId: single.messageId, emoji: emoji('✉️') });
		// ✉️ is allowed at the limit (it starts no job): its DM is the next message to the member.
		const files = await discord.waitForRequest((r) => channelPost(dmChannel)(r) && r.files.length > 0, 5000, from);
		expect(files.files).toHaveLength(1);

		expect(discord.requests.filter((r) => channelPost(dmChannel)(r) && r.files.length === 0)).toHaveLength(1);
		expect(mj.generateRequests).toHaveLength(2);
		expect(discord.violations).toEqual([]);
	});
});
