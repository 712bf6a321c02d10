import { describe, expect, it } from 'vitest';
import { GENERATION_OPTIONS, type GenerationOptionName } from '../../src/jobs/options.js';
import { sanitizeServerSettings } from '../../src/settings/store.js';
import { emptyServerSettings, type ServerSettings } from '../../src/settings/types.js';
import {
	GENERATION_OPTION_NAMES,
	checkDefaults,
	checkLimit,
	checkServerEmoji,
	checkWatermark,
	crossCheck,
	effectiveEmoji,
	normalizeEmojiInput,
	parsePickEmoji,
	parseSpeeds,
	parseTaskTypes,
} from '../../src/settings/validate.js';
import { wordIn, type Wording } from '../../src/userError.js';

/** Problems are worded in the reader's language when shown; these tests read them in English. */
function englishProblems(): string[] {
	const list: string[] = [];
	const push = list.push.bind(list);
	Object.defineProperty(list, 'push', {
		value: (...items: Wording[]) => push(...items.map((item) => wordIn(item, 'en'))),
	});
	return list;
}

const inEnglish = (problems: readonly Wording[]): string[] => problems.map((problem) => wordIn(problem, 'en'));

function server(changes: Partial<ServerSettings> = {}): ServerSettings {
	return { ...emptyServerSettings(), ...changes };
}

/** One valid and one invalid value for each option, derived from the option table itself. */
function samples(name: GenerationOptionName): { valid: unknown; invalid: unknown } {
	const def = GENERATION_OPTIONS[name];
	switch (def.kind) {
		case 'string-choice':
			return { valid: def.choices[0], invalid: 'nope' };
		case 'integer-choice':
			return { valid: def.choices[0], invalid: 3 };
		case 'integer-range':
			return { valid: def.max, invalid: def.max + 1 };
		case 'boolean':
			return { valid: true, invalid: 'yes' };
	}
}

describe('checkDefaults: the same option table as the commands', () => {
	it.each(GENERATION_OPTION_NAMES)('accepts a valid %s and refuses an invalid one', (name) => {
		const { valid, invalid } = samples(name);
		const problems = englishProblems();
		expect(checkDefaults(new Map([[name, valid]]), problems)).toEqual({ [name]: valid });
		expect(problems).toEqual([]);
		expect(checkDefaults(new Map([[name, invalid]]), problems)).toEqual({});
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain(`\`${name}\``);
	});

	it('covers every generation option', () => {
		expect(GENERATION_OPTION_NAMES.sort()).toEqual(Object.keys(GENERATION_OPTIONS).sort());
	});
});

describe('parseTaskTypes', () => {
	it('reads command names and task types, in any case and separator', () => {
		expect(parseTaskTypes('Imagine; animate_hd  mj_img2img', [])).toEqual(['mj_txt2img', 'mj_img2img', 'mj_video_hd']);
		expect(parseTaskTypes('all', [])).toBe('all');
		expect(parseTaskTypes('none', [])).toEqual([]);
	});

	it('refuses unknown names and an empty list', () => {
		const problems = englishProblems();
		expect(parseTaskTypes('imagine, paint', problems)).toBeUndefined();
		expect(parseTaskTypes(' , ', problems)).toBeUndefined();
		expect(problems[0]).toContain('not a command: `paint`');
		expect(problems).toHaveLength(2);
	});
});

describe('parseSpeeds', () => {
	it('reads speeds in the API’s order', () => {
		expect(parseSpeeds('turbo,relaxed', [])).toEqual(['relaxed', 'turbo']);
		expect(parseSpeeds('ALL', [])).toBe('all');
	});

	it('refuses unknown speeds and an empty list', () => {
		const problems = englishProblems();
		expect(parseSpeeds('relaxed, ludicrous', problems)).toBeUndefined();
		expect(parseSpeeds('', problems)).toBeUndefined();
		expect(problems[0]).toContain('not a speed: `ludicrous`');
		expect(problems[1]).toContain('allowed_commands');
	});
});

describe('watermark and limits', () => {
	it('takes a one-line watermark of up to 64 characters', () => {
		expect(checkWatermark('  acme  ', [])).toBe('acme');
		const problems = englishProblems();
		for (const bad of ['', 'a'.repeat(65), 'two\nlines', 42]) expect(checkWatermark(bad, problems)).toBeUndefined();
		expect(problems).toHaveLength(4);
	});

	it('takes whole numbers within each limit’s range', () => {
		expect(checkLimit('member_running_limit', 50, [])).toBe(50);
		const problems = englishProblems();
		expect(checkLimit('member_running_limit', 51, problems)).toBeUndefined();
		expect(checkLimit('member_daily_limit', 0, problems)).toBeUndefined();
		expect(checkLimit('server_daily_limit', 1.5, problems)).toBeUndefined();
		expect(problems[0]).toBe(
			'`member_running_limit` must be a whole number from 1 to 50 (got `51`); to remove the limit, use `/server-settings reset member_running_limit`.',
		);
	});
});

