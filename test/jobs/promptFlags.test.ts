import { describe, expect, it } from 'vitest';
import { IMAGE_OPTION_NAMES, OMNI_OPTION_NAMES, VIDEO_OPTION_NAMES } from '../../src/jobs/options.js';
import { checkPrompt, type FlagOptions } from '../../src/jobs/promptFlags.js';

const image = (prompt: string, explicit: FlagOptions = {}) => checkPrompt(prompt, explicit, IMAGE_OPTION_NAMES);

describe('checkPrompt: flags the API supports become options', () => {
	it.each([
		['a cat --ar 16:9', { aspect_ratio: '16:9' }],
		['a cat --aspect 2:3', { aspect_ratio: '2:3' }],
		['a cat --ar 32:18', { aspect_ratio: '16:9' }],
		['a cat --v 6.1', { version: '6.1' }],
		['a cat --version 7', { version: '7' }],
		['a cat --v 6.0', { version: '6' }],
		['a cat --niji', { version: 'niji7' }],
		['a cat --niji 6', { version: 'niji6' }],
		['a cat --s 400', { stylization: 400 }],
		['a cat --stylize 0', { stylization: 0 }],
		['a cat --weird 3000', { weirdness: 3000 }],
		['a cat --w 10', { weirdness: 10 }],
		['a cat --chaos 50', { variety: 50 }],
		['a cat --c 100', { variety: 100 }],
		['a cat --fast', { speed: 'fast' }],
		['a cat --relax', { speed: 'relaxed' }],
		['a cat --turbo', { speed: 'turbo' }],
		['a cat —ar 16:9', { aspect_ratio: '16:9' }],
		['a cat –v 7', { version: '7' }],
		['a cat --AR 1:1', { aspect_ratio: '1:1' }],
		[
			'a cat --ar 16:9 --v 6.1 --s 250 --c 20 --w 5 --turbo',
			{
				aspect_ratio: '16:9',
				version: '6.1',
				stylization: 250,
				variety: 20,
				weirdness: 5,
				speed: 'turbo',
			},
		],
	])('%s', (prompt, options) => {
		const check = image(prompt);
		expect(check.options).toEqual(options);
		expect(check.prompt).toBe('a cat');
		expect(check.unsupported).toEqual([]);
		expect(check.invalid).toEqual([]);
		expect(check.changed).toBe(true);
	});

	it.each([
		['--motion low', VIDEO_OPTION_NAMES, { motion: 'low' }],
		['--bs 4', VIDEO_OPTION_NAMES, { batch_size: 4 }],
		['--hd', VIDEO_OPTION_NAMES, { hd: true }],
		['--ow 250', OMNI_OPTION_NAMES, { omni_weight: 250 }],
	] as const)('%s for the commands that take it', (flags, accepts, options) => {
		expect(checkPrompt(`waves ${flags}`, {}, accepts)).toMatchObject({ prompt: 'waves', options, unsupported: [] });
	});
});

