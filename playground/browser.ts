/**
 * Headless Chromium for the browser tests and the screenshots: the system's own (Debian's `chromium` package),
 * never a downloaded one, with a fresh profile each time and nothing that phones home.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Said when no Chromium is installed. */
export const INSTALL_HINT = 'no Chromium found: install it with `apt-get install chromium` (or set CHROMIUM_PATH)';

const FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** The Chromium to drive: `CHROMIUM_PATH`, else the first system one found; undefined when there is none. */
export function findChromium(): string | undefined {
	const chosen = process.env['CHROMIUM_PATH'];
	if (chosen) return existsSync(chosen) ? chosen : undefined;
	return CANDIDATES.find((path) => existsSync(path));
}

export interface Browser {
	readonly context: BrowserContext;
	newPage(): Promise<Page>;
	close(): Promise<void>;
}

export async function launchBrowser(
	options: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {},
): Promise<Browser> {
	const executablePath = findChromium();
	if (!executablePath) throw new Error(INSTALL_HINT);
	const profile = mkdtempSync(join(tmpdir(), 'mjbot-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath,
		headless: true,
		args: FLAGS,
		viewport: options.viewport ?? { width: 1440, height: 900 },
		deviceScaleFactor: options.deviceScaleFactor ?? 1,
		colorScheme: 'dark',
		locale: 'en-US',
		timezoneId: 'UTC',
	});
	return {
		context,
		newPage: async () => context.newPage(),
		async close() {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}
