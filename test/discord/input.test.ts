import { describe, expect, it } from 'vitest';
import { PROMPT_MAX_LENGTH } from '../../src/api/spec.js';
import {
	assertNoProblems,
	validateImageSource,
	validateOptions,
	validatePrompt,
	type RawAttachment,
} from '../../src/discord/input.js';
import {
	GENERATION_OPTIONS,
	IMAGE_OPTION_NAMES,
	OMNI_OPTION_NAMES,
	VIDEO_OPTION_NAMES,
	type GenerationOptionDef,
	type GenerationOptionName,
} from '../../src/jobs/options.js';
import { checkOption } from '../../src/settings/validate.js';
import { wordIn, type Wording } from '../../src/userError.js';
import { UserError } from '../../src/userError.js';

/** Problems are worded in the reader's language when shown; these tests read them in English. */
function englishProblems(): string[] {
	const list: string[] = [];
	const push = list.push.bind(list);
	Object.defineProperty(list, 'push', {
		value: (...items: Array<string | Wording>) => push(...items.map((item) => wordIn(item, 'en'))),
	});
	return list;
}

const OPTION_ENTRIES = Object.entries(GENERATION_OPTIONS) as Array<[GenerationOptionName, GenerationOptionDef]>;
const ALL_OPTION_NAMES = OPTION_ENTRIES.map(([name]) => name);

/** Validates one option as the only one present, and returns what came back. */
function validateOne(
	name: GenerationOptionName,
	value: unknown,
): { values: Record<string, unknown>; problems: string[] } {
	const problems = englishProblems();
	const values = validateOptions([name], new Map([[name, value]]), problems) as Record<string, unknown>;
	return { values, problems };
}

/** Values that every option of the kind must accept. */
function validValues(def: GenerationOptionDef): unknown[] {
	switch (def.kind) {
		case 'string-choice':
		case 'integer-choice':
			return [...def.choices];
		case 'integer-range':
			return [def.min, def.max, Math.floor((def.min + def.max) / 2)];
		case 'boolean':
			return [true, false];
	}
}

/** Values that every option of the kind must refuse. */
function invalidValues(def: GenerationOptionDef): unknown[] {
	switch (def.kind) {
		case 'string-choice':
			return ['not-a-choice', def.choices[0]!.toUpperCase() + 'x', '', ` ${def.choices[0]!}`, 7, true, ['x'], {}];
		case 'integer-choice':
			return [
				Math.max(...def.choices) + 1,
				Math.min(...def.choices) - 1,
				3,
				def.choices[0]! + 0.5,
				String(def.choices[0]!),
				Number.NaN,
				true,
			];
		case 'integer-range':
			return [
				def.min - 1,
				def.max + 1,
				def.min + 0.5,
				String(def.min),
				Number.NaN,
				Number.POSITIVE_INFINITY,
				Number.NEGATIVE_INFINITY,
				true,
				{},
			];
		case 'boolean':
			return ['true', 'false', 1, 0, 'yes'];
	}
}

describe('validatePrompt', () => {
	it.each([[''], ['   '], ['\n\t  \n'], [undefined], [null], [42], [['a prompt']]])(
		'refuses %j as missing',
		(value) => {
			const problems = englishProblems();
			expect(validatePrompt(value, problems)).toBe('');
			expect(problems).toHaveLength(1);
			expect(problems[0]).toContain('`prompt` is required');
		},
	);

	it('returns the prompt trimmed', () => {
		const problems = englishProblems();
		expect(validatePrompt('  a lighthouse at dusk \n', problems)).toBe('a lighthouse at dusk');
		expect(problems).toEqual([]);
	});

	it('accepts exactly 2000 characters', () => {
		expect(PROMPT_MAX_LENGTH).toBe(2000);
		const problems = englishProblems();
		const prompt = 'a'.repeat(2000);
		expect(validatePrompt(prompt, problems)).toBe(prompt);
		expect(problems).toEqual([]);
	});

	it('measures the length after trimming', () => {
		const problems = englishProblems();
		validatePrompt(`  ${'a'.repeat(2000)}  `, problems);
		expect(problems).toEqual([]);
	});

	it('refuses 2001 characters, saying how much to cut', () => {
		const problems = englishProblems();
		validatePrompt('a'.repeat(2001), problems);
		expect(problems).toHaveLength(1);
		// Numbers are written the reader's way: 2,001 in English.
		expect(problems[0]).toContain('2,001');
		expect(problems[0]).toContain('2,000');
		expect(problems[0]).toMatch(/Shorten it by 1\b/);
	});

	it('says how much to cut for a much longer prompt', () => {
		const problems = englishProblems();
		validatePrompt('b'.repeat(2345), problems);
		expect(problems[0]).toMatch(/Shorten it by 345\b/);
	});

	it('adds to the problems already found', () => {
		const problems = ['earlier problem'];
		validatePrompt('', problems);
		expect(problems).toHaveLength(2);
		expect(problems[0]).toBe('earlier problem');
	});
});

