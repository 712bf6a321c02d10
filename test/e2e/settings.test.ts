/**
 * Server and member settings, rules, limits and /jobs, end to end: the real client, server and SQLite store
 * against the fake Discord and the fake Midjourney.
 */
import { describe, expect, it } from 'vitest';
import type { CommandOptionInput, SendCommandInput } from '../../fakes/discord/types.js';
import { describeRefusal } from '../../src/discord/refusals.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { nextUtcMidnight } from '../../src/settings/time.js';
import { createClaims } from '../../src/store/claims.js';
import { eventually, worldPerTest, type World, type WorldOptions } from './harness.js';
import { content, int, originalEdit, send as sendTo, str, sub, type Answer } from './requests.js';

const CHANNEL = 7;
const ROLE = 8;

let world: World;
const openWorld = worldPerTest({ callbacks: true });

async function open(options: WorldOptions = {}): Promise<World> {
	world = await openWorld(options);
	return world;
}

/** Sends a command and resolves with what the member sees first: the immediate reply, or the first edit of a deferred one. */
const send = async (input: SendCommandInput): Promise<Answer> => sendTo(world.discord, input);

async function serverSettings(
	subcommand: string,
	options: CommandOptionInput[] = [],
	userId = world.discord.ids.admin,
) {
	return send({ name: 'server-settings', options: [sub(subcommand, options)], userId });
}

async function settings(subcommand: string, options: CommandOptionInput[] = [], userId = world.discord.ids.user) {
	return send({ name: 'settings', options: [sub(subcommand, options)], userId });
}

/** A /imagine that must be accepted: resolves with its token and the generate request it caused. */
async function imagine(options: CommandOptionInput[] = [], input: Partial<SendCommandInput> = {}) {
	const index = world.mj.generateRequests.length;
	const answer = await send({ name: 'imagine', options: [str('prompt', 'a lighthouse'), ...options], ...input });
	expect(answer.ephemeral, answer.content).toBe(false);
	const generate = await world.mj.waitForGenerate(index);
	const { callBackUrl: _callback, ...body } = generate.body;
	return { ...answer, taskId: generate.taskId!, body };
}

/** A /imagine that must be refused: resolves with the member's message, after checking nothing was submitted. */
async function refusedImagine(options: CommandOptionInput[] = [], input: Partial<SendCommandInput> = {}) {
	const before = world.mj.generateRequests.length;
	const answer = await send({ name: 'imagine', options: [str('prompt', 'a lighthouse'), ...options], ...input });
	expect(answer.ephemeral).toBe(true);
	expect(answer.content).toContain('Nothing was submitted');
	expect(world.mj.generateRequests.length).toBe(before);
	return answer.content;
}

async function finish(job: { token: string; taskId: string }, outcome: 'succeed' | 'fail') {
	if (outcome === 'succeed') world.mj.succeed(job.taskId);
	else world.mj.fail(job.taskId, 'Prompt rejected by the moderation filter');
	expect((await world.mj.sendCallback(job.taskId)).status).toBe(200);
	return world.discord.waitForRequest((r) => {
		if (!originalEdit(job.token)(r)) return false;
		return outcome === 'succeed' ? r.files.length > 0 : content(r).includes('❌');
	});
}

function expectClean() {
	expect(world.discord.violations).toEqual([]);
	expect(world.mj.violations).toEqual([]);
}

