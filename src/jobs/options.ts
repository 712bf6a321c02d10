/**
 * The generation parameters a job can carry, in the API's vocabulary (`api/spec.ts`): each one's allowed values or
 * range, and which task kinds take which. How they are offered in Discord (descriptions, labels) lives in
 * `discord/slashOptions.ts`; this table stays free of it so settings and requests can share it.
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

export interface StringChoiceOption<T extends string> {
	readonly kind: 'string-choice';
	readonly choices: readonly T[];
}

export interface IntegerChoiceOption<T extends number> {
	readonly kind: 'integer-choice';
	readonly choices: readonly T[];
}

export interface IntegerRangeOption {
	readonly kind: 'integer-range';
	readonly min: number;
	readonly max: number;
}

export interface BooleanOption {
	readonly kind: 'boolean';
}

export const GENERATION_OPTIONS = {
	aspect_ratio: {
		kind: 'string-choice',
		choices: ASPECT_RATIOS,
	} satisfies StringChoiceOption<AspectRatio>,
	version: {
		kind: 'string-choice',
		choices: VERSIONS,
	} satisfies StringChoiceOption<Version>,
	speed: {
		kind: 'string-choice',
		choices: SPEEDS,
	} satisfies StringChoiceOption<Speed>,
	variety: {
		kind: 'integer-range',
		...INTEGER_RANGES.variety,
	} satisfies IntegerRangeOption,
	stylization: {
		kind: 'integer-range',
		...INTEGER_RANGES.stylization,
	} satisfies IntegerRangeOption,
	weirdness: {
		kind: 'integer-range',
		...INTEGER_RANGES.weirdness,
	} satisfies IntegerRangeOption,
	omni_weight: {
		kind: 'integer-range',
		...INTEGER_RANGES.omniWeight,
	} satisfies IntegerRangeOption,
	motion: {
		kind: 'string-choice',
		choices: MOTIONS,
	} satisfies StringChoiceOption<Motion>,
	batch_size: {
		kind: 'integer-choice',
		choices: VIDEO_BATCH_SIZES,
	} satisfies IntegerChoiceOption<VideoBatchSize>,
	hd: {
		kind: 'boolean',
	} satisfies BooleanOption,
	/** The provider's `enableTranslation`: a member's or a server's choice, never a command's option. */
	translate_prompt: {
		kind: 'boolean',
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
	translate_prompt: boolean;
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

/** Options every prompt-taking job resolves from the member's and the server's settings, with no slash option. */
export const PROMPT_SETTING_NAMES = ['translate_prompt'] as const satisfies readonly GenerationOptionName[];