describe('validateOptions: every option of the table', () => {
	it('covers every option name of every command', () => {
		for (const name of [...IMAGE_OPTION_NAMES, ...VIDEO_OPTION_NAMES, ...OMNI_OPTION_NAMES]) {
			expect(ALL_OPTION_NAMES).toContain(name);
		}
	});

	describe.each(OPTION_ENTRIES)('%s', (name, def) => {
		it.each(validValues(def).map((value) => [value]))('accepts %j', (value) => {
			const { values, problems } = validateOne(name, value);
			expect(problems).toEqual([]);
			expect(values).toEqual({ [name]: value });
			expect(checkOption(name, value)).toBeUndefined();
		});

		it.each(invalidValues(def).map((value) => [value]))('refuses %j with a message naming the option', (value) => {
			const { values, problems } = validateOne(name, value);
			expect(values).toEqual({});
			expect(problems).toHaveLength(1);
			expect(problems[0]).toContain(`\`${name}\``);
			expect(wordIn(checkOption(name, value)!, 'en')).toBe(problems[0]);
		});

		it('explains what is allowed', () => {
			const [problem] = validateOne(name, Symbol.for('wrong')).problems;
			switch (def.kind) {
				case 'string-choice':
				case 'integer-choice':
					for (const choice of def.choices) expect(problem).toContain(String(choice));
					break;
				case 'integer-range':
					expect(problem).toContain(`from ${def.min} to ${def.max}`);
					break;
				case 'boolean':
					expect(problem).toContain('true or false');
					break;
			}
		});

		it('leaves it out when absent or null', () => {
			for (const raw of [
				new Map<string, unknown>(),
				new Map<string, unknown>([[name, null]]),
				new Map<string, unknown>([[name, undefined]]),
			]) {
				const problems = englishProblems();
				expect(validateOptions([name], raw, problems)).toEqual({});
				expect(problems).toEqual([]);
			}
		});

		it('refuses it on a command that does not have it', () => {
			const others = ALL_OPTION_NAMES.filter((other) => other !== name);
			const problems = englishProblems();
			const values = validateOptions(others, new Map([[name, validValues(def)[0]]]), problems);
			expect(values).toEqual({});
			expect(problems).toEqual([`\`${name}\` is not an option of this command.`]);
		});
	});
});

describe('validateOptions: several at once', () => {
	it('keeps the valid ones and reports every invalid one', () => {
		const problems = englishProblems();
		const raw = new Map<string, unknown>([
			['prompt', 'a cat'],
			['image_url', 'https://example.com/a.png'],
			['aspect_ratio', '16:9'],
			['speed', 'warp'],
			['variety', 101],
			['stylization', 250],
			['omni_weight', 5],
			['seed', 42],
		]);
		const values = validateOptions(IMAGE_OPTION_NAMES, raw, problems);
		expect(values).toEqual({ aspect_ratio: '16:9', stylization: 250 });
		expect(problems).toHaveLength(4);
		expect(problems.join('\n')).toMatch(/`speed`[\s\S]*`variety`[\s\S]*`omni_weight`[\s\S]*`seed`/);
	});

	it('does not count prompt, image and image_url as foreign options', () => {
		const problems = englishProblems();
		const raw = new Map<string, unknown>([
			['prompt', 'a cat'],
			['image', 'attachment-id'],
			['image_url', 'https://example.com/a.png'],
		]);
		expect(validateOptions(OMNI_OPTION_NAMES, raw, problems)).toEqual({});
		expect(problems).toEqual([]);
	});

	it('refuses speed on /animate and /omni', () => {
		for (const names of [VIDEO_OPTION_NAMES, OMNI_OPTION_NAMES]) {
			const problems = englishProblems();
			expect(validateOptions(names, new Map([['speed', 'fast']]), problems)).toEqual({});
			expect(problems).toEqual(['`speed` is not an option of this command.']);
		}
	});
});