describe('emoji', () => {
	it('takes standard emoji (with or without the variation selector) and custom ones', () => {
		expect(normalizeEmojiInput('🔄')).toBe('🔄');
		expect(normalizeEmojiInput('✉')).toBe('✉️');
		expect(normalizeEmojiInput('<:paint:123456789012345678>')).toBe('<:paint:123456789012345678>');
		expect(normalizeEmojiInput('<a:spin:123456789012345678>')).toBe('<a:spin:123456789012345678>');
		for (const bad of ['a', '🔄🔄', ':paint:', '<:x:1>']) expect(normalizeEmojiInput(bad)).toBeUndefined();
	});

	it('takes a custom emoji only when it is the server’s own', () => {
		const own = new Set(['123456789012345678']);
		expect(checkServerEmoji({ reroll: '<:spin:123456789012345678>', delete: '🗑️' }, own)).toEqual([]);
		const problems = inEnglish(
			checkServerEmoji(
				{ reroll: '<a:spin:223456789012345678>', pick: ['1️⃣', '<:two:323456789012345678>', '3️⃣', '4️⃣'] },
				own,
			),
		);
		expect(problems).toHaveLength(2);
		expect(problems[0]).toContain('`pick`: <:two:323456789012345678> is not one of this server’s emoji');
		expect(problems[1]).toContain('`reroll`: <a:spin:223456789012345678>');
	});

	it('takes exactly four emoji for the picks', () => {
		expect(parsePickEmoji('🅰️ 🅱️ 🆎 🆑', [])).toEqual(['🅰️', '🅱️', '🆎', '🆑']);
		const problems = englishProblems();
		expect(parsePickEmoji('🅰️ 🅱️ 🆎', problems)).toBeUndefined();
		expect(parsePickEmoji('a b c d', problems)).toBeUndefined();
		expect(problems).toHaveLength(2);
	});

	it('defaults to DESIGN.md’s emoji, overridden one by one', () => {
		expect(effectiveEmoji(server({ emoji: { reroll: '🔄' } }))).toEqual({
			pick: ['1️⃣', '2️⃣', '3️⃣', '4️⃣'],
			remix: '🎨',
			animate: '🎬',
			reroll: '🔄',
			delete: '❌',
			dm: '✉️',
			vary: '🔀',
			upscale: '⬆️',
			extend: '⏩',
		});
	});
});

describe('crossCheck', () => {
	it('accepts consistent settings', () => {
		expect(crossCheck(server({ defaults: { speed: 'fast', hd: true }, allowedSpeeds: ['fast'] }))).toEqual([]);
	});

	it('refuses a default speed the rules forbid, a default HD that is not allowed, and one emoji for two actions', () => {
		const problems = inEnglish(
			crossCheck(
				server({
					defaults: { speed: 'turbo', hd: true },
					allowedSpeeds: ['relaxed'],
					allowedTaskTypes: ['mj_video'],
					emoji: { dm: '🎨' },
				}),
			),
		);
		expect(problems).toHaveLength(3);
		expect(problems[0]).toContain('default speed `turbo`');
		expect(problems[1]).toContain('`animate_hd`');
		expect(problems[2]).toContain('🎨 would stand for two actions');
	});

	it('treats an emoji with and without its variation selector as the same', () => {
		expect(crossCheck(server({ emoji: { remix: '✉' } }))).toHaveLength(1);
	});
});

describe('sanitizeServerSettings', () => {
	it('drops what the option table and the API no longer accept', () => {
		expect(
			sanitizeServerSettings({
				defaults: { version: '4', speed: 'fast', variety: 500 },
				allowedTaskTypes: ['mj_txt2img', 'mj_upscale'],
				allowedSpeeds: ['warp'],
				channels: ['1', 2],
				limits: { memberDaily: 5, other: 1 },
				watermark: '',
			}),
		).toEqual({
			defaults: { speed: 'fast' },
			allowedTaskTypes: ['mj_txt2img'],
			channels: ['1'],
			limits: { memberDaily: 5 },
			emoji: {},
		});
		expect(sanitizeServerSettings(undefined)).toEqual(emptyServerSettings());
	});
});
