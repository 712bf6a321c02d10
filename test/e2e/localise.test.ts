/**
 * Languages and the prompt checker, end to end: the real client, server and SQLite store against the fake Discord
 * (which checks every body against Discord's OpenAPI document) and the fake Midjourney.
 */
import { describe, expect, it } from 'vitest';
import type { CommandOptionInput, SendCommandInput } from '../../fakes/discord/types.js';
import { LOCALIZED_DISCORD_LOCALES, t } from '../../src/i18n/index.js';
import { ACTION_EMOJI } from '../../src/settings/actionEmoji.js';
import { RETIRED_KEYS_COLLECTION } from '../../src/settings/keyVault.js';
import { worldPerTest, type World, type WorldOptions } from './harness.js';
import {
	bool,
	channelPost,
	content,
	deliver,
	interactionCallback,
	originalEdit,
	replySaying,
	resultEdit,
	send as sendTo,
	setKey as setKeyFor,
	str,
	sub,
	withoutCallback,
	answerTo,
} from './requests.js';

let world: World;
const openWorld = worldPerTest({ callbacks: true });

async function open(options: WorldOptions = {}): Promise<World> {
	world = await openWorld(options);
	return world;
}

interface CallbackBody {
	type: number;
	data?: { content?: string; flags?: number; components?: unknown[]; custom_id?: string; title?: string };
}

/** Sends a command; resolves with the member's first answer (an immediate reply, or the first edit of a deferred one). */
const send = async (input: SendCommandInput) => sendTo(world.discord, input);

async function imagine(prompt: string, input: Partial<SendCommandInput> = {}) {
	return send({ name: 'imagine', options: [str('prompt', prompt)], ...input });
}

async function serverSettings(name: string, options: CommandOptionInput[] = []) {
	const answer = await send({
		name: 'server-settings',
		options: [sub(name, options)],
		userId: world.discord.ids.admin,
	});
	expect(answer.content).not.toContain('Nothing was changed');
	return answer;
}

/** The stored confirmation message with its Submit and Edit buttons, the latest first. */
function confirmation(): { messageId: string; submit: string; edit: string } {
	const found = [...world.discord.messages.values()]
		.reverse()
		.find((message) => JSON.stringify(message.components ?? []).includes('mjp:submit:'));
	if (!found) throw new Error('No prompt confirmation was posted');
	const ids = JSON.stringify(found.components).match(/mjp:(?:submit|edit):[\w-]+/g)!;
	return {
		messageId: found.id,
		submit: ids.find((id) => id.includes('submit'))!,
		edit: ids.find((id) => id.includes('edit'))!,
	};
}

/** Runs /imagine to a delivered grid: its job and result message. */
const delivered = async (prompt: string) => deliver(world, { name: 'imagine', options: [str('prompt', prompt)] });

