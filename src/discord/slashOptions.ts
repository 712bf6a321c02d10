/**
 * How the generation parameters are offered as slash-command options: a description for each, and how each choice
 * reads in Discord's picker. Choices and ranges come from the parameter table in `jobs/options.ts`, so the builders
 * (`commands/builders.ts`) and the checks of what arrives (`discord/input.ts`) read the same values.
 */
import { INTEGER_RANGES } from '../api/spec.js';
import type { GenerationOptionName } from '../jobs/options.js';

export interface SlashOptionText {
	readonly description: string;
	/** How each choice is shown in Discord's picker; the value itself when absent. */
	readonly label?: (choice: string) => string;
}

const range = (name: keyof typeof INTEGER_RANGES): string => `${INTEGER_RANGES[name].min}–${INTEGER_RANGES[name].max}`;

export const SLASH_OPTIONS: Readonly<Record<GenerationOptionName, SlashOptionText>> = {
	aspect_ratio: { description: 'Width:height of the result' },
	version: {
		description: 'Midjourney model version',
		label: (version) => (version.startsWith('niji') ? `Niji ${version.slice(4)}` : `V${version}`),
	},
	speed: {
		description: 'Generation speed (turbo and fast cost more credits)',
		label: (speed) => speed[0]!.toUpperCase() + speed.slice(1),
	},
	variety: { description: `How different the images are from each other (${range('variety')})` },
	stylization: { description: `Strength of Midjourney's artistic style (${range('stylization')})` },
	weirdness: { description: `How unusual the result is (${range('weirdness')})` },
	omni_weight: { description: `How strongly the reference shapes the result (${range('omniWeight')})` },
	motion: {
		description: 'Amount of movement in the video',
		label: (motion) => (motion === 'low' ? 'Low (subtle)' : 'High (dynamic)'),
	},
	batch_size: { description: 'Number of videos to generate' },
	hd: { description: 'Generate an HD video (costs more)' },
	translate_prompt: { description: 'Let Midjourney translate a prompt that is not in English' },
};

export const PROMPT_OPTION = { name: 'prompt', description: 'What to generate' } as const;
export const IMAGE_ATTACHMENT_OPTION = {
	name: 'image',
	description: 'The source image (PNG, JPEG, WebP or GIF)',
} as const;
export const IMAGE_URL_OPTION = {
	name: 'image_url',
	description: 'Or: a public http(s) link to the source image',
} as const;
