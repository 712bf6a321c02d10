/**
 * The playground's page, driven as a visitor would use it (for the browser tests and the screenshots): pick a member,
 * type a slash command and its options, click buttons, add reactions. Every step waits on what the page shows.
 */
import type { Locator, Page } from 'playwright-core';

/** A value for a command option: text or a choice's name/value, or a file for an attachment option. */
export type OptionValue = string | number | boolean | { file: string };

export class PlaygroundPage {
	readonly page: Page;

	constructor(page: Page) {
		this.page = page;
	}

	/** Opens the page and waits until the bot is online. */
	static async open(page: Page, url: string): Promise<PlaygroundPage> {
		await page.goto(url);
		await page.getByRole('status').filter({ hasText: 'Bot online' }).waitFor();
		return new PlaygroundPage(page);
	}

	/** Acts as the member whose name starts the switcher's entry ("Alice", "Bob"…). */
	async actAs(name: string): Promise<void> {
		const switcher = this.page.getByLabel('Acting as', { exact: true });
		const option = switcher.locator('option', { hasText: new RegExp(`^${name} —`) });
		const value = await option.getAttribute('value');
		if (value === null) throw new Error(`No member named ${name}`);
		await switcher.selectOption(value);
	}

	get box(): Locator {
		return this.page.getByRole('textbox', { name: /^Message #/ });
	}

	/** The entries the "/" list offers for `query`. */
	async commandsOffered(query: string): Promise<string[]> {
		await this.box.fill(`/${query}`);
		const list = this.page.getByRole('listbox', { name: 'Commands' });
		await list.waitFor();
		const names = await list.locator('.popup-name').allTextContents();
		await this.box.press('Escape');
		await this.box.fill('');
		return names;
	}

	/**
	 * Types `/command` (e.g. `/imagine`, `/server-settings set`), picks it, fills each option (adding optional ones
	 * from the list), and sends it with Enter.
	 */
	async command(label: string, options: Record<string, OptionValue> = {}): Promise<void> {
		await this.box.click();
		await this.box.fill(label);
		await this.page
			.getByRole('option')
			.filter({ has: this.page.getByText(label, { exact: true }) })
			.click();
		let last: Locator | undefined;
		for (const [name, value] of Object.entries(options)) {
			const control = this.page.locator(`.command-line [data-option="${name}"] .option-control`);
			if ((await control.count()) === 0)
				await this.page.getByRole('button', { name: `+ ${name}`, exact: true }).click();
			if (typeof value === 'object') {
				await control.setInputFiles(value.file);
				await this.page.locator(`.command-line [data-option="${name}"] .upload-status.done`).waitFor();
			} else if ((await this.page.locator(`.command-line [data-option="${name}"] select`).count()) > 0) {
				await control.selectOption(String(value));
			} else {
				await control.fill(String(value));
			}
			last = control;
		}
		await (last ?? this.page.locator('.command-chip')).press('Enter');
		// Sent (the box is back to text), or refused with a reason.
		await this.page
			.locator('.command-line[hidden], .composer-error:not([hidden])')
			.first()
			.waitFor({ state: 'attached' });
		const error = this.page.locator('.composer-error:not([hidden])');
		if ((await error.count()) > 0) throw new Error(`The page refused ${label}: ${await error.textContent()}`);
	}

	/** The channel's messages, or the one whose text has all of `texts`. */
	message(...texts: Array<string | RegExp>): Locator {
		let found = this.page.locator('#messages article.message');
		for (const text of texts) found = found.filter({ hasText: text });
		return found;
	}

	/** The finished four-image result for a prompt. */
	grid(prompt: string): Locator {
		return this.message(prompt, 'finished').filter({ has: this.page.locator('.gallery-4') });
	}

	/** The member's DMs from the bot. */
	get dms(): Locator {
		return this.page.getByRole('log', { name: 'Direct messages' });
	}

	/** A button (by its label, e.g. "1" for the pick of image 1, or its emoji) on a message. */
	button(message: Locator, name: string): Locator {
		return message.locator('.component-button').filter({ has: this.page.getByText(name, { exact: true }) });
	}

	/** Adds a reaction from the reaction picker. */
	async react(message: Locator, emoji: string): Promise<void> {
		await message.hover();
		await message.getByRole('button', { name: 'Add reaction' }).click();
		await this.page.getByRole('dialog', { name: 'Pick a reaction' }).getByRole('button', { name: emoji }).click();
	}

	/** Sets one of the fake provider's switches by its label ("No credits"…). */
	async setSwitch(label: string, on: boolean): Promise<void> {
		const toggle = this.page.getByRole('switch', { name: new RegExp(`^${escapeRegExp(label)}`) });
		if ((await toggle.isChecked()) === on) return;
		// Applied once the playground has answered the change.
		const applied = this.page.waitForResponse((response) => response.url().endsWith('/api/provider') && response.ok());
		await toggle.locator('xpath=..').click();
		await applied;
	}
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