describe('checkPrompt: what is named and removed', () => {
	it.each([
		['a cat --tile', '--tile', 'api'],
		['a cat --raw', '--raw', 'api'],
		['a cat --no text, people', '--no', 'api'],
		['a cat --seed 1234', '--seed', 'api'],
		['a cat --q 2', '--q', 'api'],
		['a cat --stop 50', '--stop', 'api'],
		['a cat --iw 2', '--iw', 'api'],
		['a cat --sw 100', '--sw', 'api'],
		['a cat --sv 4', '--sv', 'api'],
		['a cat --cw 50', '--cw', 'api'],
		['a cat --sref https://x.test/a.png 123456', '--sref', 'api'],
		['a cat --oref https://x.test/a.png', '--oref', 'api'],
		['a cat --cref https://x.test/a.png', '--cref', 'api'],
		['a cat --video', '--video', 'api'],
		['a cat --loop', '--loop', 'api'],
		['a cat --draft', '--draft', 'api'],
		['a cat --style raw', '--style', 'api'],
		['a cat --motion high', '--motion', 'command'],
		['a cat --bs 2', '--bs', 'command'],
		['a cat --hd', '--hd', 'command'],
		['a cat --ow 100', '--ow', 'command'],
		['a cat --frobnicate 3', '--frobnicate', 'unknown'],
	])('%s', (prompt, flag, reason) => {
		const check = image(prompt);
		expect(check.prompt).toBe('a cat');
		expect(check.unsupported).toEqual([{ text: prompt.slice('a cat '.length), flag, reason }]);
		expect(check.options).toEqual({});
	});

	it('keeps the words after an unknown flag that are not a value', () => {
		expect(image('a cat --frobnicate on a mat')).toMatchObject({ prompt: 'a cat on a mat' });
	});

	it.each([
		['a cat --ar 16:x', 'not-allowed'],
		['a cat --ar 7:3', 'not-allowed'],
		['a cat --ar 0:1', 'not-allowed'],
		['a cat --v 4', 'not-allowed'],
		['a cat --niji 4', 'not-allowed'],
		['a cat --s 5000', 'not-allowed'],
		['a cat --c -1', 'not-allowed'],
		['a cat --chaos 1.5', 'not-allowed'],
		['a cat --ar', 'missing'],
		['a cat --ar --v 7', 'missing'],
	])('%s: an invalid value', (prompt, problem) => {
		const check = image(prompt);
		expect(check.invalid).toMatchObject([{ problem }]);
		expect(check.options).not.toHaveProperty('aspect_ratio', expect.anything());
	});

	it('takes the first of a repeated option and names the second', () => {
		const check = image('a cat --ar 1:1 --aspect 16:9');
		expect(check.options).toEqual({ aspect_ratio: '1:1' });
		expect(check.invalid).toEqual([
			{ text: '--aspect 16:9', flag: '--aspect', option: 'aspect_ratio', problem: 'duplicate' },
		]);
	});
});

describe('checkPrompt: explicit options win', () => {
	it('reports a flag that disagrees with the option typed, and sends the typed one', () => {
		const check = image('a cat --ar 16:9 --v 6.1', { aspect_ratio: '1:1' });
		expect(check.options).toEqual({ version: '6.1' });
		expect(check.overridden).toEqual([{ text: '--ar 16:9', option: 'aspect_ratio', value: '16:9', explicit: '1:1' }]);
	});

	it('says nothing when they agree', () => {
		const check = image('a cat --ar 16:9', { aspect_ratio: '16:9' });
		expect(check).toMatchObject({ options: {}, overridden: [], prompt: 'a cat' });
	});
});

describe('checkPrompt: the prompt left', () => {
	it('leaves a prompt without flags as it was, and unchanged', () => {
		const check = image('  a cat -- on a mat, 16:9 ratio, semi-realistic  ');
		expect(check).toMatchObject({
			prompt: 'a cat -- on a mat, 16:9 ratio, semi-realistic',
			changed: false,
			empty: false,
		});
	});

	it('removes flags from the middle, and keeps line breaks', () => {
		expect(image('a cat --ar 16:9 on a mat\nsecond line --tile').prompt).toBe('a cat on a mat\nsecond line');
	});

	it.each(['--ar 16:9 --v 7', '  --tile  ', 'https://x.test/a.png --ar 1:1'])(
		'%j is empty once flags are removed',
		(prompt) => {
			expect(image(prompt).empty).toBe(true);
		},
	);

	it('finds leading image links and takes them out of the text', () => {
		const check = image('https://cdn.test/a.png <https://cdn.test/b.webp> a cat in a hat https://x.test/c.png');
		expect(check.leadingImageUrls).toEqual(['https://cdn.test/a.png', 'https://cdn.test/b.webp']);
		expect(check.prompt).toBe('a cat in a hat https://x.test/c.png');
		expect(check.changed).toBe(true);
	});

	it('finds none in a prompt that starts with words', () => {
		expect(image('a cat https://x.test/c.png').leadingImageUrls).toEqual([]);
	});
});
