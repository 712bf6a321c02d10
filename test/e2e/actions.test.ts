import { beforeEach, describe, expect, it } from 'vitest';
import type { CommandOptionInput, SendCommandInput } from '../../fakes/discord/types.js';
import type { RecordedRequest } from '../../fakes/discord.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { worldPerTest, type World } from './harness.js';
import {
	answerTo,
	bodyOf,
	buttonsOf,
	channelPost,
	content,
	deliver,
	emoji,
	ephemeralAnswer,
	expireAndRestart,
	int,
	interactionCallback,
	reactionRemoval,
	jobIdOf,
	RIGHT_AWAY_AND_AFTER_A_RESTART,
	str,
	withoutCallback,
} from './requests.js';
import { waitForPick } from './stored.js';

const PROMPT = 'a lighthouse at dawn, oil painting';
/** A message id the bot never posted a result as. */
const NOT_A_RESULT = '1234567890123456789';

interface Result {
	/** The /imagine interaction's token. */
	token: string;
	jobId: string;
	/** The result message. */
	messageId: string;
	/** The generate body as the provider received it, without the per-job callback URL. */
	body: Record<string, unknown>;
}

const customIdsOf = (r: RecordedRequest): string[] =>
	((bodyOf(r)['components'] ?? []) as Array<{ components: Array<{ custom_id: string }> }>).flatMap((row) =>
		row.components.map((button) => button.custom_id),
	);
const open = worldPerTest({ callbacks: true });

