import { describe, expect, it } from 'vitest';
import type { SubmitRequest } from '../../src/api/types.js';
import { isUpscale, producesVideo, shapeOfResult } from '../../src/jobs/resultShape.js';

const grid: SubmitRequest = { taskType: 'mj_txt2img', prompt: 'p', params: {} };
const video: SubmitRequest = {
	taskType: 'mj_video',
	prompt: 'p',
	imageUrl: 'https://x/a.png',
	params: { motion: 'high' },
};
const vary: SubmitRequest = { action: 'vary', parentTaskId: 't', imageNumber: 2 };
const upscale: SubmitRequest = { action: 'upscale', parentTaskId: 't', imageNumber: 2 };
const extend: SubmitRequest = { action: 'extend', mode: 'manual', prompt: 'on', parentTaskId: 't', videoNumber: 1 };

describe('the shape of a result, whatever made it', () => {
	it.each<[string, SubmitRequest, number, string]>([
		['a generation', grid, 4, 'grid'],
		['a video generation', video, 2, 'video'],
		['a vary', vary, 4, 'grid'],
		['an upscale', upscale, 1, 'single'],
		['an extension', extend, 1, 'video'],
		['an upscale that named no file', upscale, 0, 'empty'],
	])('%s of %i files is a %s', (_name, request, count, shape) => {
		expect(shapeOfResult(request, count)).toBe(shape);
	});

	it('tells videos and upscales apart from the request alone', () => {
		expect([grid, video, vary, upscale, extend].map(producesVideo)).toEqual([false, true, false, false, true]);
		expect([grid, video, vary, upscale, extend].map(isUpscale)).toEqual([false, false, false, true, false]);
	});
});