describe('validateImageSource', () => {
	const attachment = (overrides: Partial<RawAttachment> = {}): RawAttachment => ({
		url: 'https://cdn.discordapp.com/attachments/1/2/cat.png',
		name: 'cat.png',
		contentType: 'image/png',
		size: 1234,
		...overrides,
	});

	function check(source: RawAttachment | undefined, url: unknown): { result: string; problems: string[] } {
		const problems = englishProblems();
		const result = validateImageSource(source, url, problems);
		return { result, problems };
	}

	it.each(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'IMAGE/PNG', 'image/jpeg; charset=binary'])(
		'accepts an attachment of type %s and returns its URL',
		(contentType) => {
			expect(check(attachment({ contentType }), undefined)).toEqual({
				result: 'https://cdn.discordapp.com/attachments/1/2/cat.png',
				problems: [],
			});
		},
	);

	it.each(['text/plain', 'application/pdf', 'image/svg+xml', 'video/mp4', 'image/heic'])(
		'refuses an attachment of type %s, naming the file',
		(contentType) => {
			const { result, problems } = check(attachment({ name: 'notes.txt', contentType }), undefined);
			expect(result).toBe('');
			expect(problems).toHaveLength(1);
			expect(problems[0]).toContain('`notes.txt`');
			expect(problems[0]).toContain(contentType);
			expect(problems[0]).toMatch(/PNG, JPEG, WebP or GIF/);
		},
	);

	it('trusts the content type over the file name', () => {
		expect(check(attachment({ name: 'cat.png', contentType: 'text/html' }), undefined).problems).toHaveLength(1);
		expect(check(attachment({ name: 'cat', contentType: 'image/webp' }), undefined).problems).toEqual([]);
	});

	it.each(['cat.png', 'cat.JPG', 'cat.jpeg', 'cat.webp', 'cat.gif'])(
		'without a content type, accepts the image extension of %s',
		(name) => {
			expect(check(attachment({ name, contentType: null }), undefined).problems).toEqual([]);
		},
	);

	it.each(['notes.txt', 'cat.png.exe', 'png', 'cat'])('without a content type, refuses %s', (name) => {
		const { result, problems } = check(attachment({ name, contentType: null }), undefined);
		expect(result).toBe('');
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain(`\`${name}\``);
		expect(problems[0]).toContain('unknown type');
	});

	it.each(['https://example.com/a.png', 'http://example.com/a', 'HTTPS://EXAMPLE.COM/a.jpg?size=large#x'])(
		'accepts the http(s) URL %s',
		(url) => {
			expect(check(undefined, url)).toEqual({ result: url, problems: [] });
		},
	);

	it('trims the URL', () => {
		expect(check(undefined, '  https://example.com/a.png \n')).toEqual({
			result: 'https://example.com/a.png',
			problems: [],
		});
	});

	it.each([
		'ftp://example.com/a.png',
		'ws://example.com/a.png',
		'file://fileserver/share/a.png',
		'gopher://example.com/a.png',
		'javascript:alert(1)',
		'file:///etc/passwd',
		'data:image/png;base64,AAAA',
		'example.com/a.png',
		'https://',
		'not a url',
	])('refuses %s', (url) => {
		const { result, problems } = check(undefined, url);
		expect(result).toBe('');
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain('`image_url`');
		expect(problems[0]).toContain('http(s)');
	});

	it('shortens a very long refused URL in the message', () => {
		const { problems } = check(undefined, `ftp://example.com/${'a'.repeat(5000)}`);
		expect(problems[0]!.length).toBeLessThan(400);
		expect(problems[0]).toContain('…');
	});

	it('refuses both an attachment and a URL', () => {
		const { result, problems } = check(attachment(), 'https://example.com/a.png');
		expect(result).toBe('');
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain('`image`');
		expect(problems[0]).toContain('`image_url`');
		expect(problems[0]).toContain('not both');
	});

	it.each([[undefined], [''], ['   '], [null], [42]])('refuses no image at all (url %j)', (url) => {
		const { result, problems } = check(undefined, url);
		expect(result).toBe('');
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain('needs a source image');
	});

	it('takes an attachment alongside a blank URL', () => {
		expect(check(attachment(), '  ').problems).toEqual([]);
	});
});

describe('assertNoProblems', () => {
	it('does nothing without problems', () => {
		expect(() => assertNoProblems([])).not.toThrow();
	});

	it('throws one UserError for one problem', () => {
		expect(() => assertNoProblems(['`speed` is wrong.'])).toThrow(
			new UserError('invalid-input', 'Nothing was submitted.\n`speed` is wrong.'),
		);
	});

	it('throws one UserError listing every problem found across prompt, options and image', () => {
		const problems = englishProblems();
		validatePrompt('  ', problems);
		validateOptions(
			IMAGE_OPTION_NAMES,
			new Map<string, unknown>([
				['variety', 500],
				['version', '8'],
			]),
			problems,
		);
		validateImageSource(undefined, 'ftp://example.com/a.png', problems);
		expect(problems).toHaveLength(4);
		let thrown: unknown;
		try {
			assertNoProblems(problems);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(UserError);
		expect((thrown as UserError).code).toBe('invalid-input');
		const message = (thrown as UserError).message;
		expect(message.startsWith('Nothing was submitted.\n')).toBe(true);
		const lines = message.split('\n').slice(1);
		expect(lines).toEqual(problems.map((problem) => `• ${problem}`));
	});
});