describe.each(RIGHT_AWAY_AND_AFTER_A_RESTART)('acting on results $when', ({ restart }) => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	/** The running process's store (a new one after `later()` restarts the bot). */
	const store = () => world.bot.store;

	/** Runs /imagine to a delivered result (four images, or `count`). */
	const imagine = async (options: { count?: number; prompt?: string; extra?: CommandOptionInput[] } = {}) =>
		deliver(
			world,
			{ name: 'imagine', options: [str('prompt', options.prompt ?? PROMPT), ...(options.extra ?? [])] },
			options.count === undefined ? {} : { count: options.count },
		);

	/** In the second run, everything from here on happens in a new process, long after the command. */
	const later = async (...results: Result[]) => (restart ? expireAndRestart(world, ...results) : undefined);

	/** Generate bodies after the first `from`, without callback URLs. */
	const generatesFrom = (from: number) => world.mj.generateRequests.slice(from).map((g) => withoutCallback(g.body));

	async function bytesOf(url: string): Promise<Buffer> {
		const response = await fetch(url);
		expect(response.status).toBe(200);
		return Buffer.from(await response.arrayBuffer());
	}

	/** The bytes of image `n` (1-based) of a result message, as the fake Discord holds them. */
	function imageOf(messageId: string, n: number): Buffer {
		const file = world.discord.messages.get(messageId)?.files[n - 1];
		expect(file).toBeDefined();
		return file!.data;
	}

	it('grid results carry pick (U1–U4), vary (V1–V4), reroll and delete buttons and the reaction hint', async () => {
		const grid = await imagine();
		const message = world.discord.messages.get(grid.messageId)!;
		expect(buttonsOf(world.discord, grid.messageId)).toEqual(
			[1, 2, 3, 4]
				.map((n) => `mj:pick:${grid.jobId}:${n}`)
				.concat([1, 2, 3, 4].map((n) => `mj:vary:${grid.jobId}:${n}`))
				.concat(`mj:reroll:${grid.jobId}`, `mj:delete:${grid.jobId}`),
		);
		expect(message.content).toContain('React 1️⃣–4️⃣ pick');
		expect(world.discord.violations).toEqual([]);
	});

	it('pick by reaction posts that image once, as a reply; a second pick points to it; nothing is generated', async () => {
		const grid = await imagine();
		await later(grid);
		const { discord, mj } = world;
		const { user, admin } = discord.ids;

		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('2️⃣') });
		const post = await discord.waitForRequest((r) => channelPost()(r) && r.files.length === 1);
		expect(bodyOf(post)['message_reference']).toMatchObject({ message_id: grid.messageId });
		expect(post.files[0]!.data.equals(imageOf(grid.messageId, 2))).toBe(true);
		expect(customIdsOf(post)).toEqual([
			`mj:upscale:${grid.jobId}:2`,
			`mj:vary:${grid.jobId}:2`,
			`mj:remix:${grid.jobId}:2`,
			`mj:animate:${grid.jobId}:2`,
			`mj:delete:${grid.jobId}:2`,
		]);
		expect(content(post)).toContain('Image #2');
		const pickId = (post.response.body as { id: string }).id;
		// The member's reaction is taken off, so they can use it again.
		await discord.waitForRequest(reactionRemoval(grid.messageId, '2️⃣', user));
		expect((await waitForPick(store, grid.jobId, 1)).messageId).toBe(pickId);

		const second = discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:pick:${grid.jobId}:2`,
			userId: admin,
		});
		const pointer = await discord.waitForRequest(interactionCallback(second.id));
		expect(bodyOf(pointer)).toMatchObject({ type: 4, data: { flags: 64 } });
		expect(JSON.stringify(pointer.body)).toContain(pickId);

		expect(discord.requests.filter((r) => r.files.length === 1 && channelPost()(r))).toHaveLength(1);
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('pick by button replies with that image; a later reaction for it points to the post', async () => {
		const grid = await imagine();
		await later(grid);
		const { discord, mj } = world;

		const click = discord.sendComponent({ messageId: grid.messageId, customId: `mj:pick:${grid.jobId}:3` });
		const posted = await discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.endsWith(`/${click.token}/messages/@original`) && r.files.length === 1,
		);
		expect(posted.files[0]!.data.equals(imageOf(grid.messageId, 3))).toBe(true);
		expect(customIdsOf(posted)).toContain(`mj:remix:${grid.jobId}:3`);
		const pickId = (posted.response.body as { id: string }).id;
		expect((await waitForPick(store, grid.jobId, 2)).messageId).toBe(pickId);

		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('3️⃣'), userId: discord.ids.moderator });
		const pointer = await discord.waitForRequest((r) => channelPost()(r) && content(r).includes('already posted'));
		expect(content(pointer)).toContain(pickId);
		expect(pointer.files).toHaveLength(0);
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('🎨 on a picked image remixes exactly that image with the original prompt and parameters', async () => {
		const grid = await imagine({
			extra: [str('aspect_ratio', '16:9'), str('speed', 'fast'), int('stylization', 250)],
		});
		const { discord, mj } = world;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('1️⃣') });
		const post = await discord.waitForRequest((r) => channelPost()(r) && r.files.length === 1);
		const pickId = (post.response.body as { id: string }).id;
		expect((await waitForPick(store, grid.jobId, 0)).messageId).toBe(pickId);
		await later(grid);

		world.discord.sendReaction({ messageId: pickId, emoji: emoji('🎨'), userId: discord.ids.moderator });
		const generate = await world.mj.waitForGenerate();
		const body = withoutCallback(generate.body);
		expect(body).toEqual({
			taskType: 'mj_img2img',
			prompt: PROMPT,
			fileUrls: [expect.any(String)],
			aspectRatio: '16:9',
			speed: 'fast',
			stylization: 250,
		});
		const [url] = body['fileUrls'] as string[];
		expect((await bytesOf(url!)).equals(imageOf(grid.messageId, 1))).toBe(true);
		// The moderator's job: a new reply under the picked image, recorded with its parent.
		const working = await discord.waitForRequest((r) => channelPost()(r) && content(r).includes('/remix'));
		expect(bodyOf(working)['message_reference']).toMatchObject({ message_id: pickId });
		const derived = await new JobRepository(world.bot.store).get(jobIdOf(generate));
		expect(derived).toMatchObject({
			kind: 'remix',
			parent: { jobId: grid.jobId, imageIndex: 0 },
			target: { requesterId: discord.ids.moderator, replyTo: pickId },
		});
		expect(mj.violations).toEqual([]);
		expect(discord.violations).toEqual([]);
	});

	it('🎨 button opens the prompt in a modal and submits the edited prompt', async () => {
		const single = await imagine({ count: 1 });
		await later(single);
		const { discord } = world;
		const message = world.discord.messages.get(single.messageId)!;
		expect(JSON.stringify(message.components)).toContain(`mj:remix:${single.jobId}:1`);

		const click = discord.sendComponent({ messageId: single.messageId, customId: `mj:remix:${single.jobId}:1` });
		const modal = await discord.waitForRequest(interactionCallback(click.id));
		expect(bodyOf(modal)['type']).toBe(9);
		expect(JSON.stringify(modal.body)).toContain(JSON.stringify(PROMPT));

		const submit = discord.sendModalSubmit({
			customId: `mj:prompt:${single.jobId}:1`,
			fields: { prompt: 'the same lighthouse, in winter' },
		});
		const generate = await world.mj.waitForGenerate();
		expect(withoutCallback(generate.body)).toEqual({
			taskType: 'mj_img2img',
			prompt: 'the same lighthouse, in winter',
			fileUrls: [expect.any(String)],
		});
		const [url] = generate.body['fileUrls'] as string[];
		expect((await bytesOf(url!)).equals(imageOf(single.messageId, 1))).toBe(true);
		// The job is the member's own new reply (deferred, then edited into "working").
		const deferred = await discord.waitForRequest(interactionCallback(submit.id));
		expect(bodyOf(deferred)['type']).toBe(5);
		await discord.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${submit.token}/messages/@original`));
		expect(discord.violations).toEqual([]);
	});

	it('the remix form refuses Midjourney parameters typed in its prompt, and submits nothing', async () => {
		const single = await imagine({ count: 1 });
		await later(single);
		const { discord } = world;
		const click = discord.sendComponent({ messageId: single.messageId, customId: `mj:remix:${single.jobId}:1` });
		await discord.waitForRequest(interactionCallback(click.id));
		const submit = discord.sendModalSubmit({
			customId: `mj:prompt:${single.jobId}:1`,
			fields: { prompt: 'the same lighthouse --ar 16:9 --tile' },
		});
		const refused = await discord.waitForRequest(interactionCallback(submit.id));
		const data = bodyOf(refused)['data'] as { content?: string };
		expect(data.content).toContain('Remove `--ar 16:9`, `--tile` and submit again.');
		expect(world.mj.generateRequests).toHaveLength(1);
	});

	it('🎬 by reaction and by button animates exactly that image with a motion', async () => {
		const single = await imagine({ count: 1 });
		const grid = await imagine();
		const { discord } = world;
		const click = discord.sendComponent({ messageId: grid.messageId, customId: `mj:pick:${grid.jobId}:4` });
		const posted = await discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.endsWith(`/${click.token}/messages/@original`) && r.files.length === 1,
		);
		const pickId = (posted.response.body as { id: string }).id;
		expect((await waitForPick(store, grid.jobId, 3)).messageId).toBe(pickId);
		await later(single, grid);
		const before = world.mj.generateRequests.length;

		world.discord.sendReaction({ messageId: single.messageId, emoji: emoji('🎬') });
		const byReaction = withoutCallback((await world.mj.waitForGenerate()).body);
		expect(byReaction).toEqual({
			taskType: 'mj_video',
			prompt: PROMPT,
			fileUrls: [expect.any(String)],
			motion: 'high',
		});
		expect((await bytesOf((byReaction['fileUrls'] as string[])[0]!)).equals(imageOf(single.messageId, 1))).toBe(true);

		world.discord.sendComponent({ messageId: pickId, customId: `mj:animate:${grid.jobId}:4` });
		const byButton = withoutCallback((await world.mj.waitForGenerate()).body);
		expect(byButton).toEqual({ taskType: 'mj_video', prompt: PROMPT, fileUrls: [expect.any(String)], motion: 'high' });
		expect((await bytesOf((byButton['fileUrls'] as string[])[0]!)).equals(imageOf(grid.messageId, 4))).toBe(true);

		expect(world.mj.generateRequests).toHaveLength(before + 2);
		expect(world.mj.violations).toEqual([]);
		expect(world.discord.violations).toEqual([]);
	});

	it('🔁 by reaction and by button sends the same generate body again', async () => {
		const grid = await imagine({ extra: [str('version', '6.1')] });
		await later(grid);
		const { discord } = world;

		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁') });
		const byReaction = await world.mj.waitForGenerate();
		discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:reroll:${grid.jobId}`,
			userId: discord.ids.admin,
		});
		const byButton = await world.mj.waitForGenerate();
		expect(withoutCallback(byReaction.body)).toEqual(grid.body);
		expect(withoutCallback(byButton.body)).toEqual(grid.body);
		const repository = new JobRepository(world.bot.store);
		expect(await repository.get(jobIdOf(byButton))).toMatchObject({
			kind: 'imagine',
			parent: { jobId: grid.jobId },
			target: { requesterId: discord.ids.admin },
		});
		expect(generatesFrom(0)).toHaveLength(3);
	});

	it('❌ deletes for the requester and a moderator, and is refused to anyone else', async () => {
		const first = await imagine();
		const second = await imagine();
		await later(first, second);
		const { discord } = world;

		const byOther = discord.sendComponent({
			messageId: first.messageId,
			customId: `mj:delete:${first.jobId}`,
			userId: discord.ids.admin,
		});
		const refusal = await discord.waitForRequest(interactionCallback(byOther.id));
		expect(bodyOf(refusal)).toMatchObject({ type: 4, data: { flags: 64 } });
		expect(JSON.stringify(refusal.body)).toContain('Only the requester can delete this.');
		discord.sendReaction({ messageId: first.messageId, emoji: emoji('❌'), userId: discord.ids.admin });
		await discord.waitForRequest(reactionRemoval(first.messageId, '❌', discord.ids.admin));
		expect(discord.messages.has(first.messageId)).toBe(true);

		discord.sendComponent({ messageId: first.messageId, customId: `mj:delete:${first.jobId}` });
		await discord.waitForRequest((r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${first.messageId}`));
		expect(discord.messages.has(first.messageId)).toBe(false);

		discord.sendReaction({ messageId: second.messageId, emoji: emoji('❌'), userId: discord.ids.moderator });
		await discord.waitForRequest((r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${second.messageId}`));
		expect(discord.messages.has(second.messageId)).toBe(false);
		expect(world.mj.generateRequests).toHaveLength(2);
		expect(discord.violations).toEqual([]);
	});

	it('❌ on a picked image removes only that post, and the image can be picked again', async () => {
		const grid = await imagine();
		const { discord } = world;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('2️⃣'), userId: discord.ids.moderator });
		const first = await discord.waitForRequest((r) => channelPost()(r) && r.files.length === 1);
		const pickId = (first.response.body as { id: string }).id;
		expect((await waitForPick(store, grid.jobId, 1)).messageId).toBe(pickId);
		await later(grid);

		// The member who picked it may remove it, though the grid is someone else's.
		world.discord.sendComponent({
			messageId: pickId,
			customId: `mj:delete:${grid.jobId}:2`,
			userId: discord.ids.moderator,
		});
		await discord.waitForRequest((r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${pickId}`));
		expect(discord.messages.has(pickId)).toBe(false);
		expect(discord.messages.has(grid.messageId)).toBe(true);

		const before = discord.requests.length;
		world.discord.sendReaction({ messageId: grid.messageId, emoji: emoji('2️⃣') });
		const again = await discord.waitForRequest((r) => channelPost()(r) && r.files.length === 1, 5000, before);
		expect((again.response.body as { id: string }).id).not.toBe(pickId);
		expect(discord.violations).toEqual([]);
	});

	it('✉️ sends the member the result’s images by DM', async () => {
		const grid = await imagine();
		await later(grid);
		const { discord } = world;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('✉️'), userId: discord.ids.moderator });
		const dmChannel = discord.dmChannelId(discord.ids.moderator);
		const dm = await discord.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${dmChannel}/messages`);
		expect(dm.files).toHaveLength(4);
		for (const [index, file] of dm.files.entries())
			expect(file.data.equals(imageOf(grid.messageId, index + 1))).toBe(true);
		expect(content(dm)).toContain(grid.messageId);
		await discord.waitForRequest(reactionRemoval(grid.messageId, '✉️', discord.ids.moderator));
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('ignores bots, messages that are not results, meaningless emoji and a repeated reaction', async () => {
		const grid = await imagine();
		await later(grid);
		const { discord, mj } = world;
		const { user, moderator } = discord.ids;
		const since = (from: number) => discord.requests.slice(from);
		const removals = (from: number) =>
			since(from)
				.filter((r) => r.method === 'DELETE' && r.path.includes('/reactions/'))
				.map((r) => r.path);
		const postsIn = (channelId: string, from: number) =>
			since(from).filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`);
		const dmsTo = (userId: string, from: number) => postsIn(discord.dmChannelId(userId), from);
		/**
		 * An ignored reaction leaves nothing to wait on. A member's ✉️ sent after it comes behind it on the same gateway
		 * connection and makes the same reads before it acts, so once its DM is sent and its reaction taken off, the
		 * reactions before it have done what they were going to do: checked to be nothing, below.
		 */
		const envelopeAfter = async (userId: string, from: number) => {
			discord.sendReaction({ messageId: grid.messageId, emoji: emoji('✉️'), userId });
			await discord.waitForRequest(reactionRemoval(grid.messageId, '✉️', userId), 5000, from);
			expect(dmsTo(userId, from).map((r) => r.files.length)).toEqual([4]);
		};

		let from = discord.requests.length;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁'), bot: true });
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁'), userId: discord.ids.bot });
		discord.sendReaction({ messageId: NOT_A_RESULT, emoji: emoji('🔁') });
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('👍') });
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🎨') });
		await envelopeAfter(user, from);
		// Nothing generated, no reaction taken off but the ✉️, no refusal told by DM or in the channel.
		expect(mj.generateRequests).toHaveLength(1);
		expect(removals(from)).toEqual([
			`/channels/${discord.ids.channel}/messages/${grid.messageId}/reactions/✉️/${user}`,
		]);
		expect(postsIn(discord.ids.channel, from)).toEqual([]);

		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁') });
		await mj.waitForGenerate();
		await discord.waitForRequest(reactionRemoval(grid.messageId, '🔁', user));
		from = discord.requests.length;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁') });
		// The member's own ✉️ would be a repeat within the window too: a moderator's comes behind it.
		await envelopeAfter(moderator, from);
		expect(mj.generateRequests).toHaveLength(2);
		expect(removals(from)).toEqual([
			`/channels/${discord.ids.channel}/messages/${grid.messageId}/reactions/✉️/${moderator}`,
		]);
		expect(dmsTo(user, from)).toEqual([]);
		expect(discord.violations).toEqual([]);
	});
});

