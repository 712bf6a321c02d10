/**
 * Localised descriptions and choice names for slash commands, from the catalogues. Command and option names stay
 * English (members share them, and the docs name them); what they mean is shown in each member's language.
 */
import { DEFAULT_LANGUAGE, type Language } from './catalogues.js';
import { languageOf } from './locale.js';
import { lookup, type MessageVars } from './translator.js';

/** Discord locales given localizations: every one with a catalogue except English, the definitions' own text. */
export const LOCALIZED_DISCORD_LOCALES = ['de', 'es-ES', 'es-419', 'fr', 'ja', 'pt-BR'] as const;
export type LocalizedDiscordLocale = (typeof LOCALIZED_DISCORD_LOCALES)[number];

/** Discord's `description_localizations` / `name_localizations` shape. */
export type LocalizationMap = Partial<Record<LocalizedDiscordLocale, string>>;

/** The message at `key` in every localised Discord locale that has it; undefined when none does. */
export function localizationsFor(key: string, vars: MessageVars = {}): LocalizationMap | undefined {
	const map: LocalizationMap = {};
	for (const locale of LOCALIZED_DISCORD_LOCALES) {
		const language: Language = languageOf(locale) ?? DEFAULT_LANGUAGE;
		const text = lookup(language, key, vars);
		if (text !== undefined) map[locale] = text;
	}
	return Object.keys(map).length > 0 ? map : undefined;
}

export interface LocalizableChoice {
	readonly name: string;
	readonly value: string | number;
}

export interface LocalizableOption {
	readonly name: string;
	readonly description: string;
	readonly type: number;
	readonly options?: readonly LocalizableOption[];
	readonly choices?: readonly LocalizableChoice[];
	readonly min_value?: number;
	readonly max_value?: number;
}

export interface LocalizableCommand {
	readonly name: string;
	readonly description: string;
	readonly options?: readonly LocalizableOption[];
}

/** Discord's option type for a sub-command (`ApplicationCommandOptionType.Subcommand`). */
const SUBCOMMAND = 1;

/**
 * A command definition (`builder.toJSON()`) with `description_localizations` on the command, its sub-commands and
 * options, and `name_localizations` on the choices the catalogues name. An option's description is looked up as the
 * sub-command's, then the command's, then the shared one under `options.<name>`; its range fills `{{min}}`/`{{max}}`.
 * `vars` gives the other placeholders, by catalogue key.
 */
export function localizeCommand<Command extends LocalizableCommand>(
	command: Command,
	vars: Readonly<Record<string, MessageVars>> = {},
): Command {
	const base = `commands.${command.name}`;
	const options = command.options?.map((option) =>
		option.type === SUBCOMMAND
			? localizeSubcommand(option, base, vars)
			: localizeOption(option, [`${base}.options`, 'options'], vars),
	);
	return {
		...command,
		...describedAs(`${base}.description`, vars[`${base}.description`]),
		...(options ? { options } : {}),
	};
}

function localizeSubcommand(
	sub: LocalizableOption,
	base: string,
	vars: Readonly<Record<string, MessageVars>>,
): LocalizableOption {
	const subBase = `${base}.sub.${sub.name}`;
	const options = sub.options?.map((option) =>
		localizeOption(option, [`${subBase}.options`, `${base}.options`, 'options'], vars),
	);
	return {
		...sub,
		...describedAs(`${subBase}.description`, vars[`${subBase}.description`]),
		...(options ? { options } : {}),
	};
}

function localizeOption(
	option: LocalizableOption,
	scopes: readonly string[],
	vars: Readonly<Record<string, MessageVars>>,
): LocalizableOption {
	const range = {
		...(option.min_value === undefined ? {} : { min: option.min_value }),
		...(option.max_value === undefined ? {} : { max: option.max_value }),
	};
	const key = scopes
		.map((scope) => `${scope}.${option.name}`)
		.find((candidate) => lookup(DEFAULT_LANGUAGE, candidate, {}) !== undefined);
	const choices = option.choices?.map((choice) => {
		// Choice values such as `6.1` cannot be keys (the dot separates them): they are shown as they are.
		const names = String(choice.value).includes('.')
			? undefined
			: localizationsFor(`choices.${option.name}.${choice.value}`);
		return names ? { ...choice, name_localizations: names } : choice;
	});
	return {
		...option,
		...(key ? describedAs(key, { ...range, ...vars[key] }) : {}),
		...(choices ? { choices } : {}),
	};
}

function describedAs(key: string, vars: MessageVars = {}): { description_localizations?: LocalizationMap } {
	const map = localizationsFor(key, vars);
	return map ? { description_localizations: map } : {};
}
