import { beforeEach, describe, expect, it } from 'vitest';
import type { CommandOptionInput } from '../../fakes/discord/types.js';
import type { FakeSubmitEndpoint } from '../../fakes/midjourney/types.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { eventually, worldPerTest, type World } from './harness.js';
import {
	bodyOf,
	buttonsOf,
	channelPost,
	content,
	deliver,
	emoji,
	ephemeralAnswer,
	expireAndRestart,
	finishNext,
	int,
	interactionCallback,
	jobIdOf,
	originalEdit,
	send,
	RIGHT_AWAY_AND_AFTER_A_RESTART,
	str,
	sub,
	withoutCallback,
} from './requests.js';
import { waitForDelivery, waitForPick } from './stored.js';

const PROMPT = 'a lighthouse at dawn, oil painting';
const VIDEO_PROMPT = 'waves roll in';

const open = worldPerTest({ callbacks: true });

interface Result {
	/** The interaction token of the command that made it. */
	token: string;
	jobId: string;
	taskId: string;
	messageId: string;
}

describe.each(RIGHT_AWAY_AND_AFTER_A_RESTART)('Vary, Upscale and Extend $when', ({ restart }) => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	const store = () => world.bot.store;

	/** Runs a command to a delivered result. */
	const command = async (name: string, options: CommandOptionInput[]): Promise<Result> =>
		deliver(world, { name, options });

	const imagine = async () => command('imagine', [str('prompt', PROMPT)]);
	/** /animate with a batch of `batch` videos. */
	const animate = async (batch: number) =>
		command('animate', [
			str('prompt', VIDEO_PROMPT),
			str('image_url', 'https://example.com/beach.png'),
			int('batch_size', batch),
		]);

	/** The next request to `endpoint`, finished by the provider and delivered by the bot. */
	const finish = async (endpoint: FakeSubmitEndpoint) => finishNext(world, endpoint);

	/** In the second run, everything from here on happens in a new process, long after the command. */
	const later = async (...results: Result[]) => (restart ? expireAndRestart(world, ...results) : undefined);

	/** Picks image `n` by button: its own message id. */
	async function pick(grid: Result, n: number): Promise<string> {
		world.discord.sendComponent({ messageId: grid.messageId, customId: `mj:pick:${grid.jobId}:${n}` });
		return (await waitForPick(store, grid.jobId, n - 1)).messageId;
	}

	it('V3 on a grid varies image 3 of the grid’s task; the result is a reply under the grid naming the action', async () => {
		const grid = await imagine();
		await later(grid);
		const { discord, mj } = world;

		discord.sendComponent({ messageId: grid.messageId, customId: `mj:vary:${grid.jobId}:3` });
		const vary = await finish('vary');
		expect(vary.body).toEqual({ taskId: grid.taskId, imageIndex: 2 });
		const message = discord.messages.get(vary.messageId)!;
		// The button's reply: Discord shows it under the message the button was on.
		expect(message.interaction_metadata).toMatchObject({ interacted_message_id: grid.messageId });
		expect(message.content).toContain('**Vary of image 3** from [this result](');
		expect(message.content).toContain(`/${grid.messageId})`);
		expect(message.content).toContain(`for <@${discord.ids.user}>`);
		expect(message.attachments).toHaveLength(4);
		// A vary makes a grid: it has its own U1–U4 and V1–V4.
		expect(buttonsOf(world.discord, vary.messageId)).toContain(`mj:vary:${vary.jobId}:1`);
		expect(await new JobRepository(store()).get(vary.jobId)).toMatchObject({
			kind: 'vary',
			request: { action: 'vary', parentTaskId: grid.taskId, imageNumber: 3 },
			parent: { jobId: grid.jobId, imageIndex: 2, messageId: grid.messageId, prompt: PROMPT },
		});
		expect(mj.generateRequests).toHaveLength(1);
		expect(mj.violations).toEqual([]);
		expect(discord.violations).toEqual([]);
	});

	it('U2 then Upscale upscales image 2 of the grid’s task; an upscale offers Animate, Remix and delete only', async () => {
		const grid = await imagine();
		const pickId = await pick(grid, 2);
		await later(grid);
		const { discord, mj } = world;

		discord.sendComponent({ messageId: pickId, customId: `mj:upscale:${grid.jobId}:2` });
		const upscale = await finish('upscale');
		expect(upscale.body).toEqual({ taskId: grid.taskId, imageIndex: 1 });
		const message = discord.messages.get(upscale.messageId)!;
		expect(message.interaction_metadata).toMatchObject({ interacted_message_id: pickId });
		expect(message.content).toContain('**Upscale of image 2**');
		expect(message.attachments).toHaveLength(1);
		expect(buttonsOf(world.discord, upscale.messageId)).toEqual([
			`mj:animate:${upscale.jobId}:1`,
			`mj:remix:${upscale.jobId}:1`,
			`mj:delete:${upscale.jobId}`,
		]);
		// 🎨 on the upscale remixes the upscaled image with the grid's prompt.
		discord.sendReaction({ messageId: upscale.messageId, emoji: emoji('🎨') });
		const remix = withoutCallback((await mj.waitForGenerate()).body);
		expect(remix).toMatchObject({ taskType: 'mj_img2img', prompt: PROMPT });
		expect(mj.violations).toEqual([]);
		expect(discord.violations).toEqual([]);
	});

	it('Extend on video 2 of a batch extends index 2’s video; Extend with prompt… opens a form and extends manually', async () => {
		const video = await animate(2);
		await later(video);
		const { discord, mj } = world;
		expect(buttonsOf(world.discord, video.messageId)).toEqual([
			`mj:extend:${video.jobId}:1`,
			`mj:extendPrompt:${video.jobId}:1`,
			`mj:extend:${video.jobId}:2`,
			`mj:extendPrompt:${video.jobId}:2`,
			`mj:reroll:${video.jobId}`,
			`mj:delete:${video.jobId}`,
		]);

		discord.sendComponent({ messageId: video.messageId, customId: `mj:extend:${video.jobId}:2` });
		const auto = await finish('extend');
		expect(auto.body).toEqual({ taskType: 'mj_video_extend_auto', taskId: video.taskId, index: 1 });
		expect(discord.messages.get(auto.messageId)!.content).toContain('**Extend of video 2**');

		const click = discord.sendComponent({ messageId: video.messageId, customId: `mj:extendPrompt:${video.jobId}:1` });
		const modal = await discord.waitForRequest(interactionCallback(click.id));
		expect(bodyOf(modal)['type']).toBe(9);
		expect(JSON.stringify(modal.body)).toContain(JSON.stringify(VIDEO_PROMPT));
		discord.sendModalSubmit({
			messageId: video.messageId,
			customId: `mj:extendManual:${video.jobId}:1`,
			fields: { prompt: 'the waves freeze into ice' },
		});
		const manual = await finish('extend');
		expect(manual.body).toEqual({
			taskType: 'mj_video_extend_manual',
			taskId: video.taskId,
			index: 0,
			prompt: 'the waves freeze into ice',
		});
		expect(mj.generateRequests).toHaveLength(1);
		expect(mj.violations).toEqual([]);
		expect(discord.violations).toEqual([]);
	});

	it('each by reaction: 🔀 and ⬆️ on a picked image, ⏩ on a video; each result replies to the reacted message', async () => {
		const grid = await imagine();
		const video = await animate(1);
		const pickId = await pick(grid, 4);
		await later(grid, video);
		const { discord, mj } = world;

		discord.sendReaction({ messageId: pickId, emoji: emoji('🔀') });
		const vary = await finish('vary');
		expect(vary.body).toEqual({ taskId: grid.taskId, imageIndex: 3 });
		discord.sendReaction({ messageId: pickId, emoji: emoji('⬆️'), userId: discord.ids.moderator });
		const upscale = await finish('upscale');
		expect(upscale.body).toEqual({ taskId: grid.taskId, imageIndex: 3 });
		discord.sendReaction({ messageId: video.messageId, emoji: emoji('⏩') });
		const extend = await finish('extend');
		expect(extend.body).toEqual({ taskType: 'mj_video_extend_auto', taskId: video.taskId, index: 0 });

		for (const [result, parent] of [
			[vary, pickId],
			[upscale, pickId],
			[extend, video.messageId],
		] as const) {
			const message = discord.messages.get(result.messageId)!;
			expect(message.message_reference).toMatchObject({ message_id: parent });
		}
		expect(await new JobRepository(store()).get(upscale.jobId)).toMatchObject({
			target: { requesterId: discord.ids.moderator },
		});
		// 🔀 on the grid itself cannot say which image: it starts nothing, and the hint says how.
		expect(discord.messages.get(grid.messageId)!.content).toContain('(then 🔀 vary or ⬆️ upscale on the picked image)');
		expect(mj.varyRequests).toHaveLength(1);
		expect(mj.violations).toEqual([]);
		expect(discord.violations).toEqual([]);
	});

	it('pressed twice while the first runs: one request, and the second press links to the running job', async () => {
		const grid = await imagine();
		await later(grid);
		const { discord, mj } = world;

		discord.sendComponent({ messageId: grid.messageId, customId: `mj:vary:${grid.jobId}:1` });
		const first = await mj.waitForSubmit('vary');
		const jobId = jobIdOf(first);
		const running = await waitForWorkingMessage(jobId);
		const again = discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:vary:${grid.jobId}:1`,
			userId: discord.ids.admin,
		});
		const answer = await ephemeralAnswer(discord, again.id);
		expect(answer).toContain('already running');
		expect(answer).toContain(running);
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('1️⃣') });
		const pickId = (await waitForPick(store, grid.jobId, 0)).messageId;
		discord.sendReaction({ messageId: pickId, emoji: emoji('🔀'), userId: discord.ids.moderator });
		await discord.waitForRequest((r) => channelPost()(r) && content(r).includes('already running'));
		expect(mj.varyRequests).toHaveLength(1);

		// Once it has finished, the same press starts a new one.
		mj.succeed(first.taskId!);
		await mj.sendCallback(first.taskId!);
		await waitForDelivery(store, jobId);
		discord.sendComponent({ messageId: grid.messageId, customId: `mj:vary:${grid.jobId}:1` });
		await mj.waitForSubmit('vary');
		expect(mj.varyRequests).toHaveLength(2);
	});

	it('/jobs shows the lineage: /imagine → V2 → Upscale 1', async () => {
		const grid = await imagine();
		world.discord.sendComponent({ messageId: grid.messageId, customId: `mj:vary:${grid.jobId}:2` });
		const vary = await finish('vary');
		const varyGrid: Result = { token: grid.token, jobId: vary.jobId, taskId: vary.taskId, messageId: vary.messageId };
		const pickId = await pick(varyGrid, 1);
		await later(grid);
		world.discord.sendComponent({ messageId: pickId, customId: `mj:upscale:${vary.jobId}:1` });
		const upscale = await finish('upscale');
		expect(upscale.body).toEqual({ taskId: vary.taskId, imageIndex: 0 });

		const { token } = world.discord.sendCommand({ name: 'jobs' });
		const reply = await world.discord.waitForRequest(originalEdit(token));
		expect(JSON.stringify(reply.body)).toContain('/imagine → V2 → Upscale 1');
	});

	/** The link to a job's "working" message, once it is posted. */
	async function waitForWorkingMessage(jobId: string): Promise<string> {
		return eventually(async () => {
			const job = await new JobRepository(store()).get(jobId);
			return job?.target.messageId;
		}, `the working message of job ${jobId}`);
	}
});

describe('Vary, Upscale and Extend follow the server’s rules', () => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	const serverSettings = async (options: CommandOptionInput[]): Promise<string> =>
		(
			await send(world.discord, {
				name: 'server-settings',
				options: [sub('set', options)],
				userId: world.discord.ids.admin,
			})
		).content;

	const grid = async (): Promise<Result> => deliver(world, { name: 'imagine', options: [str('prompt', PROMPT)] });

	it('allowed_commands without vary refuses V1 (member told, nothing sent), by button and by reaction', async () => {
		const result = await grid();
		expect(await serverSettings([str('allowed_commands', 'imagine, upscale')])).toContain('`imagine`, `upscale`');
		const { discord, mj } = world;
		const click = discord.sendComponent({ messageId: result.messageId, customId: `mj:vary:${result.jobId}:1` });
		const refusal = await ephemeralAnswer(discord, click.id);
		expect(refusal).toContain('does not allow `vary` jobs');
		expect(refusal).not.toContain('mj_');

		discord.sendComponent({ messageId: result.messageId, customId: `mj:pick:${result.jobId}:1` });
		const pickId = (await waitForPick(() => world.bot.store, result.jobId, 0)).messageId;
		discord.sendReaction({ messageId: pickId, emoji: emoji('🔀') });
		await discord.waitForRequest((r) => r.method === 'POST' && content(r).includes('does not allow `vary` jobs'));
		expect(mj.varyRequests).toHaveLength(0);
		// What the list does allow still works: ⬆️ on the same picked image upscales it.
		discord.sendReaction({ messageId: pickId, emoji: emoji('⬆️') });
		expect(withoutCallback((await mj.waitForSubmit('upscale')).body)).toEqual({ taskId: result.taskId, imageIndex: 0 });
	});

	it('a daily limit refuses an upscale once used up (member told, nothing sent)', async () => {
		expect(await serverSettings([int('member_daily_limit', 1)])).toContain('1');
		const result = await grid();
		const { discord, mj } = world;
		discord.sendComponent({ messageId: result.messageId, customId: `mj:pick:${result.jobId}:2` });
		const pickId = (await waitForPick(() => world.bot.store, result.jobId, 1)).messageId;
		const click = discord.sendComponent({ messageId: pickId, customId: `mj:upscale:${result.jobId}:2` });
		expect(await ephemeralAnswer(discord, click.id)).toContain('You have used your 1 job for today');
		expect(mj.upscaleRequests).toHaveLength(0);
	});

	it('a vary that fails is refunded: it does not count toward the daily limit', async () => {
		await serverSettings([int('member_daily_limit', 2)]);
		const result = await grid();
		const { discord, mj } = world;
		discord.sendComponent({ messageId: result.messageId, customId: `mj:vary:${result.jobId}:1` });
		const failed = await mj.waitForSubmit('vary');
		mj.fail(failed.taskId!, 'Image generation failed: content moderation');
		await mj.sendCallback(failed.taskId!);
		await eventually(async () => {
			const job = await new JobRepository(world.bot.store).get(jobIdOf(failed));
			return job?.state.phase === 'finished' && job.state.outcome.status === 'failed';
		}, 'the vary to be recorded as failed');

		// Two used would be the limit; the failed one was given back, so this one is the second.
		discord.sendComponent({ messageId: result.messageId, customId: `mj:vary:${result.jobId}:2` });
		expect(withoutCallback((await mj.waitForSubmit('vary')).body)).toEqual({ taskId: result.taskId, imageIndex: 1 });
		expect(mj.varyRequests).toHaveLength(2);
	});
});
