/**
 * How many result files a request can produce: what the provider may name beyond that is never fetched.
 */
import { isFollowUp, type SubmitRequest } from '../api/types.js';

/** Every image task type makes a grid of four. */
const IMAGES_PER_TASK = 4;

/**
 * Four for images and a vary; one for an upscale and an extend (one video made longer); for video, the batch size
 * asked for (the provider's default batch is one).
 */
export function maxResultsOf(request: SubmitRequest): number {
	if (isFollowUp(request)) return request.action === 'vary' ? IMAGES_PER_TASK : 1;
	switch (request.taskType) {
		case 'mj_video':
		case 'mj_video_hd':
			return request.params.videoBatchSize ?? 1;
		default:
			return IMAGES_PER_TASK;
	}
}
