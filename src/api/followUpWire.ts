/**
 * The wire side of the requests that act on a finished task: endpoints, field names and task types. Nothing outside
 * `src/api` sees these.
 */
import { toWireIndex, type ImageIndexBase } from './imageIndex.js';
import type { ExtendRequest, FollowUpAction, FollowUpRequest } from './types.js';

export const FOLLOW_UP_PATHS: Record<FollowUpAction, string> = {
	vary: '/api/v1/mj/generateVary',
	upscale: '/api/v1/mj/generateUpscale',
	extend: '/api/v1/mj/generateVideoExtend',
};

const EXTEND_TASK_TYPES: Record<ExtendRequest['mode'], string> = {
	auto: 'mj_video_extend_auto',
	manual: 'mj_video_extend_manual',
};

/** Body of the request's endpoint ({@link FOLLOW_UP_PATHS}). Optional fields are sent only when set. */
export function toFollowUpBody(request: FollowUpRequest, base: ImageIndexBase): Record<string, unknown> {
	const body: Record<string, unknown> =
		request.action === 'extend'
			? {
					taskType: EXTEND_TASK_TYPES[request.mode],
					taskId: request.parentTaskId,
					index: toWireIndex(request.videoNumber, base),
					...(request.mode === 'manual' ? { prompt: request.prompt } : {}),
				}
			: { taskId: request.parentTaskId, imageIndex: toWireIndex(request.imageNumber, base) };
	if (request.watermark) body.waterMark = request.watermark;
	if (request.callbackUrl) body.callBackUrl = request.callbackUrl;
	return body;
}
