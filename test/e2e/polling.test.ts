import { beforeEach, describe, expect, it } from 'vitest';
import { worldPerTest, type World } from './harness.js';
import { replySaying, resultEdit } from './requests.js';

const open = worldPerTest({ callbacks: false });

describe('polling mode (no PUBLIC_URL)', () => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	it('sends no callBackUrl, polls task details and edits the reply with the results', async () => {
		const { discord, mj } = world;
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: 'a koi pond' }],
		});
		const generate = await mj.waitForGenerate(0);
		expect(generate.body).not.toHaveProperty('callBackUrl');
		const taskId = generate.taskId!;
		// The bot polls while the task is pending…
		await eventuallyPolled(world, taskId, 2);
		mj.succeed(taskId);
		const result = await discord.waitForRequest(resultEdit(token));
		expect(result.files).toHaveLength(4);
		expect(discord.violations).toEqual([]);
		// …and stops once it is done.
		await world.bot.jobs.idle();
		const polls = mj.recordInfoRequests.length;
		await world.bot.jobs.idle();
		expect(mj.recordInfoRequests.length).toBe(polls);
	});

	it('edits the reply into a failure when the task fails', async () => {
		const { discord, mj } = world;
		const { token } = discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'x' }] });
		const { taskId } = await mj.waitForGenerate(0);
		mj.fail(taskId!, 'Internal generation error', 501);
		const failure = await discord.waitForRequest(replySaying(token, '❌'));
		expect(String((failure.body as { content: string }).content)).toContain('Internal generation error');
	});
});

async function eventuallyPolled(world: World, taskId: string, times: number): Promise<void> {
	const deadline = Date.now() + 5000;
	while (world.mj.recordInfoRequests.filter((id) => id === taskId).length < times) {
		if (Date.now() > deadline) throw new Error(`task ${taskId} was not polled ${times} times`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
