/**
 * `npm run screenshots`: runs the playground, goes through a newcomer's first steps in headless Chromium, and writes
 * a PNG of each into `docs/screenshots/` (the README shows them). Needs Chromium (`apt-get install chromium`), and
 * an emoji font for the emoji to show (`apt-get install fonts-noto-color-emoji`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT_DIR } from './botProcess.js';
import { launchBrowser } from './browser.js';
import { PlaygroundPage } from './pageDriver.js';
import { startPlayground } from './playground.js';

const OUT_DIR = join(ROOT_DIR, 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };

async function shoot(page: Page, name: string): Promise<void> {
	// A moment for the images just inserted to be decoded and painted, checked rather than waited for.
	await page.waitForFunction('[...document.images].every((image) => image.complete)');
	const path = join(OUT_DIR, `${name}.png`);
	await page.screenshot({ path });
	process.stdout.write(`  ${path}\n`);
}

async function main(): Promise<void> {
	mkdirSync(OUT_DIR, { recursive: true });
	const playground = await startPlayground({ port: 0, switches: { generationSeconds: 2 } });
	const browser = await launchBrowser({ viewport: VIEWPORT });
	try {
		await playground.ready;
		const page = await browser.newPage();
		page.setDefaultTimeout(30_000);
		const ui = await PlaygroundPage.open(page, playground.url);

		// The commands the bot registered, as the "/" list shows them.
		await ui.box.click();
		await ui.box.fill('/');
		await page.getByRole('listbox', { name: 'Commands' }).waitFor();
		await shoot(page, '01-commands');
		await ui.box.press('Escape');

		// /imagine with options, then its reply: "working", then the result with its buttons.
		await ui.box.fill('/imagine');
		await page.getByRole('option').filter({ hasText: '/imagine' }).click();
		await page.getByLabel('prompt', { exact: true }).fill('a lighthouse on a cliff at dawn, watercolour');
		await page.getByRole('button', { name: '+ aspect_ratio', exact: true }).click();
		await page.getByLabel('aspect_ratio', { exact: true }).selectOption('3:2');
		await page.getByRole('button', { name: '+ stylization', exact: true }).click();
		await page.getByLabel('stylization', { exact: true }).fill('250');
		await shoot(page, '02-imagine-options');
		await page.getByLabel('stylization', { exact: true }).press('Enter');
		const result = ui.grid('a lighthouse on a cliff');
		await result.locator('.gallery img').nth(3).waitFor();
		await shoot(page, '03-result');

		// Image 1 on its own, and the result in the member's DMs.
		await ui.button(result, 'U1').click();
		await ui.message('Image #1', 'a lighthouse on a cliff').locator('.gallery-1 img').waitFor();
		await ui.react(result, '✉️');
		await ui.dms.locator('article.message .gallery img').nth(3).waitFor();
		await shoot(page, '04-pick-and-dm');

		// An admin's view of the server's settings, and a rule they set, refused privately to a member.
		await ui.actAs('Bob');
		await ui.command('/server-settings set', { required_role: '@moderator', member_daily_limit: 20 });
		await ui.message('Saved:').waitFor();
		await ui.command('/server-settings show');
		await ui.message('Server settings', 'Only you can see this').waitFor();
		await shoot(page, '05-server-settings');
		await ui.actAs('Alice');
		await ui.command('/imagine', { prompt: 'a secret garden' });
		await ui.message('Nothing was submitted').waitFor();
		await shoot(page, '06-refused-privately');

		// The provider out of credits, in plain language.
		await ui.actAs('Carol');
		await ui.setSwitch('No credits', true);
		await ui.command('/imagine', { prompt: 'a castle made of cheese' });
		await ui.message('a castle made of cheese', 'out of credits').waitFor();
		await shoot(page, '07-no-credits');
	} finally {
		await browser.close();
		await playground.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`Screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
