/**
 * The generation options members can pass, derived from the API's vocabulary in `api/spec.ts`.
 * This one table feeds the slash-command builders (`commands/builders.ts`) and the validation of what arrives
 * (`jobs/validate.ts`), so Discord's client-side checks and ours cannot drift apart.
 */
import {
	ASPECT_RATIOS,
	INTEGER_RANGES,
	MOTIONS,
	SPEEDS,
	VERSIONS,
	VIDEO_BATCH_SIZES,
	type AspectRatio,
	type Motion,
	type Speed,
	type Version,
	type VideoBatchSize,
} from '../api/spec.js';

interface OptionBase {
	readonly description: string;
}

export interface StringChoiceOption<T extends string> extends OptionBase {
	readonly kind: 'string-choice';
	readonly choices: readonly T[];
	/** How each choice is shown in Discord's picker. */
	readonly label?: (choice: T) => string;
}

export interface IntegerChoiceOption<T extends number> extends OptionBase {
	readonly kind: 'integer-choice';
	readonly choices: readonly T[];
}

export interface IntegerRangeOption extends OptionBase {
	readonly kind: 'integer-range';
	readonly min: number;
	readonly max: number;
}

export interface BooleanOption extends OptionBase {
	readonly kind: 'boolean';
}

export const GENERATION_OPTIONS = {
	aspect_ratio: {
		kind: 'string-choice',
		description: 'Width:height of the result',
		choices: ASPECT_RATIOS,
	} satisfies StringChoiceOption<AspectRatio>,
	version: {
		kind: 'string-choice',
		description: 'Midjourney model version',
		choices: VERSIONS,
		label: (version) => (version.startsWith('niji') ? `Niji ${version.slice(4)}` : `V${version}`),
	} satisfies StringChoiceOption<Version>,
	speed: {
		kind: 'string-choice',
		description: 'Generation speed (turbo and fast cost more credits)',
		choices: SPEEDS,
		label: (speed) => speed[0]!.toUpperCase() + speed.slice(1),
	} satisfies StringChoiceOption<Speed>,
	variety: {
		kind: 'integer-range',
		description: `How different the images are from each other (${INTEGER_RANGES.variety.min}–${INTEGER_RANGES.variety.max})`,
		...INTEGER_RANGES.variety,
	} satisfies IntegerRangeOption,
	stylization: {
		kind: 'integer-range',
		description: `Strength of Midjourney's artistic style (${INTEGER_RANGES.stylization.min}–${INTEGER_RANGES.stylization.max})`,
		...INTEGER_RANGES.stylization,
	} satisfies IntegerRangeOption,
	weirdness: {
		kind: 'integer-range',
		description: `How unusual the result is (${INTEGER_RANGES.weirdness.min}–${INTEGER_RANGES.weirdness.max})`,
		...INTEGER_RANGES.weirdness,
	} satisfies IntegerRangeOption,
	omni_weight: {
		kind: 'integer-range',
		description: `How strongly the reference shapes the result (${INTEGER_RANGES.omniWeight.min}–${INTEGER_RANGES.omniWeight.max})`,
		...INTEGER_RANGES.omniWeight,
	} satisfies IntegerRangeOption,
	motion: {
		kind: 'string-choice',
		description: 'Amount of movement in the video',
		choices: MOTIONS,
		label: (motion) => (motion === 'low' ? 'Low (subtle)' : 'High (dynamic)'),
	} satisfies StringChoiceOption<Motion>,
	batch_size: {
		kind: 'integer-choice',
		description: 'Number of videos to generate',
		choices: VIDEO_BATCH_SIZES,
	} satisfies IntegerChoiceOption<VideoBatchSize>,
	hd: {
		kind: 'boolean',
		description: 'Generate an HD video (costs more)',
	} satisfies BooleanOption,
} as const;

export type GenerationOptionName = keyof typeof GENERATION_OPTIONS;
export type GenerationOptionDef = (typeof GENERATION_OPTIONS)[GenerationOptionName];

/** The value type each option takes once validated. */
export interface GenerationOptionValues {
	aspect_ratio: AspectRatio;
	version: Version;
	speed: Speed;
	variety: number;
	stylization: number;
	weirdness: number;
	omni_weight: number;
	motion: Motion;
	batch_size: VideoBatchSize;
	hd: boolean;
}

/** Options of the image task types (`/imagine`, `/remix`, `/style`). */
export const IMAGE_OPTION_NAMES = [
	'aspect_ratio',
	'version',
	'speed',
	'variety',
	'stylization',
	'weirdness',
] as const satisfies readonly GenerationOptionName[];

export const VIDEO_OPTION_NAMES = [
	'motion',
	'batch_size',
	'hd',
	'aspect_ratio',
	'version',
] as const satisfies readonly GenerationOptionName[];

export const OMNI_OPTION_NAMES = [
	'omni_weight',
	'aspect_ratio',
	'version',
	'variety',
	'stylization',
	'weirdness',
] as const satisfies readonly GenerationOptionName[];

export const PROMPT_OPTION = { name: 'prompt', description: 'What to generate' } as const;
export const IMAGE_ATTACHMENT_OPTION = {
	name: 'image',
	description: 'The source image (PNG, JPEG, WebP or GIF)',
} as const;
export const IMAGE_URL_OPTION = {
	name: 'image_url',
	description: 'Or: a public http(s) link to the source image',
} as const;
