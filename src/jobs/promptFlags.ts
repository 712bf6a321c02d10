/**
 * Midjourney's own parameters typed into a prompt (`a cat --ar 16:9 --v 6.1`), as members used to its Discord bot
 * do. The API takes parameters as separate fields: sent as prompt text they are wasted words at best, refused after
 * the member's turn in the queue at worst. This module finds them, maps those the API supports onto the commands'
 * options, and names the rest, so the member can confirm before anything is submitted. Pure: no Discord, no I/O.
 */
import {
	ASPECT_RATIOS,
	INTEGER_RANGES,
	VERSIONS,
	VIDEO_BATCH_SIZES,
	type AspectRatio,
	type IntegerRange,
	type Version,
	type VideoBatchSize,
} from '../api/spec.js';
import type { GenerationOptionName, GenerationOptionValues } from './options.js';

export type FlagOptions = Partial<GenerationOptionValues>;

/** A flag that became an option, e.g. `--ar 16:9` → `aspect_ratio: 16:9`. */
export interface AppliedFlag {
	/** As typed, with its value: `--ar 16:9`. */
	readonly text: string;
	readonly option: GenerationOptionName;
	readonly value: GenerationOptionValues[GenerationOptionName];
}

/** A flag whose option was also given explicitly, with another value: the explicit one is sent. */
export interface OverriddenFlag extends AppliedFlag {
	readonly explicit: GenerationOptionValues[GenerationOptionName];
}

/**
 * A flag removed without effect: `api`, the API has no such parameter (`--tile`, `--no …`); `command`, the API has it
 * but not for this command (`--motion` in `/imagine`); `unknown`, not a Midjourney parameter the bot knows.
 */
export interface UnsupportedFlag {
	readonly text: string;
	readonly flag: string;
	readonly reason: 'api' | 'command' | 'unknown';
}

/** A supported flag with a value the API would refuse (`--ar 16:x`, `--s 5000`), or given twice; removed. */
export interface InvalidFlag {
	readonly text: string;
	readonly flag: string;
	readonly option: GenerationOptionName;
	readonly problem: 'missing' | 'not-allowed' | 'duplicate';
}

export interface PromptCheck {
	/** The prompt with every flag (and leading image link) removed: what would be sent. */
	readonly prompt: string;
	/** The options the flags give, explicit options excluded: to merge under the explicit ones. */
	readonly options: FlagOptions;
	readonly applied: readonly AppliedFlag[];
	readonly overridden: readonly OverriddenFlag[];
	readonly unsupported: readonly UnsupportedFlag[];
	readonly invalid: readonly InvalidFlag[];
	/** Links at the start of the prompt: Midjourney's image prompts. */
	readonly leadingImageUrls: readonly string[];
	/** Nothing is left to describe the image once flags and links are removed. */
	readonly empty: boolean;
	/** Anything was found: only then does the member need to confirm what will be sent. */
	readonly changed: boolean;
}

type Parsed<Value> = { ok: true; value: Value } | { ok: false };

/** How a flag's value is read; `arity` is how many words after the flag belong to it. */
type FlagSpec =
	| { kind: 'option'; option: GenerationOptionName; arity: 0 | 1; parse: (value: string) => Parsed<unknown> }
	| { kind: 'unsupported'; arity: 0 | 1 | 'many' };

const ok = <Value>(value: Value): Parsed<Value> => ({ ok: true, value });
const NOT_OK = { ok: false } as const;

function parseAspectRatio(value: string): Parsed<AspectRatio> {
	const match = /^(\d{1,5}):(\d{1,5})$/.exec(value);
	if (!match) return NOT_OK;
	const [width, height] = [Number(match[1]), Number(match[2])];
	if (width === 0 || height === 0) return NOT_OK;
	// 32:18 is 16:9: Midjourney reduces ratios, so members may type either.
	const divisor = gcd(width, height);
	const reduced = `${width / divisor}:${height / divisor}`;
	return (ASPECT_RATIOS as readonly string[]).includes(reduced) ? ok(reduced as AspectRatio) : NOT_OK;
}

function gcd(a: number, b: number): number {
	return b === 0 ? a : gcd(b, a % b);
}

function parseVersion(value: string): Parsed<Version> {
	// `6.0` is `6`; Midjourney accepts both.
	const normalized = value.replace(/\.0$/, '');
	return (VERSIONS as readonly string[]).includes(normalized) ? ok(normalized as Version) : NOT_OK;
}

function parseNiji(value: string): Parsed<Version> {
	const version = `niji${value}`;
	return (VERSIONS as readonly string[]).includes(version) ? ok(version as Version) : NOT_OK;
}

