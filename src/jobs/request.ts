import { DEFAULT_MOTION } from '../api/spec.js';
import type { FollowUpAction, GenerateRequest } from '../api/types.js';
import type { GenerationOptionValues } from './options.js';

/** What a member asked for, validated, before it is turned into the API's request. */
export type JobInput =
	| { kind: 'imagine'; prompt: string; options: Partial<GenerationOptionValues> }
	| {
			kind: 'remix' | 'style' | 'animate' | 'omni';
			prompt: string;
			imageUrl: string;
			options: Partial<GenerationOptionValues>;
	  };

/** One per slash command that generates. */
export type CommandKind = JobInput['kind'];

/** One per slash command that generates, and one per action on a finished task. */
export type JobKind = CommandKind | FollowUpAction;

type Options = Partial<GenerationOptionValues>;

/** The image parameters of the task types that make images. */
function imageParams(o: Options) {
	return compact({
		aspectRatio: o.aspect_ratio,
		version: o.version,
		speed: o.speed,
		variety: o.variety,
		stylization: o.stylization,
		weirdness: o.weirdness,
	});
}

function videoParams(o: Options) {
	return compact({
		aspectRatio: o.aspect_ratio,
		version: o.version,
		motion: o.motion ?? DEFAULT_MOTION,
		videoBatchSize: o.batch_size,
	});
}

function omniParams(o: Options) {
	return compact({
		aspectRatio: o.aspect_ratio,
		version: o.version,
		variety: o.variety,
		stylization: o.stylization,
		weirdness: o.weirdness,
		omniWeight: o.omni_weight,
	});
}

/** Maps a job to the API request, sending only what the task type accepts. */
export function buildGenerateRequest(input: JobInput, extras: { watermark?: string } = {}): GenerateRequest {
	const { options: o, prompt } = input;
	const common = {
		...(extras.watermark ? { watermark: extras.watermark } : {}),
		...(o.translate_prompt ? { enableTranslation: true } : {}),
	};
	switch (input.kind) {
		case 'imagine':
			return { taskType: 'mj_txt2img', prompt, params: imageParams(o), ...common };
		case 'remix':
		case 'style': {
			const taskType = input.kind === 'remix' ? 'mj_img2img' : 'mj_style_reference';
			return { taskType, prompt, imageUrls: [input.imageUrl], params: imageParams(o), ...common };
		}
		case 'animate': {
			const taskType = o.hd ? 'mj_video_hd' : 'mj_video';
			return { taskType, prompt, imageUrl: input.imageUrl, params: videoParams(o), ...common };
		}
		case 'omni':
			return { taskType: 'mj_omni_reference', prompt, imageUrl: input.imageUrl, params: omniParams(o), ...common };
	}
}

/** Drops undefined fields so stored records and logs show only what is sent. */
function compact<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
