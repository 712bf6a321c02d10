/**
 * Effective parameters: the command's option, else the member's `/settings`, else the server's defaults, else the
 * API's default. Pure functions, so the precedence is tested on its own.
 */
import { SPEEDS, type Speed } from '../api/spec.js';
import type { GenerationOptionName, GenerationOptionValues } from '../jobs/options.js';
import type { OptionDefaults, ServerSettings, ValueSource } from './types.js';

export interface EffectiveOptions {
	values: OptionDefaults;
	/** Where each option's value came from; `api` for options left to the API. */
	sources: Partial<Record<GenerationOptionName, ValueSource>>;
}

/** Resolves the named options; an option not in `names` is left out whatever its source. */
export function resolveEffective(
	names: readonly GenerationOptionName[],
	explicit: OptionDefaults,
	member: OptionDefaults,
	server: ServerSettings,
): EffectiveOptions {
	const values: Partial<Record<GenerationOptionName, GenerationOptionValues[GenerationOptionName]>> = {};
	const sources: Partial<Record<GenerationOptionName, ValueSource>> = {};
	const layers: Array<[ValueSource, OptionDefaults]> = [
		['option', explicit],
		['member', member],
		['server', server.defaults],
	];
	for (const name of names) {
		sources[name] = 'api';
		for (const [source, layer] of layers) {
			const value = layer[name];
			if (value === undefined) continue;
			values[name] = value;
			sources[name] = source;
			break;
		}
	}
	if (names.includes('speed') && values.speed === undefined) {
		const speed = implicitSpeed(server);
		if (speed) {
			values.speed = speed;
			sources.speed = 'rule';
		}
	}
	return { values: values as OptionDefaults, sources };
}

/**
 * The speed to send when nobody chose one but the server restricts speeds: the API's own default is not
 * documented, so leaving the choice to it could break the rule. The slowest allowed speed costs least.
 */
export function implicitSpeed(server: ServerSettings): Speed | undefined {
	const allowed = server.allowedSpeeds;
	if (!allowed || SPEEDS.every((speed) => allowed.includes(speed))) return undefined;
	return SPEEDS.find((speed) => allowed.includes(speed));
}

/** What the API does with an option nobody set, for `/settings show`. */
export const API_DEFAULT_LABELS: Partial<Record<GenerationOptionName, string>> = {
	version: 'the latest model',
	motion: '`high` (the API requires a motion; the bot sends high)',
	batch_size: '`1`',
	hd: '`false`',
	translate_prompt: '`false`',
};
