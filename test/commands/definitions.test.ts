import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandMap } from '../../src/commands/index.js';
import { commandDefinitions } from '../../src/commands/register.js';
import { SLASH_OPTIONS } from '../../src/discord/slashOptions.js';
import {
	GENERATION_OPTIONS,
	PROMPT_SETTING_NAMES,
	IMAGE_OPTION_NAMES,
	OMNI_OPTION_NAMES,
	VIDEO_OPTION_NAMES,
	type GenerationOptionName,
} from '../../src/jobs/options.js';

/** The fields of an option's JSON that these tests read, whatever its type. */
interface OptionJson {
	type: ApplicationCommandOptionType;
	name: string;
	description: string;
	required?: boolean;
	choices?: Array<{ name: string; value: string | number }>;
	min_value?: number;
	max_value?: number;
	min_length?: number;
	max_length?: number;
}

const allDefinitions = commandDefinitions();
/** The five generating commands; the settings commands and /jobs are checked in test/settings/definitions.test.ts. */
const definitions = allDefinitions.filter((definition) =>
	['imagine', 'remix', 'animate', 'style', 'omni'].includes(definition.name),
);
const byName = new Map(definitions.map((definition) => [definition.name, definition]));

function optionsOf(command: string): OptionJson[] {
	const definition = byName.get(command);
	if (!definition) throw new Error(`no /${command}`);
	return (definition.options ?? []) as unknown as OptionJson[];
}

function optionOf(command: string, name: string): OptionJson | undefined {
	return optionsOf(command).find((option) => option.name === name);
}

const GENERATION_NAMES = Object.keys(GENERATION_OPTIONS) as GenerationOptionName[];

function isGenerationOption(name: string): name is GenerationOptionName {
	return (GENERATION_NAMES as string[]).includes(name);
}

/** What each command offers, from the option lists in src/jobs/options.ts. */
const EXPECTED_SHAPE: Record<string, { image: boolean; options: readonly GenerationOptionName[] }> = {
	imagine: { image: false, options: IMAGE_OPTION_NAMES },
	remix: { image: true, options: IMAGE_OPTION_NAMES },
	style: { image: true, options: IMAGE_OPTION_NAMES },
	animate: { image: true, options: VIDEO_OPTION_NAMES },
	omni: { image: true, options: OMNI_OPTION_NAMES },
};