describe('acting on results fails safely', () => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	const store = () => world.bot.store;

	const run = async (command: SendCommandInput, succeed: Parameters<World['mj']['succeed']>[1] = {}): Promise<Result> =>
		deliver(world, command, succeed);
	const imagine = async (succeed?: Parameters<World['mj']['succeed']>[1]) =>
		run({ name: 'imagine', options: [str('prompt', PROMPT)] }, succeed);

	/** What the member is told by DM when their reaction did nothing (a reaction has no interaction to answer). */
	async function toldByDm(from: number): Promise<string> {
		const dmChannel = world.discord.dmChannelId(world.discord.ids.user);
		const dm = await world.discord.waitForRequest(
			(r) => r.method === 'POST' && r.path === `/channels/${dmChannel}/messages`,
			5000,
			from,
		);
		return content(dm);
	}

	it('answers buttons on a result the store has lost with a clear message, and ignores reactions on it', async () => {
		const grid = await imagine();
		await world.bot.store.collection('jobs').delete(grid.jobId);
		const { discord, mj } = world;

		const pick = discord.sendComponent({ messageId: grid.messageId, customId: `mj:pick:${grid.jobId}:1` });
		expect(await ephemeralAnswer(world.discord, pick.id)).toContain('no longer has the record of this result');
		const reacted = discord.requests.length;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁') });
		expect(await toldByDm(reacted)).toContain('no longer has the record of this result');

		// Nobody is known to own it any more: only a moderator may delete it.
		const byRequester = discord.sendComponent({ messageId: grid.messageId, customId: `mj:delete:${grid.jobId}` });
		expect(await ephemeralAnswer(world.discord, byRequester.id)).toContain('only members with Manage Messages');
		discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:delete:${grid.jobId}`,
			userId: discord.ids.moderator,
		});
		await discord.waitForRequest((r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${grid.messageId}`));
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('says so when the picked image is gone', async () => {
		const gone = [1, 2, 3, 4].map((n) => `${world.mj.baseUrl}/files/expired_${n}.png`);
		const grid = await imagine({ resultUrls: gone });
		const { discord } = world;

		const from = discord.requests.length;
		const click = discord.sendComponent({ messageId: grid.messageId, customId: `mj:pick:${grid.jobId}:1` });
		// Only the member is told: the reply deferred in public for the picked image is deleted.
		const answer = await answerTo(discord, click, from);
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toContain('Image #1 of this result is no longer available');
		const reacted = discord.requests.length;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('2️⃣') });
		expect(await toldByDm(reacted)).toContain('Image #2 of this result is no longer available');
		expect(discord.requests.filter((r) => channelPost()(r) && r.files.length > 0)).toHaveLength(0);
		expect(discord.violations).toEqual([]);
	});

	it('refuses an emptied prompt in the remix modal and an outdated button', async () => {
		const single = await imagine({ count: 1 });
		const { discord, mj } = world;
		discord.sendComponent({ messageId: single.messageId, customId: `mj:remix:${single.jobId}:1` });
		await discord.waitForRequest((r) => bodyOf(r)['type'] === 9);
		const submit = discord.sendModalSubmit({ customId: `mj:prompt:${single.jobId}:1`, fields: { prompt: '   ' } });
		expect(await ephemeralAnswer(world.discord, submit.id)).toContain('`prompt` is required');

		const stale = discord.sendComponent({ messageId: single.messageId, customId: 'U1::abcdef' });
		expect(await ephemeralAnswer(world.discord, stale.id)).toContain('no longer supported');
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('still acts when it may not remove the member’s reaction, and logs why', async () => {
		const grid = await imagine();
		const { discord, mj } = world;
		discord.failNext((r) => r.method === 'DELETE' && r.path.includes('/reactions/'), {
			status: 403,
			body: { message: 'Missing Permissions', code: 50013 },
		});
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁') });
		expect(withoutCallback((await mj.waitForGenerate()).body)).toEqual(grid.body);
		const refused = await discord.waitForRequest(reactionRemoval(grid.messageId, '🔁', discord.ids.user));
		expect(refused.response.status).toBe(403);
		// The member's next reaction is taken off through the same route, which discord.js sends one request at a time:
		// once it is, the refusal before it has been answered, and logged.
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('✉️') });
		await discord.waitForRequest(reactionRemoval(grid.messageId, '✉️', discord.ids.user));
		// The log is the point here: nothing else tells an operator the bot lacks Manage Messages.
		expect(world.logs.some((line) => line['msg'] === 'Could not remove the member’s reaction')).toBe(true);
	});

	it('says so in the channel, to the member only, when they do not accept DMs', async () => {
		const grid = await imagine();
		const { discord } = world;
		const dmChannel = discord.dmChannelId(discord.ids.user);
		discord.failNext((r) => r.method === 'POST' && r.path === `/channels/${dmChannel}/messages`, {
			status: 403,
			body: { message: 'Cannot send messages to this user', code: 50007 },
		});
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('✉️') });
		// Not tried by DM again: the refusal is that DMs are closed.
		const notice = await discord.waitForRequest(
			(r) => r.method === 'POST' && r.path === `/channels/${discord.ids.channel}/messages`,
		);
		expect(content(notice)).toContain('can’t send you direct messages');
		expect(bodyOf(notice)['allowed_mentions']).toEqual({ parse: [], users: [discord.ids.user], replied_user: false });
		expect(
			discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${dmChannel}/messages`),
		).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});

	it('gives video results extend, reroll and delete only; 🎨 on a video means nothing', async () => {
		const video = await run({
			name: 'animate',
			options: [str('prompt', 'waves roll in'), str('image_url', 'https://example.com/beach.png')],
		});
		const { discord, mj } = world;
		const message = discord.messages.get(video.messageId)!;
		expect(message.attachments.map((a) => a.content_type)).toEqual(['video/mp4']);
		expect(JSON.stringify(message.components)).not.toContain('mj:pick');
		expect(JSON.stringify(message.components)).not.toContain('mj:remix');
		expect(message.content).toContain('React ⏩ extend · 🔁 reroll · ❌ delete');

		const from = discord.requests.length;
		discord.sendReaction({ messageId: video.messageId, emoji: emoji('🎨') });
		discord.sendReaction({ messageId: video.messageId, emoji: emoji('🔁') });
		expect(withoutCallback((await mj.waitForGenerate()).body)).toEqual(video.body);
		// The 🔁 came behind the 🎨 and went further: once it is taken off, the 🎨 has done all it would, which is nothing.
		await discord.waitForRequest(reactionRemoval(video.messageId, '🔁', discord.ids.user), 5000, from);
		expect(mj.generateRequests).toHaveLength(2);
		const removed = discord.requests.slice(from).filter((r) => r.method === 'DELETE' && r.path.includes('/reactions/'));
		expect(removed.map((r) => r.path)).toEqual([
			`/channels/${discord.ids.channel}/messages/${video.messageId}/reactions/🔁/${discord.ids.user}`,
		]);
		const dmChannel = discord.dmChannelId(discord.ids.user);
		expect(discord.requests.slice(from).filter((r) => r.path === `/channels/${dmChannel}/messages`)).toEqual([]);
		expect(discord.violations).toEqual([]);
	});

	it('holds jobs started from results to the member’s limits, like commands', async () => {
		const grid = await imagine();
		const { discord, mj } = world;
		await world.bot.settings.settings.updateServer(discord.ids.guild, (current) => ({
			...current,
			limits: { ...current.limits, memberDaily: 1 },
		}));

		const click = discord.sendComponent({ messageId: grid.messageId, customId: `mj:reroll:${grid.jobId}` });
		expect(await ephemeralAnswer(world.discord, click.id)).toContain('Nothing was submitted.');
		const reacted = discord.requests.length;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁') });
		expect(await toldByDm(reacted)).toContain('Nothing was submitted.');
		expect(mj.generateRequests).toHaveLength(1);

		// Another member's job counts against their own limit, not the requester's.
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('🔁'), userId: discord.ids.moderator });
		expect(withoutCallback((await mj.waitForGenerate()).body)).toEqual(grid.body);
	});

	it('posts an image once when it is picked by a reaction and a button at the same moment', async () => {
		const grid = await imagine();
		const { discord } = world;
		discord.sendReaction({ messageId: grid.messageId, emoji: emoji('1️⃣') });
		discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:pick:${grid.jobId}:1`,
			userId: discord.ids.moderator,
		});
		await waitForPick(store, grid.jobId, 0);
		await discord.waitForRequest((r) => content(r).includes('already posted'));
		expect(discord.requests.filter((r) => r.files.length === 1 && r.method !== 'GET')).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});
});