function parseInteger(range: IntegerRange): (value: string) => Parsed<number> {
	return (value) => {
		if (!/^\d{1,6}$/.test(value)) return NOT_OK;
		const number = Number(value);
		return number >= range.min && number <= range.max ? ok(number) : NOT_OK;
	};
}

function parseBatchSize(value: string): Parsed<VideoBatchSize> {
	const number = Number(value);
	return (VIDEO_BATCH_SIZES as readonly number[]).includes(number) ? ok(number as VideoBatchSize) : NOT_OK;
}

const option = (name: GenerationOptionName, parse: (value: string) => Parsed<unknown>, arity: 0 | 1 = 1): FlagSpec => ({
	kind: 'option',
	option: name,
	arity,
	parse,
});
const constant = (name: GenerationOptionName, value: unknown): FlagSpec => option(name, () => ok(value), 0);
const unsupported = (arity: 0 | 1 | 'many'): FlagSpec => ({ kind: 'unsupported', arity });

/** Midjourney's parameters, by every name it accepts. */
const FLAGS: Readonly<Record<string, FlagSpec>> = {
	ar: option('aspect_ratio', parseAspectRatio),
	aspect: option('aspect_ratio', parseAspectRatio),
	v: option('version', parseVersion),
	version: option('version', parseVersion),
	s: option('stylization', parseInteger(INTEGER_RANGES.stylization)),
	stylize: option('stylization', parseInteger(INTEGER_RANGES.stylization)),
	w: option('weirdness', parseInteger(INTEGER_RANGES.weirdness)),
	weird: option('weirdness', parseInteger(INTEGER_RANGES.weirdness)),
	c: option('variety', parseInteger(INTEGER_RANGES.variety)),
	chaos: option('variety', parseInteger(INTEGER_RANGES.variety)),
	ow: option('omni_weight', parseInteger(INTEGER_RANGES.omniWeight)),
	motion: option('motion', (value) => (value === 'low' || value === 'high' ? ok(value) : NOT_OK)),
	bs: option('batch_size', parseBatchSize),
	fast: constant('speed', 'fast'),
	relax: constant('speed', 'relaxed'),
	turbo: constant('speed', 'turbo'),
	hd: constant('hd', true),
	// Value-less flags and flags with one value the API has no field for.
	raw: unsupported(0),
	tile: unsupported(0),
	video: unsupported(0),
	loop: unsupported(0),
	draft: unsupported(0),
	public: unsupported(0),
	stealth: unsupported(0),
	seed: unsupported(1),
	sameseed: unsupported(1),
	q: unsupported(1),
	quality: unsupported(1),
	stop: unsupported(1),
	iw: unsupported(1),
	sw: unsupported(1),
	sv: unsupported(1),
	cw: unsupported(1),
	exp: unsupported(1),
	style: unsupported(1),
	r: unsupported(1),
	repeat: unsupported(1),
	// Flags followed by a list (words, links or codes) up to the next flag.
	no: unsupported('many'),
	sref: unsupported('many'),
	oref: unsupported('many'),
	cref: unsupported('many'),
	p: unsupported('many'),
	profile: unsupported('many'),
	personalize: unsupported('many'),
	end: unsupported('many'),
};

/** `--ar`, and the `—ar` or `–ar` a phone makes of the two hyphens. */
const FLAG_TOKEN = /^(?:--|\u2014|\u2013)([a-z]+)$/i;
/** What an unknown flag's value can look like, so a prompt word after it is not taken for one. */
const VALUE_LIKE = /^(?:\d+(?:[.:]\d+)?|https?:\/\/\S+)$/i;
const URL_TOKEN = /^<?(https?:\/\/\S+?)>?$/i;

interface Token {
	readonly text: string;
	readonly start: number;
	readonly end: number;
}

function tokenize(prompt: string): Token[] {
	return Array.from(prompt.matchAll(/\S+/g), (match) => ({
		text: match[0],
		start: match.index,
		end: match.index + match[0].length,
	}));
}

function flagName(token: Token | undefined): string | undefined {
	return token ? FLAG_TOKEN.exec(token.text)?.[1]?.toLowerCase() : undefined;
}

/** How many tokens after the flag at `index` are its value. */
function valueLength(tokens: readonly Token[], index: number, spec: FlagSpec | undefined): number {
	const next = tokens[index + 1];
	if (next === undefined || flagName(next) !== undefined) return 0;
	if (spec === undefined) return VALUE_LIKE.test(next.text) ? 1 : 0;
	if (flagName(tokens[index]) === 'niji') return /^\d+$/.test(next.text) ? 1 : 0;
	const arity = spec.arity;
	if (arity !== 'many') return arity;
	let length = 0;
	while (tokens[index + 1 + length] !== undefined && flagName(tokens[index + 1 + length]) === undefined) length += 1;
	return length;
}

