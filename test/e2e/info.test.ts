import { beforeEach, describe, expect, it } from 'vitest';
import type { CommandOptionInput } from '../../fakes/discord/types.js';
import { worldPerTest, type World } from './harness.js';
import { bool, deliver, int, jobIdOf, send, str, sub } from './requests.js';

const open = worldPerTest({ callbacks: true });

describe('/info', () => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	/** A command without options from a member: what they are shown, and whether it was private. */
	const answer = async (name: string, userId = world.discord.ids.user) => send(world.discord, { name, userId });

	const set = async (options: CommandOptionInput[]) =>
		send(world.discord, { name: 'server-settings', options: [sub('set', options)], userId: world.discord.ids.admin });

	async function imagine(finish: boolean): Promise<string> {
		const command = { name: 'imagine', options: [str('prompt', 'a lighthouse')] };
		if (finish) return (await deliver(world, command)).jobId;
		world.discord.sendCommand(command);
		return jobIdOf(await world.mj.waitForGenerate());
	}

	it('shows the member’s running jobs, today’s use against the limits, their defaults, and credits when allowed', async () => {
		await set([int('member_daily_limit', 5), int('server_daily_limit', 50), str('speed', 'relaxed')]);
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

		expect((await set([bool('show_credits', true)])).content).toContain('show_credits shown to members');
		const second = await answer('info');
		expect(second.content).toContain('**Midjourney credits**: 1234 remaining');
		// Another member sees their own view: nothing running, nothing used.
		const other = await answer('info', world.discord.ids.moderator);
		expect(other.content).toContain('**Running and queued**: none.');
		expect(other.content).toContain('**Today**: 0 of 5 jobs');
		expect(world.discord.violations).toEqual([]);
	});
});
