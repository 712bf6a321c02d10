/**
 * Slash-command options generated from the parameter table in `jobs/options.ts` and the texts in
 * `discord/slashOptions.ts`, so choices and ranges are declared once.
 */
import {
	SlashCommandBuilder,
	type SlashCommandBooleanOption,
	type SlashCommandIntegerOption,
	type SlashCommandStringOption,
} from '@discordjs/builders';
import { InteractionContextType } from 'discord.js';
import { PROMPT_MAX_LENGTH } from '../api/spec.js';
import { IMAGE_ATTACHMENT_OPTION, IMAGE_URL_OPTION, PROMPT_OPTION, SLASH_OPTIONS } from '../discord/slashOptions.js';
import { GENERATION_OPTIONS, type GenerationOptionName } from '../jobs/options.js';

export function generationCommand(
	name: string,
	description: string,
	shape: { image: boolean; options: readonly GenerationOptionName[] },
): SlashCommandBuilder {
	const builder = new SlashCommandBuilder()
		.setName(name)
		.setDescription(description)
		// A server's API key pays for generations: the commands exist in servers only.
		.setContexts(InteractionContextType.Guild);
	builder.addStringOption((option) =>
		option
			.setName(PROMPT_OPTION.name)
			.setDescription(PROMPT_OPTION.description)
			.setRequired(true)
			.setMaxLength(PROMPT_MAX_LENGTH),
	);
	if (shape.image) {
		builder.addAttachmentOption((option) =>
			option.setName(IMAGE_ATTACHMENT_OPTION.name).setDescription(IMAGE_ATTACHMENT_OPTION.description),
		);
		builder.addStringOption((option) =>
			option.setName(IMAGE_URL_OPTION.name).setDescription(IMAGE_URL_OPTION.description).setMaxLength(2000),
		);
	}
	for (const optionName of shape.options) addGenerationOption(builder, optionName);
	return builder;
}

/** What a generation option can be added to: a command, or a sub-command such as `/settings set`. */
export interface GenerationOptionTarget {
	addStringOption(input: (option: SlashCommandStringOption) => SlashCommandStringOption): unknown;
	addIntegerOption(input: (option: SlashCommandIntegerOption) => SlashCommandIntegerOption): unknown;
	addBooleanOption(input: (option: SlashCommandBooleanOption) => SlashCommandBooleanOption): unknown;
}

export function addGenerationOption(builder: GenerationOptionTarget, name: GenerationOptionName): void {
	const def = GENERATION_OPTIONS[name];
	const text = SLASH_OPTIONS[name];
	switch (def.kind) {
		case 'string-choice': {
			const label = text.label ?? ((choice: string) => choice);
			builder.addStringOption((option) =>
				option
					.setName(name)
					.setDescription(text.description)
					.addChoices(...def.choices.map((choice: string) => ({ name: label(choice), value: choice }))),
			);
			break;
		}
		case 'integer-choice':
			builder.addIntegerOption((option) =>
				option
					.setName(name)
					.setDescription(text.description)
					.addChoices(...def.choices.map((choice) => ({ name: String(choice), value: choice }))),
			);
			break;
		case 'integer-range':
			builder.addIntegerOption((option) =>
				option.setName(name).setDescription(text.description).setMinValue(def.min).setMaxValue(def.max),
			);
			break;
		case 'boolean':
			builder.addBooleanOption((option) => option.setName(name).setDescription(text.description));
			break;
	}
}
