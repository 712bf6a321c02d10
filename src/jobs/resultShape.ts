/**
 * What a finished job produced, seen as a whole: a grid of images, a single image, videos, or nothing. The buttons and
 * reactions a result offers depend on it.
 */
import { isVideoTask } from '../api/spec.js';
import { isFinished, type FinishedJob, type JobRecord } from './types.js';

export type ResultShape = 'grid' | 'single' | 'video' | 'empty';

export type SucceededJob = FinishedJob & {
	state: { outcome: { status: 'succeeded'; resultUrls: string[] } };
};

export function isSucceeded(job: JobRecord): job is SucceededJob {
	return isFinished(job) && job.state.outcome.status === 'succeeded';
}

export function shapeOf(job: SucceededJob): ResultShape {
	if (isVideoTask(job.request.taskType)) return 'video';
	const count = job.state.outcome.resultUrls.length;
	return count === 0 ? 'empty' : count === 1 ? 'single' : 'grid';
}
