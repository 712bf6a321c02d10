/**
 * `/server-settings blocked_words`: the server's own list of words refused in prompts, managed by its admins. The
 * list is bounded (every prompt is matched against it) and each entry is short.
 */
import type { ChatInputCommandInteraction } from 'discord.js';
import { memberTranslator } from '../discord/language.js';
import { NO_PINGS, fitContent } from '../discord/respond.js';
import { formatValue } from '../discord/settingsView.js';
import { UserError } from '../userError.js';
import { BLOCKED_WORD_MAX_LENGTH, BLOCKED_WORDS_ACTIONS, BLOCKED_WORDS_MAX } from './serverSettingsData.js';
import type { SubcommandInput } from './subcommand.js';
import type { CommandContext } from './types.js';

type Action = (typeof BLOCKED_WORDS_ACTIONS)[number];

/** The list after adding or removing `words`, and the words asked to be removed that were not listed. */
function changeList(
	list: readonly string[],
	words: readonly string[],
	action: Action,
): { next: string[]; missing: string[] } {
	const known = new Set(list.map(fold));
	if (action === 'add') {
		const next = [...list, ...words.filter((word) => !known.has(fold(word)))];
		if (next.length > BLOCKED_WORDS_MAX) {
			throw UserError.localized('invalid-input', 'blockedWords.tooMany', {
				max: BLOCKED_WORDS_MAX,
				count: list.length,
			});
		}
		return { next, missing: [] };
	}
	const removing = new Set(words.map(fold));
	const missing = words.filter((word) => !known.has(fold(word)));
	if (missing.length === words.length) {
		throw UserError.localized('invalid-input', 'blockedWords.notListed', { words: quoted(missing) });
	}
	return { next: list.filter((word) => !removing.has(fold(word))), missing };
}

export async function manageBlockedWords(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
	input: SubcommandInput,
): Promise<void> {
	const action = input.values.get('action');
	if (!(BLOCKED_WORDS_ACTIONS as readonly unknown[]).includes(action)) {
		throw UserError.localized('invalid-input', 'validation.oneOf', {
			name: 'action',
			choices: BLOCKED_WORDS_ACTIONS.map(formatValue).join(', '),
			value: String(action),
		});
	}
	const t = memberTranslator(interaction);
	const reply = async (content: string): Promise<void> => {
		await interaction.editReply({ content: fitContent(content), allowedMentions: NO_PINGS });
	};
	if (action === 'list') {
		const words = (await context.settings.settings.server(interaction.guildId)).blockedWords ?? [];
		await reply(listText(t, words));
		return;
	}
	const words = parseWords(input.values.get('words'), action as Action);
	let missing: string[] = [];
	await context.settings.settings.updateServer(interaction.guildId, (current) => {
		const changed = changeList(current.blockedWords ?? [], words, action as Exclude<Action, 'list'>);
		missing = changed.missing;
		const next = changed.next;
		const { blockedWords: _dropped, ...rest } = current;
		return next.length > 0 ? { ...rest, blockedWords: next } : rest;
	});
	const done = t(action === 'add' ? 'blockedWords.added' : 'blockedWords.removed', { words: quoted(words) });
	const skipped = missing.length > 0 ? `\n${t('blockedWords.notListed', { words: quoted(missing) })}` : '';
	await reply(`${done}${skipped}`);
}

function listText(t: ReturnType<typeof memberTranslator>, words: readonly string[]): string {
	if (words.length === 0) return t('blockedWords.empty');
	return t('blockedWords.list', { count: words.length, max: BLOCKED_WORDS_MAX, words: quoted(words) });
}

/** `cat, big dog` → the words to add or remove: trimmed, no blanks, no repeats. */
function parseWords(raw: unknown, action: Action): string[] {
	const words = typeof raw === 'string' ? raw.split(',').map((word) => word.trim().replace(/\s+/g, ' ')) : [];
	const unique = [...new Map(words.filter((word) => word !== '').map((word) => [fold(word), word])).values()];
	if (unique.length === 0) throw UserError.localized('invalid-input', 'blockedWords.wordsRequired', { action });
	if (unique.some((word) => word.length > BLOCKED_WORD_MAX_LENGTH)) {
		throw UserError.localized('invalid-input', 'blockedWords.tooLong', { max: BLOCKED_WORD_MAX_LENGTH });
	}
	return unique;
}

function fold(word: string): string {
	return word.normalize('NFKC').toLowerCase();
}

/** The words as code spans, so a word with markdown in it shows as typed. */
function quoted(words: readonly string[]): string {
	return words.map((word) => `\`${word.replaceAll('`', 'ˋ')}\``).join(', ');
}