describe('the prompt checker', () => {
	it('turns supported flags into options, names --tile as unsupported, and submits only on Submit', async () => {
		await open();
		const answer = await imagine('a cat --ar 16:9 --v 6.1 --tile');
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toContain('`--tile`');
		expect(answer.content).toContain(t('en', 'promptCheck.unsupported', { flags: '`--tile`' }));
		expect(answer.content).toContain('`aspect_ratio: 16:9`');
		expect(world.mj.generateRequests).toHaveLength(0);

		const { messageId, submit } = confirmation();
		const click = world.discord.sendComponent({ messageId, customId: submit });
		const generate = await world.mj.waitForGenerate(0);
		expect(withoutCallback(generate.body)).toEqual({
			taskType: 'mj_txt2img',
			prompt: 'a cat',
			aspectRatio: '16:9',
			version: '6.1',
		});
		// The job is the member's new public reply, which becomes the result.
		world.mj.succeed(generate.taskId!);
		await world.mj.sendCallback(generate.taskId!);
		await world.discord.waitForRequest(resultEdit(click.token));

		// A second click finds the request already taken: nothing is submitted twice.
		const again = world.discord.sendComponent({ messageId, customId: submit });
		const refused = (await world.discord.waitForRequest(interactionCallback(again.id))).body as CallbackBody;
		expect(refused.data?.content).toContain(t('en', 'promptCheck.expired'));
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(world.discord.violations).toEqual([]);
	});

	it('an explicit option wins over a flag, and says so', async () => {
		await open();
		const answer = await send({
			name: 'imagine',
			options: [str('prompt', 'a cat --ar 16:9'), str('aspect_ratio', '1:1')],
		});
		expect(answer.content).toContain(
			t('en', 'promptCheck.explicitWins', { flag: '--ar 16:9', option: 'aspect_ratio', value: '1:1' }),
		);
		world.discord.sendComponent({ messageId: confirmation().messageId, customId: confirmation().submit });
		const generate = await world.mj.waitForGenerate(0);
		expect(generate.body['aspectRatio']).toBe('1:1');
		expect(generate.body['prompt']).toBe('a cat');
	});

	it('Edit opens the prompt form; a prompt without flags then goes straight to Midjourney', async () => {
		await open();
		await imagine('a dog --stylize 400 --seed 7');
		const { messageId, edit } = confirmation();
		const click = world.discord.sendComponent({ messageId, customId: edit });
		const modal = (await world.discord.waitForRequest(interactionCallback(click.id))).body as CallbackBody;
		expect(modal.type).toBe(9);
		expect(JSON.stringify(modal.data)).toContain('a dog --stylize 400 --seed 7');

		const submitted = world.discord.sendModalSubmit({
			customId: modal.data!.custom_id!,
			fields: { prompt: 'a dog in the snow' },
		});
		const generate = await world.mj.waitForGenerate(0);
		expect(withoutCallback(generate.body)).toEqual({ taskType: 'mj_txt2img', prompt: 'a dog in the snow' });
		await world.discord.waitForRequest(originalEdit(submitted.token));
		expect(world.discord.violations).toEqual([]);
	});

	it('the confirmation survives a restart: Submit after it still submits', async () => {
		await open();
		await imagine('a fox --v 7');
		const { messageId, submit } = confirmation();
		await world.restart();
		world.discord.sendComponent({ messageId, customId: submit });
		const generate = await world.mj.waitForGenerate(0);
		expect(withoutCallback(generate.body)).toEqual({ taskType: 'mj_txt2img', prompt: 'a fox', version: '7' });
	});

	it('Submit refused by a rule set since the confirmation: told privately, its public "thinking…" gone', async () => {
		await open();
		await imagine('a fox --v 7');
		const { messageId, submit } = confirmation();
		// While the member reads the confirmation, an admin keeps generation to another channel.
		const elsewhere = world.discord.addTextChannel('generation');
		await serverSettings('set', [{ name: 'add_channel', type: 7, value: elsewhere }]);
		const from = world.discord.requests.length;
		const click = world.discord.sendComponent({ messageId, customId: submit });
		const answer = await answerTo(world.discord, click, from);
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toContain('Nothing was submitted');
		expect(world.mj.generateRequests).toHaveLength(0);
		expect(world.discord.violations).toEqual([]);
	});

	it('members who type no flags see no extra step', async () => {
		await open();
		const answer = await imagine('a quiet harbour at dawn');
		expect(answer.ephemeral).toBe(false);
		expect((await world.mj.waitForGenerate(0)).body['prompt']).toBe('a quiet harbour at dawn');
	});

	it.each([
		['a prompt empty once flags are removed', '--ar 16:9 --v 7', 'promptCheck.emptyPrompt'],
		['an image link at the start of /imagine', 'https://example.com/cat.png a cat', 'promptCheck.imageInImagine'],
	] as const)('stops %s before submission, with a plain message', async (_name, prompt, key) => {
		await open();
		const answer = await imagine(prompt);
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toContain(t('en', key));
		expect(world.mj.generateRequests).toHaveLength(0);
	});

	it('refuses a word on the server’s blocked list; admins add, list and remove them', async () => {
		await open();
		const added = await serverSettings('blocked_words', [str('action', 'add'), str('words', 'cat, big dog')]);
		expect(added.content).toContain('`cat`');
		const refused = await imagine('a CAT on a roof');
		expect(refused.ephemeral).toBe(true);
		expect(refused.content).toContain(t('en', 'promptCheck.blockedWord', { word: '`cat`' }));
		expect((await imagine('a big   dog')).content).toContain('`big dog`');
		// A word inside another is not the word.
		expect((await imagine('a catalogue of shells')).ephemeral).toBe(false);
		expect((await world.mj.waitForGenerate(0)).body['prompt']).toBe('a catalogue of shells');

		const listed = await serverSettings('blocked_words', [str('action', 'list')]);
		expect(listed.content).toContain('`cat`, `big dog`');
		await serverSettings('blocked_words', [str('action', 'remove'), str('words', 'cat')]);
		expect((await imagine('a cat')).ephemeral).toBe(false);
		const none = await send({
			name: 'server-settings',
			options: [sub('blocked_words', [str('action', 'remove'), str('words', 'parrot')])],
			userId: world.discord.ids.admin,
		});
		expect(none.content).toContain(t('en', 'blockedWords.notListed', { words: '`parrot`' }));
	});
});