describe('effective parameters: command option → member settings → server defaults → API default', () => {
	it('sends the server defaults, then the member’s own, then what was typed, and refuses a disallowed speed', async () => {
		await open();
		const saved = await serverSettings('set', [
			str('version', '6.1'),
			str('aspect_ratio', '16:9'),
			str('speed', 'relaxed'),
			int('stylization', 200),
			str('allowed_speeds', 'relaxed, fast'),
		]);
		expect(saved.ephemeral).toBe(true);
		expect(saved.content).toContain('Saved');

		const first = await imagine();
		expect(first.body).toEqual({
			taskType: 'mj_txt2img',
			prompt: 'a lighthouse',
			speed: 'relaxed',
			aspectRatio: '16:9',
			version: '6.1',
			stylization: 200,
		});
		// The reply shows the parameters actually sent.
		expect(first.content).toContain('`aspect_ratio: 16:9`');
		expect(first.content).toContain('`speed: relaxed`');

		expect((await settings('set', [str('aspect_ratio', '1:1'), str('speed', 'fast')])).content).toContain('Saved');
		const second = await imagine();
		expect(second.body).toMatchObject({ aspectRatio: '1:1', speed: 'fast', version: '6.1', stylization: 200 });

		const third = await imagine([str('aspect_ratio', '2:3'), str('version', '7')]);
		expect(third.body).toMatchObject({ aspectRatio: '2:3', version: '7', speed: 'fast', stylization: 200 });

		const refusal = await refusedImagine([str('speed', 'turbo')]);
		expect(refusal).toContain('`turbo`');
		expect(refusal).toContain('`/server-settings set allowed_speeds`');

		// A member cannot make a disallowed speed their default either.
		const denied = await settings('set', [str('speed', 'turbo')]);
		expect(denied.content).toContain('Nothing was changed');
		expect(denied.content).toContain('allowed_speeds');
		expect(await world.bot.settings.settings.member(world.discord.ids.guild, world.discord.ids.user)).toEqual({
			aspect_ratio: '1:1',
			speed: 'fast',
		});

		const shown = await settings('show');
		expect(shown.ephemeral).toBe(true);
		expect(shown.content).toMatch(/\*\*aspect_ratio\*\* \([^)]*\): `1:1` — yours/);
		expect(shown.content).toMatch(/\*\*speed\*\* \([^)]*\): `fast` — yours/);
		expect(shown.content).toMatch(/\*\*version\*\* \([^)]*\): `6.1` — server default/);
		expect(shown.content).toMatch(/\*\*stylization\*\* \([^)]*\): `200` — server default/);
		expect(shown.content).toMatch(/\*\*weirdness\*\* \([^)]*\): .* — API default/);

		// Once the member forgets their speed, the server's default applies again.
		expect((await settings('reset', [str('option', 'speed')])).content).toContain('Forgot');
		expect((await imagine()).body).toMatchObject({ speed: 'relaxed', aspectRatio: '1:1' });
		expectClean();
	});

	it('sends the slowest allowed speed when nobody chose one but the server restricts speeds', async () => {
		await open();
		await serverSettings('set', [str('allowed_speeds', 'fast,turbo')]);
		expect((await imagine()).body).toMatchObject({ speed: 'fast' });
		const shown = await settings('show');
		expect(shown.content).toMatch(/\*\*speed\*\* \([^)]*\): `fast` — server rule/);
		expectClean();
	});

	it('refuses a bad admin value with a message and changes nothing', async () => {
		await open();
		await serverSettings('set', [str('speed', 'fast')]);
		const before = await world.bot.settings.settings.server(world.discord.ids.guild);
		for (const options of [
			[int('variety', 101)],
			[str('allowed_speeds', 'relaxed, ludicrous')],
			[str('allowed_commands', 'imagine, paint')],
			// Valid alone, but the default speed would no longer be allowed.
			[str('allowed_speeds', 'relaxed')],
			[int('member_daily_limit', 0)],
			[str('watermark', 'two\nlines')],
		]) {
			const answer = await serverSettings('set', options);
			expect(answer.ephemeral).toBe(true);
			expect(answer.content).toContain('Nothing was changed');
		}
		const emoji = await serverSettings('emoji', [str('reroll', '🎨')]);
		expect(emoji.content).toContain('two actions');
		expect(await world.bot.settings.settings.server(world.discord.ids.guild)).toEqual(before);
		expectClean();
	});
});

