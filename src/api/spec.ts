/**
 * The Midjourney API's own vocabulary: task types, choices and ranges, exactly as the provider documents them
 * (docs/provider/mj-generate-api.txt and mj-api-reference.md). This is the single source of truth: the slash-command
 * builders, the validation of what members send and the server settings are all derived from these constants.
 */

export const TASK_TYPES = [
	'mj_txt2img',
	'mj_img2img',
	'mj_video',
	'mj_video_hd',
	'mj_style_reference',
	'mj_omni_reference',
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const ASPECT_RATIOS = ['1:2', '9:16', '2:3', '3:4', '5:6', '6:5', '4:3', '3:2', '1:1', '16:9', '2:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** `niji7` is listed on the generate page only (unverified elsewhere); it is offered because the generate page is normative. */
export const VERSIONS = ['7', '6.1', '6', '5.2', '5.1', 'niji7', 'niji6'] as const;
export type Version = (typeof VERSIONS)[number];

export const SPEEDS = ['relaxed', 'fast', 'turbo'] as const;
export type Speed = (typeof SPEEDS)[number];

export const MOTIONS = ['low', 'high'] as const;
export type Motion = (typeof MOTIONS)[number];

export const VIDEO_BATCH_SIZES = [1, 2, 4] as const;
export type VideoBatchSize = (typeof VIDEO_BATCH_SIZES)[number];

export const PROMPT_MAX_LENGTH = 2000;

export interface IntegerRange {
	readonly min: number;
	readonly max: number;
}

/** Integer parameters and their documented inclusive ranges. */
export const INTEGER_RANGES = {
	variety: { min: 0, max: 100 },
	stylization: { min: 0, max: 1000 },
	weirdness: { min: 0, max: 3000 },
	omniWeight: { min: 1, max: 1000 },
} as const satisfies Record<string, IntegerRange>;

/** The API requires `motion` for video; public clients default to `high`. */
export const DEFAULT_MOTION: Motion = 'high';

export const VIDEO_TASK_TYPES = ['mj_video', 'mj_video_hd'] as const satisfies readonly TaskType[];
export type VideoTaskType = (typeof VIDEO_TASK_TYPES)[number];

export function isVideoTask(taskType: TaskType): taskType is VideoTaskType {
	return (VIDEO_TASK_TYPES as readonly TaskType[]).includes(taskType);
}
