/**
 * The playground in a real browser: headless Chromium (the system's, through playwright-core) on the page, the real
 * bot in its child process, the fake Discord and the fake Midjourney behind it. Each case does what a visitor would
 * and waits on what the page shows; the fakes' records check that each member action cost at most one generate.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALL_HINT, findChromium, launchBrowser, type Browser } from '../../playground/browser.js';
import { PlaygroundPage } from '../../playground/pageDriver.js';
import { startPlayground, type Playground } from '../../playground/playground.js';
import { FAILURE_MESSAGE } from '../../playground/provider.js';

/** Where Chromium is installed, and always in CI (where its absence then fails the run, saying how to install it). */
const BROWSER_TESTS_ENABLED = findChromium() !== undefined || Boolean(process.env['CI']);
if (!BROWSER_TESTS_ENABLED) console.warn(`Browser tests skipped: ${INSTALL_HINT}.`);

/** How long the page may take to show what a step leads to (the fake provider takes 1 s per task here). */
const STEP_MS = 15_000;

describe.runIf(BROWSER_TESTS_ENABLED)('the playground in a browser', () => {
	let playground: Playground;
	let browser: Browser;
	let ui: PlaygroundPage;

	beforeAll(async () => {
		[playground, browser] = await Promise.all([
			startPlayground({
				port: 0,
				switches: { generationSeconds: 1 },
				// Every case submits its own job: no queueing between them.
				botEnv: { MJ_SUBMIT_LIMIT: '50' },
			}),
			launchBrowser(),
		]);
		await playground.ready;
	}, 90_000);

	afterAll(async () => {
		await browser?.close();
		await playground?.close();
		expect(playground.discord.violations).toEqual([]);
		expect(playground.mj.violations).toEqual([]);
	}, 30_000);

	let pageErrors: string[] = [];

	beforeEach(async () => {
		const page = await browser.newPage();
		page.setDefaultTimeout(STEP_MS);
		pageErrors = [];
		page.on('pageerror', (error) => pageErrors.push(error.message));
		ui = await PlaygroundPage.open(page, playground.url);
	});

	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') {
			const path = join(tmpdir(), `playground-failure-${Date.now()}.png`);
			await ui.page.screenshot({ path, fullPage: true });
			console.log(`The page at the failure: ${path}\nPage errors: ${pageErrors.join('\n') || 'none'}`);
		}
		await ui.page.close();
		expect(pageErrors).toEqual([]);
	});

	/** Runs /imagine as Alice and resolves with the finished result's message. */
	async function imagine(prompt: string, options: Record<string, string> = {}) {
		const before = playground.mj.generateRequests.length;
		await ui.command('/imagine', { prompt, ...options });
		const result = ui.grid(prompt);
		await result.locator('.gallery img').nth(3).waitFor();
		expect(playground.mj.generateRequests.length - before).toBe(1);
		return result;
	}

	it('/imagine with options: the reply turns into four images, with their buttons', async () => {
		const before = playground.mj.generateRequests.length;
		await ui.command('/imagine', { prompt: 'a lighthouse at dawn', aspect_ratio: '16:9', variety: '40' });
		// First the bot's reply (deferred, then working), then that same reply with the result.
		const reply = ui.message('a lighthouse at dawn');
		await reply.first().waitFor();
		await reply.filter({ hasText: 'finished' }).locator('.gallery img').nth(3).waitFor();
		const result = reply.filter({ hasText: 'finished' });
		await expect.poll(() => result.count()).toBe(1);
		await expect.poll(() => reply.count()).toBe(1);
		expect(await result.locator('.message-context').textContent()).toContain('Alice used /imagine');
		expect(await result.locator('.content').textContent()).toContain('aspect_ratio: 16:9');
		// Real PNGs, decoded by the browser, shaped like the aspect ratio asked for.
		const sizes = await result
			.locator('.gallery img')
			.evaluateAll((images) =>
				images.map((image) => [Reflect.get(image, 'naturalWidth'), Reflect.get(image, 'naturalHeight')]),
			);
		expect(sizes).toEqual(Array.from({ length: 4 }, () => [512, 288]));
		for (const label of ['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4'])
			expect(await ui.button(result, label).count()).toBe(1);
		expect(playground.mj.generateRequests.length - before).toBe(1);
		expect(playground.mj.generateRequests.at(-1)?.body).toMatchObject({
			prompt: 'a lighthouse at dawn',
			aspectRatio: '16:9',
			variety: 40,
		});
	});

	it('a prompt with markup is shown as typed: no HTML, no markdown, no mention', async () => {
		const prompt = '**not bold** <img src=x onerror="document.title=1"> # not a heading <@&1> @everyone';
		const result = await imagine(prompt);
		const quote = result.locator('.content .md-quote');
		expect(await quote.textContent()).toBe(prompt.replace('@everyone', '@\u200Beveryone'));
		expect(await quote.locator('img, strong, .mention, h3, h4, h5').count()).toBe(0);
		expect(await ui.page.title()).not.toBe('1');
	});

	it('the pick button for image 1 posts that image alone, as a reply, without a new job', async () => {
		const grid = await imagine('a fox in the snow');
		const before = playground.mj.generateRequests.length;
		await ui.button(grid, 'U1').click();
		const picked = ui.message('Image #1', 'a fox in the snow');
		await picked.locator('.gallery-1 img').waitFor();
		expect(await picked.locator('.gallery img').count()).toBe(1);
		expect(await picked.locator('.message-context').textContent()).toContain('Midjourney Bot');
		for (const label of ['Upscale', 'Vary', 'Remix', 'Animate']) expect(await ui.button(picked, label).count()).toBe(1);
		expect(playground.mj.generateRequests.length).toBe(before);
	});

	it('🎨 on a picked image opens the bot’s form as a dialog; submitting it starts one remix', async () => {
		const grid = await imagine('a quiet harbour');
		await ui.button(grid, 'U2').click();
		const picked = ui.message('Image #2', 'a quiet harbour');
		await picked.locator('.gallery-1 img').waitFor();
		const before = playground.mj.generateRequests.length;
		await ui.button(picked, 'Remix').click();
		const dialog = ui.page.getByRole('dialog', { name: 'Remix image #2' });
		const prompt = dialog.getByLabel('Prompt');
		expect(await prompt.inputValue()).toBe('a quiet harbour');
		await prompt.fill('a quiet harbour at night');
		await dialog.getByRole('button', { name: 'Submit' }).click();
		await ui.grid('a quiet harbour at night').locator('.gallery img').nth(3).waitFor();
		expect(playground.mj.generateRequests.length - before).toBe(1);
		expect(playground.mj.generateRequests.at(-1)?.body).toMatchObject({
			taskType: 'mj_img2img',
			prompt: 'a quiet harbour at night',
		});
	});

	it('✉️ on a result: the DM panel shows it, files and all', async () => {
		const result = await imagine('a paper boat');
		const before = playground.mj.generateRequests.length;
		// The bot takes the reaction away again once it has acted on it, as it does on Discord.
		await ui.react(result, '✉️');
		const dm = ui.dms.locator('article.message', { hasText: 'a paper boat' });
		await dm.locator('.gallery img').nth(3).waitFor();
		expect(await dm.locator('.gallery img').count()).toBe(4);
		expect(playground.mj.generateRequests.length).toBe(before);
	});

	it('a provider out of credits (402): the member reads it in plain language', async () => {
		await ui.setSwitch('No credits', true);
		try {
			const before = playground.mj.generateRequests.length;
			await ui.command('/imagine', { prompt: 'a castle made of cheese' });
			const failure = ui.message('a castle made of cheese', 'failed');
			await failure.waitFor();
			expect(await failure.textContent()).toContain(
				'The Midjourney account behind this bot is out of credits — a server admin must top it up.',
			);
			expect(await ui.button(failure, 'Try again').count()).toBe(1);
			expect(playground.mj.generateRequests.length - before).toBe(1);
		} finally {
			await ui.setSwitch('No credits', false);
		}
	});

	it('a failed task: the failure callback reaches the member with the provider’s reason', async () => {
		await ui.setSwitch('Tasks fail', true);
		try {
			await ui.command('/imagine', { prompt: 'a forbidden picture' });
			const failure = ui.message('a forbidden picture', 'failed');
			await failure.waitFor();
			expect(await failure.textContent()).toContain(FAILURE_MESSAGE);
		} finally {
			await ui.setSwitch('Tasks fail', false);
		}
	});

	it('a member without the required role is refused privately, after an admin set it', async () => {
		// Discord shows /server-settings only to members with Manage Server.
		expect(await ui.commandsOffered('server')).toEqual([]);
		await ui.actAs('Bob');
		expect(await ui.commandsOffered('server')).toContain('/server-settings set');
		await ui.command('/server-settings set', { required_role: '@moderator' });
		const saved = ui.message('Saved: requires @moderator');
		await saved.locator('.ephemeral-note', { hasText: 'Only you can see this' }).waitFor();

		try {
			await ui.actAs('Alice');
			const before = playground.mj.generateRequests.length;
			await ui.command('/imagine', { prompt: 'a secret garden' });
			const refusal = ui.message('Nothing was submitted');
			await refusal.waitFor();
			expect(await refusal.textContent()).toContain('@moderator');
			expect(await refusal.locator('.ephemeral-note').textContent()).toContain('Only you can see this');
			expect(playground.mj.generateRequests.length).toBe(before);

			// Private: another member does not see it.
			await ui.actAs('Carol');
			await expect.poll(() => ui.message('Nothing was submitted').count()).toBe(0);
		} finally {
			await ui.actAs('Bob');
			await ui.command('/server-settings reset', { setting: 'required_role' });
			await ui.message('required_role', 'is back to its default').waitFor();
		}
	});
});