describe('/server-settings is for Manage Server only', () => {
	it('refuses a member without Manage Server even though the interaction arrives, and shows admins everything', async () => {
		await open();
		const definition = world.discord.commands.global.find((command) => command.name === 'server-settings');
		expect(definition?.default_member_permissions).toBe('32');

		for (const subcommand of ['show', 'set', 'reset']) {
			const options =
				subcommand === 'set' ? [str('speed', 'turbo')] : subcommand === 'reset' ? [str('setting', 'all')] : [];
			const answer = await serverSettings(subcommand, options, world.discord.ids.user);
			expect(answer.ephemeral).toBe(true);
			expect(answer.content).toContain('Manage Server');
		}
		// Even a moderator (Manage Messages) is not an admin.
		expect((await serverSettings('set', [str('speed', 'turbo')], world.discord.ids.moderator)).content).toContain(
			'Manage Server',
		);
		expect(await world.bot.settings.settings.server(world.discord.ids.guild)).toEqual({
			defaults: {},
			channels: [],
			limits: {},
			emoji: {},
		});

		await serverSettings('set', [
			str('watermark', 'acme'),
			int('member_daily_limit', 5),
			{ name: 'required_role', type: ROLE, value: world.discord.ids.moderatorRole },
		]);
		expect((await serverSettings('emoji', [str('reroll', '🔄'), str('pick', 'a b c d')])).content).toContain(
			'Nothing was changed',
		);
		expect((await serverSettings('emoji', [str('reroll', '🔄')])).content).toContain('reroll 🔄');
		const first = await imagine([], { userId: world.discord.ids.moderator });
		expect(first.body).toMatchObject({ waterMark: 'acme' });
		await finish(first, 'fail');

		const shown = await serverSettings('show');
		expect(shown.ephemeral).toBe(true);
		expect(shown.content).toContain('**Watermark** (`watermark`): `acme`');
		expect(shown.content).toContain(`<@&${world.discord.ids.moderatorRole}>`);
		expect(shown.content).toContain('per member per day (`member_daily_limit`) 5');
		expect(shown.content).toContain('reroll 🔄');
		expect(shown.content).toContain('1,000 remaining');
		expect(shown.content).toContain('0 jobs (1 more failed and were given back), by 1 member');
		expectClean();
	});
});

describe('server rules and limits stop a job before anything is submitted', () => {
	it('a wrong channel and a missing role', async () => {
		await open();
		const { ids } = world.discord;
		await serverSettings('set', [{ name: 'add_channel', type: CHANNEL, value: ids.otherChannel }]);
		const wrongChannel = await refusedImagine();
		expect(wrongChannel).toContain(`only in <#${ids.otherChannel}>`);
		expect(wrongChannel).toContain('add_channel');
		await imagine([], { channelId: ids.otherChannel });

		await serverSettings('set', [{ name: 'required_role', type: ROLE, value: ids.moderatorRole }]);
		const noRole = await refusedImagine([], { channelId: ids.otherChannel });
		expect(noRole).toContain(`<@&${ids.moderatorRole}>`);
		expect(noRole).toContain('`/server-settings set required_role`');
		await imagine([], { channelId: ids.otherChannel, userId: ids.moderator });

		// The same gate answers for jobs started by buttons and reactions.
		const gate = await world.bot.settings.authorizeJob({
			guildId: ids.guild,
			channelId: ids.channel,
			userId: ids.moderator,
			roleIds: async () => [ids.moderatorRole],
			kind: 'imagine',
			request: buildGenerateRequest({ kind: 'imagine', prompt: 'x', options: {} }),
		});
		expect(gate).toMatchObject({ ok: false, refusal: { rule: 'channel' } });
		const disallowed = await world.bot.settings.authorizeJob({
			guildId: ids.guild,
			channelId: ids.otherChannel,
			userId: ids.user,
			roleIds: [],
			kind: 'imagine',
			request: buildGenerateRequest({ kind: 'imagine', prompt: 'x', options: {} }),
		});
		expect(disallowed).toMatchObject({ ok: false, refusal: { rule: 'role' } });
		expectClean();
	});

	it('the running limit, the daily limit (failed jobs given back) and the server cap', async () => {
		await open();
		const { ids } = world.discord;
		await serverSettings('set', [int('member_running_limit', 1), int('member_daily_limit', 2)]);

		const first = await imagine();
		const running = await refusedImagine();
		expect(running).toContain('1 job running');
		expect(running).toContain('`/server-settings set member_running_limit`');
		await finish(first, 'succeed');

		const second = await imagine();
		await finish(second, 'fail');
		// The failed job gave its count back: one more fits today.
		const third = await imagine();
		await finish(third, 'succeed');

		const daily = await refusedImagine();
		expect(daily).toContain('your 2 jobs for today');
		expect(daily).toContain(`<t:${Math.floor(nextUtcMidnight(Date.now()) / 1000)}:R>`);
		expect(daily).toContain('`/server-settings set member_daily_limit`');

		// Another member has their own daily count, until the server's cap.
		await serverSettings('set', [int('server_daily_limit', 3)]);
		const other = await imagine([], { userId: ids.moderator });
		const cap = await refusedImagine([], { userId: ids.owner });
		expect(cap).toContain('cap of 3 jobs per day');
		expect(cap).toContain(`<t:${Math.floor(nextUtcMidnight(Date.now()) / 1000)}:R>`);
		expect(cap).toContain('`/server-settings set server_daily_limit`');
		await finish(other, 'fail');
		await imagine([], { userId: ids.owner });

		// Each job was recorded for limits when it was granted, before anything was acknowledged.
		expect((await world.bot.settings.guildUsage(ids.guild)).members).toBe(3);
		const shown = await serverSettings('show');
		expect(shown.content).toContain('3 jobs of the 3 allowed (2 more failed and were given back), by 3 members');
		expectClean();
	});

	it('tells the member the bot is busy, submitting nothing, while another process keeps the server’s limits locked', async () => {
		await open();
		const { ids } = world.discord;
		await serverSettings('set', [int('member_running_limit', 5)]);
		// Another bot process on the same store holds the server's limits lock (and does not let go within 2 s).
		const otherProcess = createClaims(`sqlite://${world.storeFile}`);
		const lock = `lock:limits:${ids.guild}`;
		try {
			expect(await otherProcess.claim(lock, 60_000, 'the-other-process')).toBe(true);
			const busy = await refusedImagine();
			expect(busy).toContain('The bot is busy with other requests from this server right now. Try again in a moment.');
			// It gave up waiting for the lock rather than take it: the other process still holds it, and nothing was counted.
			expect(await otherProcess.claim(lock, 60_000, 'a-third-process')).toBe(false);
			expect(await world.bot.settings.guildUsage(ids.guild)).toMatchObject({ today: 0, running: 0 });
			// Once the other process lets go, the same command goes through.
			await otherProcess.release(lock, 'the-other-process');
			await imagine();
		} finally {
			await otherProcess.close();
		}
		expectClean();
	});

	it('a disallowed command and a disallowed HD video', async () => {
		await open();
		await serverSettings('set', [str('allowed_commands', 'imagine, animate')]);
		const answer = await send({
			name: 'remix',
			options: [str('prompt', 'x'), str('image_url', 'https://example.com/a.png')],
		});
		expect(answer.content).toContain('does not allow `remix`');
		expect(answer.content).toContain('`/server-settings set allowed_commands`');
		const hd = await send({
			name: 'animate',
			options: [
				str('prompt', 'x'),
				str('image_url', 'https://example.com/a.png'),
				{ name: 'hd', type: 5, value: true },
			],
		});
		expect(hd.content).toContain('does not allow `animate_hd`');
		expect(world.mj.generateRequests).toHaveLength(0);
		expectClean();
	});
});