describe('prompt translation', () => {
	it('sends enableTranslation only when translate_prompt is on', async () => {
		await open();
		await send({ name: 'settings', options: [sub('set', [bool('translate_prompt', true)])] });
		await imagine('un chat sur un toit');
		expect((await world.mj.waitForGenerate(0)).body['enableTranslation']).toBe(true);

		await send({ name: 'settings', options: [sub('set', [bool('translate_prompt', false)])] });
		await imagine('un chien');
		expect((await world.mj.waitForGenerate(1)).body).not.toHaveProperty('enableTranslation');

		// A server default applies to members who chose nothing; off by default.
		await send({ name: 'settings', options: [sub('reset')] });
		await imagine('un oiseau');
		expect((await world.mj.waitForGenerate(2)).body).not.toHaveProperty('enableTranslation');
		await serverSettings('set', [bool('translate_prompt', true)]);
		await imagine('un poisson');
		expect((await world.mj.waitForGenerate(3)).body['enableTranslation']).toBe(true);
	});
});

describe('languages', () => {
	it('a member with locale de gets German refusals, confirmations and /settings show', async () => {
		await open();
		const confirm = await imagine('eine Katze --ar 16:9 --tile', { locale: 'de' });
		expect(confirm.content).toContain(t('de', 'promptCheck.title'));
		expect(confirm.content).toContain(t('de', 'promptCheck.unsupported', { flags: '`--tile`' }));
		const buttons = JSON.stringify(world.discord.messages.get(confirmation().messageId)!.components);
		expect(buttons).toContain(`"${t('de', 'promptCheck.submit')}"`);
		expect(buttons).toContain(`"${t('de', 'promptCheck.edit')}"`);

		const empty = await imagine('--ar 16:9', { locale: 'de' });
		expect(empty.content).toContain(t('de', 'promptCheck.emptyPrompt'));
		const invalid = await imagine('x'.repeat(2001), { locale: 'de' });
		expect(invalid.content).toContain(t('de', 'errors.nothingSubmittedList', { list: '' }).trim());

		const shown = await send({ name: 'settings', options: [sub('show')], locale: 'de' });
		expect(shown.content).toContain(t('de', 'settings.showHeading'));
		expect(shown.content).toContain(t('de', 'settings.sources.api'));
		expect(shown.content).toContain(t('de', 'settings.showFooter'));
		// The same member in English reads English.
		const english = await send({ name: 'settings', options: [sub('show')] });
		expect(english.content).toContain(t('en', 'settings.showHeading'));
		expect(world.discord.violations).toEqual([]);
	});

	it('a server set to ja gets Japanese result and queue messages, whatever the member’s language', async () => {
		await open({ env: { MJ_SUBMIT_LIMIT: '1', MJ_SUBMIT_WINDOW_MS: '60000' } });
		const set = await serverSettings('set', [str('language', 'ja')]);
		expect(set.content).toContain('`ja`');
		expect((await serverSettings('show')).content).toContain(t('en', 'serverSettings.language', { value: '`ja`' }));

		const first = world.discord.sendCommand({ name: 'imagine', options: [str('prompt', 'first')] });
		const { taskId } = await world.mj.waitForGenerate(0);
		const second = world.discord.sendCommand({ name: 'imagine', options: [str('prompt', 'second')] });
		// The queued reply shows its position and an estimated start (a live stamp, whatever its value).
		const [queuedText] = t('ja', 'queue.estimatedStart', { position: 1, startsAt: '\u0000' }).split('\u0000');
		const queued = await world.discord.waitForRequest(
			(r) => originalEdit(second.token)(r) && content(r).includes(queuedText!),
		);
		expect(content(queued)).toContain(t('ja', 'result.started'));

		world.mj.succeed(taskId!);
		await world.mj.sendCallback(taskId!);
		const result = await world.discord.waitForRequest(resultEdit(first.token));
		expect(content(result)).toContain(t('ja', 'result.finished'));
		expect(content(result)).not.toContain(' finished ');
		expect(content(result)).toContain(t('ja', 'reactionHint.tail', { ...ACTION_EMOJI, pick: '' }));
		expect(JSON.stringify((result.body as { components?: unknown }).components)).not.toContain('Try again');

		await serverSettings('set', [str('language', 'auto')]);
		expect((await serverSettings('show')).content).toContain(
			t('en', 'serverSettings.languageAuto', { value: 'English' }),
		);
		expect(world.discord.violations).toEqual([]);
	});

	it('a failure in a ja server is introduced in Japanese, the provider’s message quoted as it wrote it', async () => {
		await open();
		await serverSettings('set', [str('language', 'ja')]);
		const { token } = world.discord.sendCommand({ name: 'imagine', options: [str('prompt', 'a storm')] });
		const { taskId } = await world.mj.waitForGenerate(0);
		world.mj.fail(taskId!, 'Prompt rejected by the moderation filter');
		await world.mj.sendCallback(taskId!);
		const failed = await world.discord.waitForRequest(
			(r) => originalEdit(token)(r) && content(r).includes(t('ja', 'result.failed')),
		);
		expect(content(failed)).toContain('Prompt rejected by the moderation filter');
		expect(content(failed)).toContain(t('ja', 'result.reason', { reason: '' }).trim());
		expect(JSON.stringify(failed.body)).toContain(t('ja', 'buttons.tryAgain'));
	});

	it('tells a refused reaction in the server’s language, by DM and in the channel', async () => {
		await open();
		await serverSettings('set', [str('language', 'de')]);
		const { discord } = world;
		const dmChannel = discord.dmChannelId(discord.ids.user);
		const grid = await delivered('a lighthouse');
		discord.failNext(channelPost(dmChannel), {
			status: 403,
			body: { message: 'Cannot send messages to this user', code: 50007 },
		});
		discord.sendReaction({ messageId: grid.messageId, emoji: { id: null, name: '✉️' } });
		const notice = await discord.waitForRequest(channelPost(discord.ids.channel));
		const member = `<@${discord.ids.user}>`;
		const reason = t('de', 'dm.closed');
		expect(content(notice)).toContain(t('de', 'notices.channel', { member, emoji: '✉️', reason }));
		expect(content(notice)).toMatch(/\n-# Diese Nachricht /);

		// Another result whose record is gone: told by DM, in German, although the member's client is English.
		const other = await delivered('a harbour');
		await world.bot.store.collection('jobs').delete(other.jobId);
		const from = discord.requests.length;
		discord.sendReaction({ messageId: other.messageId, emoji: { id: null, name: '🔁' } });
		const dm = await discord.waitForRequest(channelPost(dmChannel), 5000, from);
		expect(content(dm)).toContain(t('de', 'actions.resultRecordGone'));
		expect(content(dm)).toMatch(/^⚠️ Dein 🔁 /);
		expect(discord.violations).toEqual([]);
	});

	it('heads a picked image and a result sent by DM in the server’s language', async () => {
		await open();
		await serverSettings('set', [str('language', 'ja')]);
		const { discord } = world;
		const grid = await delivered('a lighthouse');
		const requester = `<@${discord.ids.user}>`;

		const click = discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:pick:${grid.jobId}:2`,
			userId: discord.ids.moderator,
		});
		const picked = await discord.waitForRequest(originalEdit(click.token));
		const picker = t('ja', 'pick.pickedBy', { member: `<@${discord.ids.moderator}>` });
		expect(content(picked)).toContain(t('ja', 'pick.header', { number: 2, command: '/imagine', requester, picker }));

		const dmChannel = discord.dmChannelId(discord.ids.user);
		const from = discord.requests.length;
		discord.sendReaction({ messageId: grid.messageId, emoji: { id: null, name: '✉️' } });
		const dm = await discord.waitForRequest(channelPost(dmChannel), 5000, from);
		const link = `https://discord.com/channels/${discord.ids.guild}/${discord.ids.channel}/${grid.messageId}`;
		expect(content(dm)).toContain(t('ja', 'dm.header', { command: '/imagine', requester, link }));
		expect(discord.violations).toEqual([]);
	});

	it('opens the remix form in the member’s language', async () => {
		await open();
		const { discord } = world;
		const grid = await delivered('a lighthouse');
		const click = discord.sendComponent({
			messageId: grid.messageId,
			customId: `mj:remix:${grid.jobId}:2`,
			locale: 'de',
		});
		const form = await discord.waitForRequest((r) => r.path.endsWith(`/${click.token}/callback`));
		const body = form.body as { type: number; data: { title: string; components: Array<{ label: string }> } };
		expect(body.type, JSON.stringify(body)).toBe(9);
		expect(body.data.title).toBe(t('de', 'remixModal.title', { number: 2 }));
		expect(body.data.components[0]?.label).toBe(t('de', 'remixModal.promptLabel'));
		expect(discord.violations).toEqual([]);
	});

	it('words a settings problem wholly in the member’s language', async () => {
		await open();
		const answer = await send({
			name: 'server-settings',
			options: [sub('set', [str('allowed_commands', 'imagine, paint')])],
			userId: world.discord.ids.admin,
			locale: 'de',
		});
		expect(answer.content).toContain(t('de', 'errors.nothingChanged', { list: '' }));
		expect(answer.content).toContain(t('de', 'validation.notACommand', { words: '`paint`' }));
		expect(answer.content).not.toContain('comma-separated');
	});

	it('answers a member whose language has no catalogue in the server’s language', async () => {
		await open();
		const before = await send({ name: 'settings', options: [sub('show')], locale: 'ko' });
		expect(before.content).toContain(t('en', 'settings.showHeading'));
		await serverSettings('set', [str('language', 'de')]);
		const after = await send({ name: 'settings', options: [sub('show')], locale: 'ko' });
		expect(after.content).toContain(t('de', 'settings.showHeading'));
		const refused = await imagine('--ar 16:9', { locale: 'ko' });
		expect(refused.content).toContain(t('de', 'promptCheck.emptyPrompt'));
		// A member whose language has a catalogue keeps it.
		const french = await send({ name: 'settings', options: [sub('show')], locale: 'fr' });
		expect(french.content).toContain(t('fr', 'settings.showHeading'));
	});

	it('registers every command with descriptions in all six languages, as Discord’s OpenAPI document allows', async () => {
		await open();
		const put = await world.discord.waitForRequest((r) => r.method === 'PUT' && r.path.endsWith('/commands'));
		const commands = put.body as Array<{
			name: string;
			description_localizations?: Record<string, string>;
			options?: Array<{ type: number; description_localizations?: Record<string, string> }>;
		}>;
		expect(commands.length).toBeGreaterThan(5);
		for (const command of commands) {
			expect(Object.keys(command.description_localizations ?? {}).sort(), command.name).toEqual(
				[...LOCALIZED_DISCORD_LOCALES].sort(),
			);
			for (const option of command.options ?? []) {
				expect(Object.keys(option.description_localizations ?? {}).sort(), command.name).toEqual(
					[...LOCALIZED_DISCORD_LOCALES].sort(),
				);
			}
		}
		const imagineCommand = commands.find((command) => command.name === 'imagine')!;
		expect(imagineCommand.description_localizations!['ja']).toBe(t('ja', 'commands.imagine.description'));
		expect(world.discord.violations).toEqual([]);
	});
});

describe('key failures in the job’s language', () => {
	const KEY_A = 'server-a-own-midjourney-key-AAAA1111';
	/** One submit per window: the jobs after the first wait in the queue while the test changes the key. */
	const ONE_AT_A_TIME = { MJ_SUBMIT_LIMIT: '1', MJ_SUBMIT_WINDOW_MS: '1500' };
	const ENCRYPTION = { KEY_ENCRYPTION_KEY: 'k'.repeat(43) };

	/** `/server-settings api_key`, the form filled in with `key`. */
	async function setKey(key: string): Promise<void> {
		expect(await setKeyFor(world.discord, key)).toContain(key.slice(-4));
	}

	it('a de server is told in German that its refused key paused a queued job', async () => {
		await open({ env: { ...ENCRYPTION, ...ONE_AT_A_TIME } });
		await serverSettings('set', [str('language', 'de')]);
		world.mj.acceptKey(KEY_A);
		await setKey(KEY_A);
		await imagine('first');
		await world.mj.waitForGenerate(0);
		const second = await imagine('second');
		const third = await imagine('third');
		world.mj.refuseKey(KEY_A);

		// The second is refused by Midjourney (401), which pauses the key; the third is then never sent.
		await world.discord.waitForRequest(replySaying(second.token, t('de', 'provider.invalidKey')), 10_000);
		const paused = await world.discord.waitForRequest(replySaying(third.token, t('de', 'provider.keyPaused')), 10_000);
		expect(content(paused)).toContain(t('de', 'result.failed'));
		expect(world.mj.generateRequests).toHaveLength(2);
		expect(world.discord.violations).toEqual([]);
	});

	it('a de server is told in German that a queued job has no key once the admin removed it', async () => {
		await open({ env: { ...ENCRYPTION, ...ONE_AT_A_TIME, MJ_API_KEY: '' } });
		await serverSettings('set', [str('language', 'de')]);
		world.mj.acceptKey(KEY_A);
		await setKey(KEY_A);
		await imagine('first');
		await world.mj.waitForGenerate(0);
		const second = await imagine('second');
		await serverSettings('api_key', [bool('remove', true)]);

		const missing = await world.discord.waitForRequest(
			replySaying(second.token, t('de', 'provider.keyMissing')),
			10_000,
		);
		expect(content(missing)).toContain(t('de', 'result.failed'));
		expect(world.mj.generateRequests).toHaveLength(1);
	});

	it('a ja server is told in Japanese, also in /jobs, that the key that paid for a job is gone', async () => {
		await open({ env: ENCRYPTION });
		await serverSettings('set', [str('language', 'ja')]);
		world.mj.acceptKey(KEY_A);
		await setKey(KEY_A);
		const job = await imagine('paid with key A');
		const { taskId } = await world.mj.waitForGenerate(0);
		await serverSettings('api_key', [bool('remove', true)]);
		// Its retired copy outlived: as after the keep period.
		await world.bot.store.collection(RETIRED_KEYS_COLLECTION).delete(world.discord.ids.guild);
		world.mj.succeed(taskId!);
		await world.mj.sendCallback(taskId!);

		const gone = t('ja', 'provider.keyGone');
		await world.discord.waitForRequest(replySaying(job.token, gone));
		// `/jobs` speaks the member's language, and quotes the reason in the job's.
		const { token } = world.discord.sendCommand({ name: 'jobs' });
		const listed = JSON.stringify((await world.discord.waitForRequest(originalEdit(token))).body);
		expect(listed).toContain(t('en', 'jobs.failed', { reason: '' }).trim());
		expect(listed).toContain(gone.slice(0, 30));
		expect(world.discord.violations).toEqual([]);
	});
});

describe('`/server-settings` problems in the admin’s language', () => {
	const ROLE = 8;
	const CHANNEL = 7;

	/** `/server-settings` by an admin whose client speaks German: the answer's text. */
	async function inGerman(name: string, options: CommandOptionInput[]): Promise<string> {
		const answer = await send({
			name: 'server-settings',
			options: [sub(name, options)],
			userId: world.discord.ids.admin,
			locale: 'de',
		});
		return answer.content;
	}

	it('words the channel, role, sub-command and option problems in German', async () => {
		await open();
		const { ids } = world.discord;
		const unchanged = t('de', 'errors.nothingChanged', { list: '' }).trim();

		const everyone = await inGerman('set', [{ name: 'required_role', type: ROLE, value: ids.guild }]);
		expect(everyone).toContain(unchanged);
		expect(everyone).toContain(t('de', 'serverSettings.everyoneRole'));

		const same = [ids.otherChannel, ids.otherChannel].map((value, index) => ({
			name: index === 0 ? 'add_channel' : 'remove_channel',
			type: CHANNEL,
			value,
		}));
		expect(await inGerman('set', same)).toContain(t('de', 'serverSettings.sameChannel'));

		const unlisted = await inGerman('set', [{ name: 'remove_channel', type: CHANNEL, value: ids.otherChannel }]);
		expect(unlisted).toContain(t('de', 'serverSettings.channelNotListed', { channel: `<#${ids.otherChannel}>` }));

		const unknown = await inGerman('reset', [str('setting', 'watermark'), str('colour', 'red')]);
		expect(unknown).toContain(t('de', 'errors.unknownOptions', { options: '`colour`' }));

		const bare = await send({ name: 'server-settings', options: [], userId: ids.admin, locale: 'de' });
		expect(bare.content).toContain(t('de', 'errors.pickSubcommand', { command: 'server-settings' }));
		const bogus = await inGerman('paint', []);
		expect(bogus).toContain(t('de', 'errors.unknownSubcommand', { command: 'server-settings', subcommand: 'paint' }));

		const none = await inGerman('set', [str('allowed_commands', 'none')]);
		expect(none).toContain(t('de', 'serverSettings.savedAllowedCommands', { value: t('de', 'serverSettings.none') }));
		const credits = await inGerman('set', [bool('show_credits', true)]);
		expect(credits).toContain(t('de', 'serverSettings.creditsShown'));
		expect(world.discord.violations).toEqual([]);
	});
});

describe('vary and upscale reacted on a grid', () => {
	it('tells the member in the server’s language to pick an image first, removes the reaction, and sends nothing', async () => {
		await open();
		await serverSettings('set', [str('language', 'de')]);
		const { discord, mj } = world;
		const grid = await delivered('a lighthouse');

		for (const [name, userId] of [
			['🔀', discord.ids.user],
			['⬆️', discord.ids.moderator],
		] as const) {
			const from = discord.requests.length;
			discord.sendReaction({ messageId: grid.messageId, emoji: { id: null, name }, userId });
			const dm = await discord.waitForRequest(channelPost(discord.dmChannelId(userId)), 5000, from);
			const reason = t('de', 'actions.pickFirst', { emoji: name, first: '1️⃣', last: '4️⃣' });
			expect(content(dm)).toContain(reason);
			await discord.waitForRequest(
				(r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${grid.messageId}/reactions/${name}/${userId}`),
				5000,
				from,
			);
		}
		expect(mj.varyRequests).toHaveLength(0);
		expect(mj.upscaleRequests).toHaveLength(0);
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.violations).toEqual([]);
	});
});

describe('follow-up refusals', () => {
	it('refuses Extend on a grid in the member’s language, and sends nothing', async () => {
		await open();
		const { discord, mj } = world;
		const grid = await delivered('a lighthouse');
		const from = discord.requests.length;
		discord.sendComponent({ messageId: grid.messageId, customId: `mj:extend:${grid.jobId}:1`, locale: 'de' });
		const said = t('de', 'followUpActions.onlyVideos');
		await discord.waitForRequest((r) => JSON.stringify(r.body ?? '').includes(said), 5000, from);
		expect(mj.extendRequests).toHaveLength(0);
		expect(discord.violations).toEqual([]);
	});
});
