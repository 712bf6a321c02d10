import { describe, expect, it } from 'vitest';
import { animateRequest, imageOptionsOf, remixRequest, rerollRequest } from '../../src/actions/requests.js';
import type { GenerateRequest } from '../../src/api/types.js';

const IMAGE = 'https://cdn.discordapp.com/attachments/1/2/job_2.png';
const IMAGINE: GenerateRequest = {
	taskType: 'mj_txt2img',
	prompt: 'a lighthouse at dawn',
	params: { aspectRatio: '16:9', version: '7', speed: 'fast', variety: 10, stylization: 250, weirdness: 5 },
	watermark: 'guild-mark',
};

describe('requests derived from a result', () => {
	it('remix: image-to-image from exactly that image with the source prompt and image parameters', () => {
		expect(remixRequest({ request: IMAGINE }, IMAGE)).toStrictEqual({
			taskType: 'mj_img2img',
			prompt: 'a lighthouse at dawn',
			imageUrls: [IMAGE],
			params: { aspectRatio: '16:9', version: '7', speed: 'fast', variety: 10, stylization: 250, weirdness: 5 },
			watermark: 'guild-mark',
		});
	});

	it('remix: the member’s edited prompt replaces the source prompt', () => {
		expect(remixRequest({ request: IMAGINE }, IMAGE, 'in winter').prompt).toBe('in winter');
	});

	it('remix from an omni reference keeps what image-to-image accepts and drops the omni weight', () => {
		const omni: GenerateRequest = {
			taskType: 'mj_omni_reference',
			prompt: 'robot',
			imageUrl: 'https://example.com/robot.png',
			params: { stylization: 50, omniWeight: 400 },
		};
		expect(remixRequest({ request: omni }, IMAGE)).toStrictEqual({
			taskType: 'mj_img2img',
			prompt: 'robot',
			imageUrls: [IMAGE],
			params: { stylization: 50 },
		});
	});

	it('animate: a video from that image with the default motion and no speed', () => {
		expect(animateRequest({ request: IMAGINE }, IMAGE)).toStrictEqual({
			taskType: 'mj_video',
			prompt: 'a lighthouse at dawn',
			imageUrl: IMAGE,
			params: { motion: 'high' },
			watermark: 'guild-mark',
		});
	});

	it('reroll: the same request, without any callback URL', () => {
		expect(rerollRequest({ ...IMAGINE, callbackUrl: 'https://bot.example/callbacks/mj/x?sig=y' })).toStrictEqual(
			IMAGINE,
		);
	});

	it('maps parameters back to option names, leaving absent ones absent', () => {
		expect(imageOptionsOf({ taskType: 'mj_txt2img', prompt: 'p', params: {} })).toStrictEqual({});
		expect(
			imageOptionsOf({ taskType: 'mj_video', prompt: 'p', imageUrl: IMAGE, params: { motion: 'low' } }),
		).toStrictEqual({});
	});

	it('remix and animate of an upscale: the prompt it inherited, no parameters of its own', () => {
		const upscale = {
			request: { action: 'upscale', parentTaskId: 'task-1', imageNumber: 2, watermark: 'guild-mark' },
			parent: { jobId: 'grid', imageIndex: 1, prompt: 'a lighthouse at dawn' },
		} as const;
		expect(remixRequest(upscale, IMAGE)).toStrictEqual({
			taskType: 'mj_img2img',
			prompt: 'a lighthouse at dawn',
			imageUrls: [IMAGE],
			params: {},
			watermark: 'guild-mark',
		});
		expect(animateRequest(upscale, IMAGE).prompt).toBe('a lighthouse at dawn');
		expect(imageOptionsOf(upscale.request)).toStrictEqual({});
	});
});
