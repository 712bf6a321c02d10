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

/** Maps a job to the API request, sending only what the task type accepts. */
export function buildGenerateRequest(input: JobInput, extras: { watermark?: string } = {}): GenerateRequest {
	const { options: o } = input;
	const watermark = {
		...(extras.watermark ? { watermark: extras.watermark } : {}),
		...(o.translate_prompt ? { enableTranslation: true } : {}),
	};
	const image = {
		aspectRatio: o.aspect_ratio,
		version: o.version,
		speed: o.speed,
		variety: o.variety,
		stylization: o.stylization,
		weirdness: o.weirdness,
	};
	switch (input.kind) {
		case 'imagine':
			return { taskType: 'mj_txt2img', prompt: input.prompt, params: compact(image), ...watermark };
		case 'remix':
		case 'style':
			return {
				taskType: input.kind === 'remix' ? 'mj_img2img' : 'mj_style_reference',
				prompt: input.prompt,
				imageUrls: [input.imageUrl],
				params: compact(image),
				...watermark,
			};
		case 'animate':
			return {
				taskType: o.hd ? 'mj_video_hd' : 'mj_video',
				prompt: input.prompt,
				imageUrl: input.imageUrl,
				params: compact({
					aspectRatio: o.aspect_ratio,
					version: o.version,
					motion: o.motion ?? DEFAULT_MOTION,
					videoBatchSize: o.batch_size,
				}),
				...watermark,
			};
		case 'omni':
			return {
				taskType: 'mj_omni_reference',
				prompt: input.prompt,
				imageUrl: input.imageUrl,
				params: compact({
					aspectRatio: o.aspect_ratio,
					version: o.version,
					variety: o.variety,
					stylization: o.stylization,
					weirdness: o.weirdness,
					omniWeight: o.omni_weight,
				}),
				...watermark,
			};
	}
}

/** Drops undefined fields so stored records and logs show only what is sent. */
function compact<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