describe('/jobs', () => {
	it('lists the member’s jobs with their state, queue position, age, links and parent', async () => {
		// Four submissions a minute: the fifth job waits in the queue.
		await open({ env: { MJ_SUBMIT_LIMIT: '4', MJ_SUBMIT_WINDOW_MS: '60000' } });
		const { ids } = world.discord;
		const succeeded = await imagine([], {});
		const delivered = await finish(succeeded, 'succeed');
		const resultMessageId = (delivered.response.body as { id: string }).id;
		const failed = await imagine();
		await finish(failed, 'fail');
		await imagine();

		// A job started from a result (as a reaction does) goes through the same gate and is listed with its parent.
		const source = await eventually(async () => {
			const jobs = await world.bot.settings.usage.recentJobs(ids.guild, ids.user, 10);
			return jobs.find((job) => job.state.phase === 'finished' && job.state.outcome.status === 'succeeded');
		}, 'the succeeded job');
		const request = buildGenerateRequest({
			kind: 'remix',
			prompt: 'a lighthouse, in winter',
			imageUrl: 'https://example.com/1.png',
			options: {},
		});
		const grant = await world.bot.settings.authorizeJob({
			guildId: ids.guild,
			channelId: ids.channel,
			userId: ids.user,
			roleIds: [],
			kind: 'remix',
			request,
		});
		if (!grant.ok) throw new Error(describeRefusal(grant.refusal));
		await world.bot.jobs.start({
			id: grant.jobId,
			kind: 'remix',
			request: grant.request,
			target: { guildId: ids.guild, channelId: ids.channel, requesterId: ids.user, replyTo: resultMessageId },
			parent: { jobId: source.id, imageIndex: 1 },
		});
		await world.mj.waitForGenerate(3);
		const queued = await send({ name: 'imagine', options: [str('prompt', 'the fifth')] });
		await world.discord.waitForRequest((r) => originalEdit(queued.token)(r) && content(r).includes('Queued'));

		// Someone else's job is not listed.
		await send({ name: 'imagine', options: [str('prompt', 'not mine')], userId: ids.moderator });

		await eventually(
			async () => (await world.bot.settings.usage.recentJobs(ids.guild, ids.user, 10)).length === 5,
			'the fifth job to be recorded',
		);
		const listed = await send({ name: 'jobs' });
		expect(listed.ephemeral).toBe(true);
		const embed = listed.embeds[0]!;
		expect(embed.title).toBe('Your jobs: 3 running, 2 finished');
		const lines = embed.description!.split('\n').filter((line) => line.startsWith('**/'));
		expect(lines).toHaveLength(5);
		expect(lines[0]).toMatch(/^\*\*\/imagine\*\* 🕒 queued, position 1 · started <t:\d+:R>/);
		expect(lines[1]).toMatch(/^\*\*\/remix\*\* (🎨 generating|📤 submitting)/);
		expect(lines[1]).toContain(
			`from [this result](https://discord.com/channels/${ids.guild}/${ids.channel}/${resultMessageId}) (image 2)`,
		);
		expect(lines[2]).toMatch(/^\*\*\/imagine\*\* 🎨 generating since <t:\d+:R>/);
		expect(lines[3]).toContain('❌ failed (not counted): Prompt rejected by the moderation filter');
		expect(lines[4]).toMatch(/^\*\*\/imagine\*\* ✅ finished · started <t:\d+:R>/);
		expect(lines[4]).toContain(
			`[message](https://discord.com/channels/${ids.guild}/${ids.channel}/${resultMessageId})`,
		);
		expect(embed.description).not.toContain('not mine');

		// `count` limits the finished ones; running jobs are always listed.
		const one = await send({ name: 'jobs', options: [int('count', 1)] });
		expect(one.embeds[0]!.title).toBe('Your jobs: 3 running, 0 finished');
		expectClean();
	});
});

