import type { AspectRatio, Motion, Speed, Version, VideoBatchSize } from './spec.js';

/** Parameters shared by every image task type. */
export interface ImageParams {
	aspectRatio?: AspectRatio;
	version?: Version;
	speed?: Speed;
	variety?: number;
	stylization?: number;
	weirdness?: number;
}

/** Omni reference takes no `speed` but an omni weight (`ow` on the wire). */
export interface OmniParams {
	aspectRatio?: AspectRatio;
	version?: Version;
	variety?: number;
	stylization?: number;
	weirdness?: number;
	omniWeight?: number;
}

/** Video takes no `speed`; `motion` is required by the API. */
export interface VideoParams {
	aspectRatio?: AspectRatio;
	version?: Version;
	motion: Motion;
	videoBatchSize?: VideoBatchSize;
}

interface RequestBase {
	prompt: string;
	/** Sent as `waterMark`. */
	watermark?: string;
	/** Sent as `callBackUrl`; absent means the caller polls. */
	callbackUrl?: string;
	/** Sent as `enableTranslation: true` (the provider translates a non-English prompt); absent when off. */
	enableTranslation?: boolean;
}

/**
 * One generation request, shaped so that a field the API does not accept for a task type cannot be expressed:
 * video has no `speed`, only omni has `omniWeight`, text-to-image has no images, video takes exactly one image.
 */
export type GenerateRequest =
	| (RequestBase & { taskType: 'mj_txt2img'; params: ImageParams })
	| (RequestBase & {
			taskType: 'mj_img2img' | 'mj_style_reference';
			imageUrls: readonly [string, ...string[]];
			params: ImageParams;
	  })
	| (RequestBase & { taskType: 'mj_video' | 'mj_video_hd'; imageUrl: string; params: VideoParams })
	| (RequestBase & { taskType: 'mj_omni_reference'; imageUrl: string; params: OmniParams });

/**
 * A failure the bot words itself rather than quoting the provider: named, with its figures, so that it is written in
 * the reader's language when shown (`reason` keeps the English words, for logs and for older readers).
 */
export type FailureCode =
	| 'no-result-files'
	| 'no-reason-given'
	| 'key-paused'
	| 'key-missing'
	| 'key-gone'
	| 'unknown-outcome'
	| 'unknown-after-waiting'
	| 'not-taken'
	| 'timed-out';

export interface FailureWhy {
	code: FailureCode;
	figures?: Readonly<Record<string, number>>;
}

/** What a finished or unfinished task looks like, whichever endpoint (task details or callback) told us. */
export type TaskOutcome =
	| { status: 'pending' }
	| { status: 'succeeded'; resultUrls: string[] }
	| { status: 'failed'; reason: string; code?: number; why?: FailureWhy };

export interface TaskDetails {
	taskId: string;
	outcome: TaskOutcome;
}

/** A callback body, normalised. Callbacks only ever report a finished task. */
export interface CallbackReport {
	taskId: string;
	outcome: Exclude<TaskOutcome, { status: 'pending' }>;
}

/** An image of a four-image grid as members number it: 1 to 4, left to right, top to bottom. */
export type ImageNumber = 1 | 2 | 3 | 4;

/** A video of a batch as members number it: 1 to 4, in the order the result lists them. */
export type VideoNumber = 1 | 2 | 3 | 4;

/** What every request that acts on a finished task carries. */
interface FollowUpBase {
	/** The finished task acted on: a grid for vary and upscale, a video task for extend. */
	parentTaskId: string;
	/** Sent as `waterMark`. */
	watermark?: string;
	/** Sent as `callBackUrl`; absent means the caller polls. */
	callbackUrl?: string;
}

/** Four new images in the spirit of one image of a grid. */
export interface VaryRequest extends FollowUpBase {
	action: 'vary';
	imageNumber: ImageNumber;
}

/** One image of a grid, larger. */
export interface UpscaleRequest extends FollowUpBase {
	action: 'upscale';
	imageNumber: ImageNumber;
}

/** A video made longer: by the provider on its own (`auto`), or following a prompt (`manual`). */
export type ExtendRequest = FollowUpBase & { action: 'extend'; videoNumber: VideoNumber } & (
		{ mode: 'auto' } | { mode: 'manual'; prompt: string }
	);

/** A request that acts on a finished task instead of starting from a prompt. */
export type FollowUpRequest = VaryRequest | UpscaleRequest | ExtendRequest;

/** Anything that creates a task: a generation or an action on a finished one. */
export type SubmitRequest = GenerateRequest | FollowUpRequest;

export type FollowUpAction = FollowUpRequest['action'];

export function isFollowUp(request: SubmitRequest): request is FollowUpRequest {
	return 'action' in request;
}
