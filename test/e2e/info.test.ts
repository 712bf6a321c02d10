import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { startWorld, type World } from './harness.js';
import { waitForDelivery } from './stored.js';

const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const SUB = 1;

const contentOf = (r: RecordedRequest) => String(((r.body ?? {}) as Record<string, unknown>)['content'] ?? '');
const jobIdOf = (submit: { body: Record<string, unknown> }) =>
	/\/callbacks\/mj\/([\w-]+)\?/.exec(String(submit.body['callBackUrl']))![1]!;

describe('/info', () => {
	let world: World;
	beforeEach(async () => {
		world = await startWorld({ callbacks: true });
	});
	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await world.close();
	});

	/** Sends a command and resolves with the content of its (deferred) answer, and whether it was private. */
	async function answer(name: string, options: object[] = [], userId = world.discord.ids.user) {
		const { id, token } = world.discord.sendCommand({ name, options: options as never, userId });
		const deferred = await world.discord.waitForRequest(
			(r) => r.method === 'POST' && r.path.startsWith(`/interactions/${id}/`),
		);
		const edit = await world.discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`),
		);
		const flags = Number(((deferred.body as { data?: { flags?: number } }).data ?? {}).flags ?? 0);
		return { content: contentOf(edit), ephemeral: (flags & 64) === 64 };
	}

	const set = async (options: object[]) =>
		answer('server-settings', [{ name: 'set', type: SUB, options }], world.discord.ids.admin);

	async function imagine(finish: boolean): Promise<string> {
		const { mj } = world;
		world.discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: 'a lighthouse' }] });
		const generate = await mj.waitForGenerate();
		const jobId = jobIdOf(generate);
		if (finish) {
			mj.succeed(generate.taskId!);
			await mj.sendCallback(generate.taskId!);
			await waitForDelivery(() => world.bot.store, jobId);
		}
		return jobId;
	}

	it('shows the member’s running jobs, today’s use against the limits, their defaults, and credits when allowed', async () => {
		await set([
			{ name: 'member_daily_limit', type: INTEGER, value: 5 },
			{ name: 'server_daily_limit', type: INTEGER, value: 50 },
			{ name: 'speed', type: STRING, value: 'relaxed' },
		]);
		await imagine(true);
		await imagine(false);
		world.mj.credits = 1234;

		const first = await answer('info');
		expect(first.ephemeral).toBe(true);
		expect(first.content).toContain('**Running and queued**: 1 job');
		expect(first.content).toMatch(
			/• \[\/imagine\]\(https:\/\/discord\.com\/channels\/.+\) (🎨 generating|📤 submitting|🕒 queued)/,
		);
		expect(first.content).toContain('**Today**: 2 of 5 jobs (`member_daily_limit`); resets <t:');
		expect(first.content).toContain('**The whole server today**: 2 of 50 jobs');
		expect(first.content).toContain('**Your defaults here**');
		expect(first.content).toContain('**speed**');
		expect(first.content).not.toContain('Midjourney credits');

		expect((await set([{ name: 'show_credits', type: BOOLEAN, value: true }])).content).toContain(
			'show_credits shown to members',
		);
		const second = await answer('info');
		expect(second.content).toContain('**Midjourney credits**: 1234 remaining');
		// Another member sees their own view: nothing running, nothing used.
		const other = await answer('info', [], world.discord.ids.moderator);
		expect(other.content).toContain('**Running and queued**: none.');
		expect(other.content).toContain('**Today**: 0 of 5 jobs');
		expect(world.discord.violations).toEqual([]);
	});
});