describe('settings are kept in the store', () => {
	it('survive a restart, and are removed when the bot leaves the server', async () => {
		await open();
		const { ids } = world.discord;
		await serverSettings('set', [str('version', '6'), str('allowed_speeds', 'relaxed')]);
		await settings('set', [str('aspect_ratio', '3:2')]);

		await world.restart();
		expect((await imagine()).body).toMatchObject({ version: '6', aspectRatio: '3:2', speed: 'relaxed' });
		expect((await serverSettings('show')).content).toContain('**Allowed speeds** (`allowed_speeds`): `relaxed`');

		// An outage is not a leave: once the next interaction has been handled, the settings are still there.
		world.discord.dispatch('GUILD_DELETE', { id: ids.guild, unavailable: true });
		await settings('show');
		expect(await world.bot.store.collection('server-settings').get(ids.guild)).toBeDefined();

		world.discord.dispatch('GUILD_DELETE', { id: ids.guild });
		const { store } = world.bot;
		const kept = async () =>
			Promise.all([
				store.collection('server-settings').get(ids.guild),
				store.collection('member-settings').get(`${ids.guild}:${ids.user}`),
				store.collection('member-jobs').get(`${ids.guild}:${ids.user}`),
			]);
		await eventually(
			async () => (await kept()).every((entry) => entry === undefined),
			'the server’s settings and usage to be removed',
		);
		expectClean();
	});
});

describe('a server’s own emoji for result actions', () => {
	it('shows them on results and acts on reactions with them', async () => {
		await open();
		const saved = await serverSettings('emoji', [str('reroll', '♻️')]);
		expect(saved.content).toContain('Saved');
		const job = await imagine();
		const result = await finish(job, 'succeed');
		// The result is known as one (for reactions) once its delivery has been recorded, just after this edit.
		await world.bot.jobs.idle();
		const body = result.body as {
			content: string;
			components?: Array<{ components: Array<{ emoji?: { name?: string } }> }>;
		};
		expect(body.content).toContain('♻️');
		const emojis = (body.components ?? []).flatMap((row) => row.components.map((button) => button.emoji?.name));
		expect(emojis).toContain('♻️');
		expect(emojis).not.toContain('🔁');

		const messageId = (result.response.body as { id: string }).id;
		const before = world.mj.generateRequests.length;
		world.discord.sendReaction({ messageId, emoji: { id: null, name: '♻️' } });
		const reroll = await world.mj.waitForGenerate(before);
		const { callBackUrl: _callback, ...rerolled } = reroll.body;
		expect(rerolled).toEqual(job.body);
		expectClean();
	});
});
