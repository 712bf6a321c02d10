/**
 * The real command definitions, localised from the catalogues: every description and the named choices carry all six
 * languages, the English catalogue says exactly what the definitions say (it is their inventory), and the bodies
 * pass Discord's OpenAPI document, as registration would send them.
 */
import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { openApiValidator } from '../../fakes/discord/openapi.js';
import { COMMANDS } from '../../src/commands/index.js';
import { JOBS_DEFAULT_COUNT } from '../../src/commands/jobs.js';
import { LOCALIZED_DISCORD_LOCALES, localizationsFor, localizeCommand } from '../../src/i18n/index.js';
import { lookup, type MessageVars } from '../../src/i18n/translator.js';

const VARS: Record<string, MessageVars> = { 'commands.jobs.options.count': { default: JOBS_DEFAULT_COUNT } };
const definitions = COMMANDS.map((command) => command.data.toJSON());
const localized = definitions.map((definition) => localizeCommand(definition, VARS));

/** A command, sub-command or option as the localised JSON has it. */
interface Node {
	name: string;
	description: string;
	type?: number;
	options?: Node[];
	choices?: Array<{ name: string; value: string | number; name_localizations?: Record<string, string> }>;
	min_value?: number;
	max_value?: number;
	description_localizations?: Record<string, string>;
}

interface Described extends Node {
	path: string;
	/** The keys the English text may come from, most specific first. */
	keys: string[];
	vars: MessageVars;
}

/** Every command, sub-command and option of a definition, with the catalogue keys its description may live under. */
function described(command: Node): Described[] {
	const base = `commands.${command.name}`;
	const own: Described = { ...command, path: `/${command.name}`, keys: [`${base}.description`], vars: {} };
	const option = (entry: Node, scopes: string[], path: string): Described => {
		const keys = scopes.map((scope) => `${scope}.${entry.name}`);
		const range = { min: entry.min_value ?? 0, max: entry.max_value ?? 0 };
		return { ...entry, path: `${path} ${entry.name}`, keys, vars: { ...range, ...VARS[keys[0]!] } };
	};
	return [
		own,
		...(command.options ?? []).flatMap((entry) => {
			if (entry.type !== ApplicationCommandOptionType.Subcommand) {
				return [option(entry, [`${base}.options`, 'options'], own.path)];
			}
			const subBase = `${base}.sub.${entry.name}`;
			const sub: Described = {
				...entry,
				path: `${own.path} ${entry.name}`,
				keys: [`${subBase}.description`],
				vars: {},
			};
			const inner = (entry.options ?? []).map((child) =>
				option(child, [`${subBase}.options`, `${base}.options`, 'options'], sub.path),
			);
			return [sub, ...inner];
		}),
	];
}

const everything = (localized as unknown as Node[]).flatMap(described);

describe('localizeCommand on the real definitions', () => {
	it.each(everything.map((entry) => [entry.path, entry] as const))(
		'%s: described in every language, English as defined',
		(_path, entry) => {
			expect(Object.keys(entry.description_localizations ?? {}).sort()).toEqual([...LOCALIZED_DISCORD_LOCALES].sort());
			const key = entry.keys.find((candidate) => lookup('en', candidate) !== undefined);
			expect(key && lookup('en', key, entry.vars)).toBe(entry.description);
		},
	);

	it('names the speed and motion choices in every language, English as defined', () => {
		const named = everything.filter((entry) => entry.path.endsWith(' speed') || entry.path.endsWith(' motion'));
		expect(named.length).toBeGreaterThan(0);
		for (const entry of named) {
			for (const choice of entry.choices ?? []) {
				expect(Object.keys(choice.name_localizations ?? {}).sort(), `${entry.path} ${choice.value}`).toEqual(
					[...LOCALIZED_DISCORD_LOCALES].sort(),
				);
				const option = entry.path.split(' ').at(-1);
				expect(lookup('en', `choices.${option}.${choice.value}`)).toBe(choice.name);
			}
		}
	});

	it('keeps names English and leaves choices the catalogues do not name alone', () => {
		const versions = everything.find((entry) => entry.path === '/imagine version');
		expect(versions?.choices?.every((choice) => choice.name_localizations === undefined)).toBe(true);
		expect(localized.map((command) => command.name)).toEqual(definitions.map((command) => command.name));
		expect(localized[0]?.description).toBe(definitions[0]?.description);
	});

	it('gives Discord bodies it accepts', () => {
		const validator = openApiValidator();
		const problems = validator.validate('PUT', '/applications/123456789012345678/commands', localized);
		expect(problems).toEqual([]);
	});

	it('speaks each language under its Discord locale', () => {
		expect(localizationsFor('buttons.tryAgain')).toMatchObject({
			de: 'Nochmal versuchen',
			'es-ES': 'Reintentar',
			'es-419': 'Reintentar',
			fr: 'Réessayer',
			ja: 'もう一度',
			'pt-BR': 'Tentar de novo',
		});
		expect(localizationsFor('no.such.key')).toBeUndefined();
	});
});
