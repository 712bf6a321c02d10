import { beforeEach, describe, expect, it } from 'vitest';
import { worldPerTest, type World } from './harness.js';
import { content, originalEdit, replySaying } from './requests.js';

const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const ATTACHMENT = 11;

const SOURCE_IMAGE = 'https://cdn.discordapp.com/attachments/1/2/source.png';

const open = worldPerTest({ callbacks: true });

const METRICS_TOKEN = 'metrics-token-of-the-e2e-tests';

describe('slash command → generate → callback → the original reply shows the result', () => {
	let world: World;
	beforeEach(async () => {
		world = await open({ env: { METRICS_TOKEN } });
	});

	async function runToResult(token: string, expectedFiles: number, contentType: string) {
		const { discord, mj } = world;
		const generate = await mj.waitForGenerate(0);
		expect(generate.taskId).toBeTruthy();
		const taskId = generate.taskId!;
		// The "working" edit shows the prompt and parameters before the result exists.
		const working = await discord.waitForRequest(replySaying(token, 'Working'));
		expect(content(working)).toContain(`<@${discord.ids.user}>`);
		expect(content(working)).toMatch(/<t:\d+:R>/);

		mj.succeed(taskId);
		const answer = await mj.sendCallback(taskId);
		expect(answer.status).toBe(200);

		const result = await discord.waitForRequest((r) => originalEdit(token)(r) && r.files.length > 0);
		expect(result.files).toHaveLength(expectedFiles);
		for (const file of result.files) expect(file.contentType).toBe(contentType);
		expect(content(result)).toContain('✅');
		// The callback's claim was confirmed with task details before posting.
		expect(mj.recordInfoRequests).toContain(taskId);
		expect(discord.violations).toEqual([]);
		expect(mj.violations).toEqual([]);
		return { generate, result };
	}

	it('/imagine sends a text-to-image body with every option and delivers four images', async () => {
		const { token } = world.discord.sendCommand({
			name: 'imagine',
			options: [
				{ name: 'prompt', type: STRING, value: 'a lighthouse at dawn, oil painting' },
				{ name: 'aspect_ratio', type: STRING, value: '16:9' },
				{ name: 'version', type: STRING, value: '7' },
				{ name: 'speed', type: STRING, value: 'fast' },
				{ name: 'variety', type: INTEGER, value: 10 },
				{ name: 'stylization', type: INTEGER, value: 250 },
				{ name: 'weirdness', type: INTEGER, value: 0 },
			],
		});
		const deferred = await world.discord.waitForRequest((r) => r.path.endsWith(`/${token}/callback`));
		expect((deferred.body as { type: number }).type).toBe(5);

		const { generate } = await runToResult(token, 4, 'image/png');
		const { callBackUrl, ...body } = generate.body;
		expect(body).toEqual({
			taskType: 'mj_txt2img',
			prompt: 'a lighthouse at dawn, oil painting',
			speed: 'fast',
			aspectRatio: '16:9',
			version: '7',
			variety: 10,
			stylization: 250,
			weirdness: 0,
		});
		expect(String(callBackUrl)).toMatch(/\/callbacks\/mj\/[\w-]+\?sig=[0-9a-f]{64}$/);
		expect(generate.authorization).toBe(`Bearer ${world.mj.apiKey}`);
	});

	it('/remix sends image-to-image with the uploaded attachment as fileUrls', async () => {
		const { token } = world.discord.sendCommand({
			name: 'remix',
			options: [
				{ name: 'prompt', type: STRING, value: 'make it winter' },
				{ name: 'image', type: ATTACHMENT, value: '900000000000000001' },
				{ name: 'speed', type: STRING, value: 'relaxed' },
			],
			attachments: [
				{ id: '900000000000000001', filename: 'source.png', content_type: 'image/png', url: SOURCE_IMAGE, size: 1234 },
			],
		});
		const { generate } = await runToResult(token, 4, 'image/png');
		const { callBackUrl: _callback, ...body } = generate.body;
		expect(body).toEqual({
			taskType: 'mj_img2img',
			prompt: 'make it winter',
			fileUrls: [SOURCE_IMAGE],
			speed: 'relaxed',
		});
	});

	it('/style sends a style reference from image_url', async () => {
		const { token } = world.discord.sendCommand({
			name: 'style',
			options: [
				{ name: 'prompt', type: STRING, value: 'a city street' },
				{ name: 'image_url', type: STRING, value: 'https://example.com/style.jpg' },
				{ name: 'version', type: STRING, value: '6.1' },
			],
		});
		const { generate } = await runToResult(token, 4, 'image/png');
		const { callBackUrl: _callback, ...body } = generate.body;
		expect(body).toEqual({
			taskType: 'mj_style_reference',
			prompt: 'a city street',
			fileUrls: ['https://example.com/style.jpg'],
			version: '6.1',
		});
	});

	it('/animate sends a video body with motion and no speed, and delivers the videos', async () => {
		const { token } = world.discord.sendCommand({
			name: 'animate',
			options: [
				{ name: 'prompt', type: STRING, value: 'waves roll in' },
				{ name: 'image_url', type: STRING, value: 'https://example.com/beach.png' },
				{ name: 'motion', type: STRING, value: 'low' },
				{ name: 'batch_size', type: INTEGER, value: 2 },
			],
		});
		const { generate } = await runToResult(token, 2, 'video/mp4');
		const { callBackUrl: _callback, ...body } = generate.body;
		expect(body).toEqual({
			taskType: 'mj_video',
			prompt: 'waves roll in',
			fileUrls: ['https://example.com/beach.png'],
			motion: 'low',
			videoBatchSize: 2,
		});
	});

	it('/animate hd:true uses mj_video_hd and defaults motion to high', async () => {
		const { token } = world.discord.sendCommand({
			name: 'animate',
			options: [
				{ name: 'prompt', type: STRING, value: 'slow zoom' },
				{ name: 'image_url', type: STRING, value: 'https://example.com/a.png' },
				{ name: 'hd', type: BOOLEAN, value: true },
			],
		});
		const { generate } = await runToResult(token, 1, 'video/mp4');
		expect(generate.body).toMatchObject({ taskType: 'mj_video_hd', motion: 'high' });
		expect(generate.body).not.toHaveProperty('speed');
	});

	it('/omni sends ow and no speed', async () => {
		const { token } = world.discord.sendCommand({
			name: 'omni',
			options: [
				{ name: 'prompt', type: STRING, value: 'the robot on the moon' },
				{ name: 'image_url', type: STRING, value: 'https://example.com/robot.png' },
				{ name: 'omni_weight', type: INTEGER, value: 400 },
				{ name: 'stylization', type: INTEGER, value: 50 },
			],
		});
		const { generate } = await runToResult(token, 4, 'image/png');
		const { callBackUrl: _callback, ...body } = generate.body;
		expect(body).toEqual({
			taskType: 'mj_omni_reference',
			prompt: 'the robot on the moon',
			fileUrls: ['https://example.com/robot.png'],
			stylization: 50,
			ow: 400,
		});
	});

	it('edits the reply into a failure message when the callback reports a failure', async () => {
		const { discord, mj } = world;
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'forbidden thing' }],
		});
		const { taskId } = await mj.waitForGenerate(0);
		mj.fail(taskId!, 'Prompt rejected by content policy');
		expect((await mj.sendCallback(taskId!)).status).toBe(200);
		const failure = await discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('❌'));
		expect(content(failure)).toContain('Prompt rejected by content policy');
		expect(failure.files).toHaveLength(0);
		expect(discord.violations).toEqual([]);
	});

	it('reports itself healthy and ready on the HTTP server', async () => {
		const base = `http://127.0.0.1:${world.bot.port}`;
		expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
		const ready = await fetch(`${base}/readyz`);
		expect(ready.status).toBe(200);
		expect(await ready.json()).toEqual({ status: 'ready', checks: { gateway: true, store: true } });
	});

	it('counts a submitted and a failed job and a rejected callback in /metrics', async () => {
		const { discord, mj } = world;
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'metered' }],
		});
		const generate = await mj.waitForGenerate(0);
		mj.fail(generate.taskId!, 'nope', 501);
		const forged = new URL(String(generate.body.callBackUrl));
		forged.searchParams.set('sig', '0'.repeat(64));
		expect((await mj.sendCallback(generate.taskId!, { url: forged.toString() })).status).toBe(401);
		expect((await mj.sendCallback(generate.taskId!)).status).toBe(200);
		await discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('❌'));
		await world.bot.jobs.idle();
		const text = await (
			await fetch(`http://127.0.0.1:${world.bot.port}/metrics`, {
				headers: { authorization: `Bearer ${METRICS_TOKEN}` },
			})
		).text();
		expect(text).toMatch(/mjbot_jobs_submitted_total\{task_type="mj_txt2img"\} 1/);
		expect(text).toMatch(/mjbot_jobs_finished_total\{task_type="mj_txt2img",outcome="failed"\} 1/);
		expect(text).toMatch(/mjbot_callbacks_total\{result="bad-signature"\} 1/);
		expect(text).toMatch(/mjbot_callbacks_total\{result="accepted"\} 1/);
		expect(text).toMatch(/mjbot_deliveries_total\{via="interaction"\} 1/);
	});

	it('never leaks the bot token or API key into logs', async () => {
		const { discord, mj } = world;
		const { token } = discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: 'x' }] });
		const { taskId } = await mj.waitForGenerate(0);
		mj.succeed(taskId!);
		await mj.sendCallback(taskId!);
		await discord.waitForRequest((r) => originalEdit(token)(r) && r.files.length > 0);
		const text = JSON.stringify(world.logs);
		expect(text).not.toContain(mj.apiKey);
		expect(text).not.toContain('fake-discord-token-e2e-SECRET');
		expect(text).not.toContain(token);
	});
});

describe('a failed job offers to try again', () => {
	let world: World;
	beforeEach(async () => {
		world = await open();
	});

	it('shows a Try again button that submits the same request as a new job', async () => {
		const { discord, mj } = world;
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'retry me' }],
		});
		const first = await mj.waitForGenerate(0);
		mj.fail(first.taskId!, 'Internal error', 500);
		await mj.sendCallback(first.taskId!);
		const failure = await discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('❌'));
		const buttons = (
			(failure.body as { components?: Array<{ components: Array<{ custom_id: string; label?: string }> }> })
				.components ?? []
		).flatMap((row) => row.components);
		const retry = buttons.find((button) => button.label === 'Try again');
		expect(retry).toBeDefined();

		const messageId = (failure.response.body as { id: string }).id;
		discord.sendComponent({ messageId, customId: retry!.custom_id });
		const second = await mj.waitForGenerate(1);
		const { callBackUrl: _a, ...again } = second.body;
		const { callBackUrl: _b, ...original } = first.body;
		expect(again).toEqual(original);
		expect(discord.violations).toEqual([]);
	});
});