describe('slash-command definitions', () => {
	it('every builder serialises', () => {
		for (const command of COMMANDS) expect(() => command.data.toJSON()).not.toThrow();
	});

	it('the commands are exactly the five generating ones, /settings, /server-settings, /jobs, /info and /help', () => {
		const expected = [
			'animate',
			'help',
			'imagine',
			'info',
			'jobs',
			'omni',
			'remix',
			'server-settings',
			'settings',
			'style',
		];
		expect(allDefinitions.map((definition) => definition.name).sort()).toEqual(expected);
		expect([...commandMap().keys()].sort()).toEqual(expected);
	});

	describe.each(definitions.map((definition) => [definition.name, definition] as const))('/%s', (name, definition) => {
		const options = optionsOf(name);

		it('has a valid name and description', () => {
			expect(name).toMatch(/^[-_a-z0-9]{1,32}$/);
			expect(definition.description.length).toBeGreaterThan(0);
			expect(definition.description.length).toBeLessThanOrEqual(100);
		});

		it('is available in servers only', () => {
			expect(definition.contexts).toEqual([InteractionContextType.Guild]);
		});

		it('has at most 25 options, with unique valid names and descriptions', () => {
			expect(options.length).toBeLessThanOrEqual(25);
			const names = options.map((option) => option.name);
			expect(new Set(names).size).toBe(names.length);
			for (const option of options) {
				expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
				expect(option.description.length).toBeGreaterThan(0);
				expect(option.description.length).toBeLessThanOrEqual(100);
			}
		});

		it('lists required options before optional ones', () => {
			const required = options.map((option) => option.required === true);
			const firstOptional = required.indexOf(false);
			if (firstOptional !== -1) expect(required.slice(firstOptional)).not.toContain(true);
		});

		it('stays within Discord’s 8000-character total for names, descriptions and values', () => {
			let total = definition.name.length + definition.description.length;
			for (const option of options) {
				total += option.name.length + option.description.length;
				for (const choice of option.choices ?? []) total += choice.name.length + String(choice.value).length;
			}
			expect(total).toBeLessThanOrEqual(8000);
		});

		it('has a required prompt of at most 2000 characters, first', () => {
			expect(options[0]).toMatchObject({
				name: 'prompt',
				type: ApplicationCommandOptionType.String,
				required: true,
				max_length: 2000,
			});
		});

		it('offers exactly the options of its kind', () => {
			const shape = EXPECTED_SHAPE[name]!;
			const expected = ['prompt', ...(shape.image ? ['image', 'image_url'] : []), ...shape.options];
			expect(options.map((option) => option.name)).toEqual(expected);
		});

		it('takes the image as an optional attachment or an optional URL (except /imagine)', () => {
			if (name === 'imagine') {
				expect(optionOf(name, 'image')).toBeUndefined();
				expect(optionOf(name, 'image_url')).toBeUndefined();
				return;
			}
			expect(optionOf(name, 'image')).toMatchObject({ type: ApplicationCommandOptionType.Attachment });
			expect(optionOf(name, 'image')?.required).not.toBe(true);
			expect(optionOf(name, 'image_url')).toMatchObject({ type: ApplicationCommandOptionType.String });
			expect(optionOf(name, 'image_url')?.required).not.toBe(true);
		});

		it('declares every choice and range exactly as the option table', () => {
			for (const option of options) {
				if (!isGenerationOption(option.name)) continue;
				const def = GENERATION_OPTIONS[option.name];
				expect(option.description).toBe(SLASH_OPTIONS[option.name].description);
				expect(option.required).not.toBe(true);
				switch (def.kind) {
					case 'string-choice':
						expect(option.type).toBe(ApplicationCommandOptionType.String);
						expect(option.choices?.map((choice) => choice.value)).toEqual([...def.choices]);
						expect(option.choices!.length).toBeLessThanOrEqual(25);
						for (const choice of option.choices!) {
							expect(choice.name.length).toBeGreaterThan(0);
							expect(choice.name.length).toBeLessThanOrEqual(100);
						}
						expect(option.min_value).toBeUndefined();
						expect(option.max_value).toBeUndefined();
						break;
					case 'integer-choice':
						expect(option.type).toBe(ApplicationCommandOptionType.Integer);
						expect(option.choices?.map((choice) => choice.value)).toEqual([...def.choices]);
						break;
					case 'integer-range':
						expect(option.type).toBe(ApplicationCommandOptionType.Integer);
						expect(option.min_value).toBe(def.min);
						expect(option.max_value).toBe(def.max);
						expect(option.choices).toBeUndefined();
						break;
					case 'boolean':
						expect(option.type).toBe(ApplicationCommandOptionType.Boolean);
						break;
				}
			}
		});
	});

	it('/animate and /omni have no speed; the image commands do', () => {
		expect(optionOf('animate', 'speed')).toBeUndefined();
		expect(optionOf('omni', 'speed')).toBeUndefined();
		for (const name of ['imagine', 'remix', 'style']) expect(optionOf(name, 'speed')).toBeDefined();
	});

	it('only /omni has omni_weight', () => {
		const withWeight = definitions.filter((definition) => optionOf(definition.name, 'omni_weight') !== undefined);
		expect(withWeight.map((definition) => definition.name)).toEqual(['omni']);
	});

	it('only /animate has hd, motion and batch_size', () => {
		for (const option of ['hd', 'motion', 'batch_size']) {
			const having = definitions.filter((definition) => optionOf(definition.name, option) !== undefined);
			expect(having.map((definition) => definition.name)).toEqual(['animate']);
		}
	});

	it('every option of the table is offered by some command', () => {
		const offered = new Set(
			definitions.flatMap((definition) => optionsOf(definition.name).map((option) => option.name)),
		);
		// Settings every prompt obeys (translation) are a member's or a server's choice, not a command's option.
		for (const name of GENERATION_NAMES.filter((name) => !(PROMPT_SETTING_NAMES as readonly string[]).includes(name)))
			expect(offered).toContain(name);
	});
});
