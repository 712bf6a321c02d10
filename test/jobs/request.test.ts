import { describe, expect, it } from 'vitest';
import { DEFAULT_MOTION } from '../../src/api/spec.js';
import type { GenerateRequest } from '../../src/api/types.js';
import { toGenerateBody } from '../../src/api/wire.js';
import type { GenerationOptionValues } from '../../src/jobs/options.js';
import { buildGenerateRequest, type JobInput, type CommandKind } from '../../src/jobs/request.js';

/** Every kind of job, each named once: a kind added to `JobKind` and missing here does not compile. */
const JOB_KINDS = Object.keys({
	imagine: true,
	remix: true,
	animate: true,
	style: true,
	omni: true,
} satisfies Record<CommandKind, true>) as CommandKind[];

const PROMPT = 'a lighthouse at dusk';
const IMAGE = 'https://cdn.example.com/source.png';

/** Every option set at once: each kind must pick only what its task type accepts. */
const EVERY_OPTION: GenerationOptionValues = {
	aspect_ratio: '16:9',
	version: '7',
	speed: 'turbo',
	variety: 10,
	stylization: 250,
	weirdness: 1000,
	omni_weight: 400,
	motion: 'low',
	batch_size: 4,
	hd: true,
	translate_prompt: false,
};

function inputOf(kind: JobInput['kind'], options: Partial<GenerationOptionValues>): JobInput {
	return kind === 'imagine' ? { kind, prompt: PROMPT, options } : { kind, prompt: PROMPT, imageUrl: IMAGE, options };
}

/** Every own key whose value is undefined, at any depth. */
function undefinedKeys(value: unknown, path = ''): string[] {
	if (value === null || typeof value !== 'object') return [];
	return Object.entries(value).flatMap(([key, field]) =>
		field === undefined ? [`${path}${key}`] : undefinedKeys(field, `${path}${key}.`),
	);
}

describe('buildGenerateRequest', () => {
	it('imagine: text-to-image with every image parameter, no image', () => {
		expect(buildGenerateRequest(inputOf('imagine', EVERY_OPTION))).toStrictEqual({
			taskType: 'mj_txt2img',
			prompt: PROMPT,
			params: { aspectRatio: '16:9', version: '7', speed: 'turbo', variety: 10, stylization: 250, weirdness: 1000 },
		});
	});

	it.each([
		['remix', 'mj_img2img'],
		['style', 'mj_style_reference'],
	] as const)('%s: %s with the image as a one-element list', (kind, taskType) => {
		expect(buildGenerateRequest(inputOf(kind, EVERY_OPTION))).toStrictEqual({
			taskType,
			prompt: PROMPT,
			imageUrls: [IMAGE],
			params: { aspectRatio: '16:9', version: '7', speed: 'turbo', variety: 10, stylization: 250, weirdness: 1000 },
		});
	});

	it('animate with hd: mj_video_hd, motion and batch size, no speed or image-only parameters', () => {
		expect(buildGenerateRequest(inputOf('animate', EVERY_OPTION))).toStrictEqual({
			taskType: 'mj_video_hd',
			prompt: PROMPT,
			imageUrl: IMAGE,
			params: { aspectRatio: '16:9', version: '7', motion: 'low', videoBatchSize: 4 },
		});
	});

	it.each([[{}], [{ hd: false }]])('animate without hd (%j) is mj_video', (options) => {
		expect(buildGenerateRequest(inputOf('animate', options)).taskType).toBe('mj_video');
	});

	it.each(JOB_KINDS)('%s: translate_prompt on asks the provider to translate; off or unset asks nothing', (kind) => {
		expect(buildGenerateRequest(inputOf(kind, { translate_prompt: true })).enableTranslation).toBe(true);
		expect(toGenerateBody(buildGenerateRequest(inputOf(kind, { translate_prompt: true })))).toMatchObject({
			enableTranslation: true,
		});
		for (const options of [{}, { translate_prompt: false }]) {
			expect(buildGenerateRequest(inputOf(kind, options))).not.toHaveProperty('enableTranslation');
			expect(toGenerateBody(buildGenerateRequest(inputOf(kind, options)))).not.toHaveProperty('enableTranslation');
		}
	});

	it('animate without motion sends the default motion, high', () => {
		expect(DEFAULT_MOTION).toBe('high');
		expect(buildGenerateRequest(inputOf('animate', {}))).toStrictEqual({
			taskType: 'mj_video',
			prompt: PROMPT,
			imageUrl: IMAGE,
			params: { motion: 'high' },
		});
	});

	it.each([1, 2, 4] as const)('animate passes batch_size %i as videoBatchSize', (size) => {
		const request = buildGenerateRequest(inputOf('animate', { batch_size: size }));
		expect(request.params).toStrictEqual({ motion: 'high', videoBatchSize: size });
	});

	it('omni: omni_weight becomes omniWeight; no speed, motion or batch size', () => {
		expect(buildGenerateRequest(inputOf('omni', EVERY_OPTION))).toStrictEqual({
			taskType: 'mj_omni_reference',
			prompt: PROMPT,
			imageUrl: IMAGE,
			params: { aspectRatio: '16:9', version: '7', variety: 10, stylization: 250, weirdness: 1000, omniWeight: 400 },
		});
	});

	it.each(JOB_KINDS)('%s without options sends empty params (motion aside), with no undefined fields', (kind) => {
		const request = buildGenerateRequest(inputOf(kind, {}));
		expect(request.params).toStrictEqual(kind === 'animate' ? { motion: 'high' } : {});
		expect(undefinedKeys(request)).toEqual([]);
		expect(Object.keys(request)).not.toContain('watermark');
		expect(Object.keys(request)).not.toContain('callbackUrl');
	});

	it.each(JOB_KINDS)('%s drops the options that were not given', (kind) => {
		const request = buildGenerateRequest(inputOf(kind, { version: 'niji6', stylization: 0, variety: 0 }));
		expect(undefinedKeys(request)).toEqual([]);
		const expected: Record<string, unknown> = { version: 'niji6' };
		if (kind !== 'animate') Object.assign(expected, { stylization: 0, variety: 0 });
		else expected.motion = 'high';
		// Zero is a value, not an absence.
		expect(request.params).toStrictEqual(expected);
	});

	it.each(JOB_KINDS)('%s passes the watermark through', (kind) => {
		expect(buildGenerateRequest(inputOf(kind, {}), { watermark: 'guild-42' }).watermark).toBe('guild-42');
	});

	it.each(JOB_KINDS)('%s sends no watermark when it is empty', (kind) => {
		const request = buildGenerateRequest(inputOf(kind, {}), { watermark: '' });
		expect(Object.keys(request)).not.toContain('watermark');
	});

	it('does not share or mutate the options object', () => {
		const options: Partial<GenerationOptionValues> = { aspect_ratio: '1:1', speed: 'fast' };
		const request: GenerateRequest = buildGenerateRequest(inputOf('imagine', options));
		expect(options).toStrictEqual({ aspect_ratio: '1:1', speed: 'fast' });
		expect(request.params).not.toBe(options);
	});
});
