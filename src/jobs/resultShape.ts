/**
 * What a finished job produced, seen as a whole: a grid of images, a single image, videos, or nothing. The buttons and
 * reactions a result offers depend on it.
 */
import { isVideoTask } from '../api/spec.js';
import { isFollowUp, type SubmitRequest } from '../api/types.js';
import { isFinished, type FinishedJob, type JobRecord } from './types.js';

export type ResultShape = 'grid' | 'single' | 'video' | 'empty';

export type SucceededJob = FinishedJob & {
	state: { outcome: { status: 'succeeded'; resultUrls: string[] } };
};

export function isSucceeded(job: JobRecord): job is SucceededJob {
	return isFinished(job) && job.state.outcome.status === 'succeeded';
}

export function shapeOf(job: SucceededJob): ResultShape {
	return shapeOfResult(job.request, job.state.outcome.resultUrls.length);
}

/** The shape of what `request` produced, `count` files: any kind of request, follow-ups included. */
export function shapeOfResult(request: SubmitRequest, count: number): ResultShape {
	if (producesVideo(request)) return 'video';
	return count === 0 ? 'empty' : count === 1 ? 'single' : 'grid';
}

/** Video generations and video extensions make videos; vary makes a grid and upscale one image, as images do. */
export function producesVideo(request: SubmitRequest): boolean {
	return isFollowUp(request) ? request.action === 'extend' : isVideoTask(request.taskType);
}

/** An upscale's single image is final: it offers no upscale or vary of its own, unlike a picked image. */
export function isUpscale(request: SubmitRequest): boolean {
	return isFollowUp(request) && request.action === 'upscale';
}