/**
 * Reads the flags in `prompt`. `explicit`: the options the member chose in the command, which win over flags.
 * `accepts`: the options the command takes; a flag for another is named unsupported for this command.
 */
export function checkPrompt(
	prompt: string,
	explicit: FlagOptions,
	accepts: readonly GenerationOptionName[],
): PromptCheck {
	const tokens = tokenize(prompt);
	const removed: Array<[number, number]> = [];
	const result = emptyResult();
	const leading = leadingUrls(tokens);
	for (const token of leading) removed.push([token.start, token.end]);
	for (let index = leading.length; index < tokens.length; index += 1) {
		const name = flagName(tokens[index]);
		if (name === undefined) continue;
		const spec = name === 'niji' ? NIJI : FLAGS[name];
		const length = valueLength(tokens, index, spec);
		const first = tokens[index]!;
		const last = tokens[index + length]!;
		const text = prompt.slice(first.start, last.end);
		const value = length === 1 ? tokens[index + 1]!.text : '';
		removed.push([first.start, last.end]);
		readFlag(result, { name, spec, text, value, hasValue: length > 0 }, explicit, accepts);
		index += length;
	}
	const cleaned = removeSpans(prompt, removed);
	return {
		...result,
		options: result.options as FlagOptions,
		prompt: cleaned,
		leadingImageUrls: leading.map((token) => URL_TOKEN.exec(token.text)?.[1] ?? token.text),
		empty: cleaned === '',
		changed: removed.length > 0,
	};
}

/** `--niji` alone is the latest Niji model; `--niji 6` a given one. */
const NIJI: FlagSpec = {
	kind: 'option',
	option: 'version',
	arity: 1,
	parse: (value) => (value === '' ? ok(latestNiji()) : parseNiji(value)),
};

function latestNiji(): Version {
	return VERSIONS.find((version) => version.startsWith('niji')) ?? 'niji6';
}

interface Accumulator {
	options: Record<string, unknown>;
	applied: AppliedFlag[];
	overridden: OverriddenFlag[];
	unsupported: UnsupportedFlag[];
	invalid: InvalidFlag[];
}

function emptyResult(): Accumulator {
	return { options: {}, applied: [], overridden: [], unsupported: [], invalid: [] };
}

interface FoundFlag {
	readonly name: string;
	readonly spec: FlagSpec | undefined;
	readonly text: string;
	readonly value: string;
	readonly hasValue: boolean;
}

function readFlag(
	result: Accumulator,
	found: FoundFlag,
	explicit: FlagOptions,
	accepts: readonly GenerationOptionName[],
): void {
	const { name, spec, text } = found;
	const flag = `--${name}`;
	if (spec === undefined || spec.kind === 'unsupported') {
		result.unsupported.push({ text, flag, reason: spec === undefined ? 'unknown' : 'api' });
		return;
	}
	const { option } = spec;
	if (!accepts.includes(option)) {
		result.unsupported.push({ text, flag, reason: 'command' });
		return;
	}
	if (spec.arity === 1 && !found.hasValue && name !== 'niji') {
		result.invalid.push({ text, flag, option, problem: 'missing' });
		return;
	}
	const parsed = spec.parse(found.value);
	if (!parsed.ok) {
		result.invalid.push({ text, flag, option, problem: 'not-allowed' });
		return;
	}
	const value = parsed.value as GenerationOptionValues[GenerationOptionName];
	if ([...result.applied, ...result.overridden].some((entry) => entry.option === option)) {
		result.invalid.push({ text, flag, option, problem: 'duplicate' });
		return;
	}
	const chosen = explicit[option];
	if (chosen !== undefined && chosen !== value) {
		result.overridden.push({ text, option, value, explicit: chosen });
		return;
	}
	result.applied.push({ text, option, value });
	if (chosen === undefined) result.options[option] = value;
}

/** The links a prompt starts with (Midjourney's image prompts), in order. */
function leadingUrls(tokens: readonly Token[]): Token[] {
	const urls: Token[] = [];
	for (const token of tokens) {
		if (!URL_TOKEN.test(token.text)) break;
		urls.push(token);
	}
	return urls;
}

/** The prompt without the given spans, with the spaces they leave collapsed; line breaks the member typed stay. */
function removeSpans(prompt: string, spans: ReadonlyArray<readonly [number, number]>): string {
	if (spans.length === 0) return prompt.trim();
	const sorted = [...spans].sort((a, b) => a[0] - b[0]);
	let kept = '';
	let at = 0;
	for (const [start, end] of sorted) {
		kept += prompt.slice(at, start);
		at = end;
	}
	kept += prompt.slice(at);
	return kept
		.split('\n')
		.map((line) => line.replace(/[^\S\n]{2,}/g, ' ').trim())
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
