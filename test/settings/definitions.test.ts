import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../src/commands/register.js';
import { SLASH_OPTIONS } from '../../src/discord/slashOptions.js';
import { GENERATION_OPTIONS, type GenerationOptionName } from '../../src/jobs/options.js';
import { GENERATION_OPTION_NAMES, LIMIT_RANGES } from '../../src/settings/validate.js';

interface OptionJson {
	type: ApplicationCommandOptionType;
	name: string;
	description: string;
	required?: boolean;
	choices?: Array<{ name: string; value: string | number }>;
	min_value?: number;
	max_value?: number;
	options?: OptionJson[];
}

const byName = new Map(commandDefinitions().map((definition) => [definition.name, definition]));

function subcommands(command: string): Map<string, OptionJson[]> {
	const options = (byName.get(command)?.options ?? []) as unknown as OptionJson[];
	return new Map(options.map((option) => [option.name, option.options ?? []]));
}

function expectFromTable(options: OptionJson[]) {
	for (const name of GENERATION_OPTION_NAMES) {
		const option = options.find((entry) => entry.name === name);
		const def = GENERATION_OPTIONS[name as GenerationOptionName];
		expect(option?.description).toBe(SLASH_OPTIONS[name as GenerationOptionName].description);
		if (def.kind === 'integer-range') expect([option?.min_value, option?.max_value]).toEqual([def.min, def.max]);
		if (def.kind === 'string-choice' || def.kind === 'integer-choice') {
			expect(option?.choices?.map((choice) => choice.value)).toEqual([...def.choices]);
		}
	}
}

describe('/settings, /server-settings and /jobs definitions', () => {
	it.each(['settings', 'server-settings', 'jobs'])('/%s exists in servers only, within Discord’s limits', (name) => {
		const definition = byName.get(name)!;
		expect(definition.contexts).toEqual([InteractionContextType.Guild]);
		const walk = (options: OptionJson[]) => {
			expect(options.length).toBeLessThanOrEqual(25);
			const required = options.map((option) => option.required === true);
			const firstOptional = required.indexOf(false);
			if (firstOptional !== -1) expect(required.slice(firstOptional)).not.toContain(true);
			for (const option of options) {
				expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
				expect(option.description.length).toBeGreaterThan(0);
				expect(option.description.length).toBeLessThanOrEqual(100);
				expect(option.choices?.length ?? 0).toBeLessThanOrEqual(25);
				walk(option.options ?? []);
			}
		};
		walk((definition.options ?? []) as unknown as OptionJson[]);
	});

	it('/server-settings is for Manage Server by default; the others for everyone', () => {
		expect(byName.get('server-settings')!.default_member_permissions).toBe(String(PermissionFlagsBits.ManageGuild));
		expect(byName.get('settings')!.default_member_permissions).toBeUndefined();
		expect(byName.get('jobs')!.default_member_permissions).toBeUndefined();
	});

	it('/settings set and /server-settings set offer every generation option from the option table', () => {
		expect([...subcommands('settings').keys()]).toEqual(['show', 'set', 'reset']);
		expect([...subcommands('server-settings').keys()]).toEqual([
			'show',
			'set',
			'emoji',
			'api_key',
			'blocked_words',
			'reset',
		]);
		expectFromTable(subcommands('settings').get('set')!);
		expectFromTable(subcommands('server-settings').get('set')!);
	});

	it('declares the limits’ ranges as the checks do', () => {
		const set = subcommands('server-settings').get('set')!;
		for (const [name, range] of Object.entries(LIMIT_RANGES)) {
			const option = set.find((entry) => entry.name === name);
			expect(option).toMatchObject({
				type: ApplicationCommandOptionType.Integer,
				min_value: range.min,
				max_value: range.max,
			});
		}
	});

	it('/server-settings reset needs a setting, and offers each one', () => {
		const [setting] = subcommands('server-settings').get('reset')!;
		expect(setting).toMatchObject({ name: 'setting', required: true });
		expect(setting!.choices!.map((choice) => choice.value)).toEqual(
			expect.arrayContaining(['all', 'emoji', 'channels', 'watermark', ...GENERATION_OPTION_NAMES]),
		);
	});

	it('/jobs takes a count from 1 to 25', () => {
		const [count] = (byName.get('jobs')!.options ?? []) as unknown as OptionJson[];
		expect(count).toMatchObject({
			name: 'count',
			type: ApplicationCommandOptionType.Integer,
			min_value: 1,
			max_value: 25,
		});
	});
});
