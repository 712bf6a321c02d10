/**
 * A finished job seen as something to act on: its shape (grid, single image, video) and its files, best source
 * first. Discord's copy of a file outlives the provider's link, so it is preferred.
 */
import type { JobRepository } from '../jobs/repository.js';
import { isSucceeded, shapeOf, type ResultShape, type SucceededJob } from '../jobs/resultShape.js';
import { isFinished, type FinishedJob } from '../jobs/types.js';
import { UserError } from '../userError.js';

/** One file of a result. */
export interface ResultFile {
	/** 0-based, as among the job's results. */
	index: number;
	/** Where to fetch it: Discord's copy when there is one, else the provider's link. */
	url: string;
	/** The provider's link, for when Discord's copy cannot be fetched. */
	providerUrl?: string;
	/** The file's name as posted (matches the attachment on the result message). */
	filename: string;
	/** Whether Discord hosts it (false: only the provider's link, which expires). */
	hosted: boolean;
}

export interface ActionableResult {
	job: SucceededJob;
	shape: ResultShape;
	files: ResultFile[];
}

/** The result's files, in result order. */
export function filesOf(job: SucceededJob): ResultFile[] {
	const delivered = job.state.delivery.state === 'delivered' ? job.state.delivery.attachments : [];
	return job.state.outcome.resultUrls.map((providerUrl, index) => {
		const hosted = delivered.find((attachment) => attachment.index === index);
		return hosted
			? { index, url: hosted.url, providerUrl, filename: hosted.filename, hosted: true }
			: { index, url: providerUrl, filename: `${job.id}_${index + 1}${extensionOf(providerUrl)}`, hosted: false };
	});
}

/**
 * Prefers the URLs of the message the member acted on: Discord signs attachment URLs for a limited time, and a
 * message fetched now carries freshly signed ones.
 */
export function withFreshUrls(
	files: ResultFile[],
	attachments: ReadonlyArray<{ name: string; url: string }> | undefined,
): ResultFile[] {
	if (!attachments?.length) return files;
	return files.map((file) => {
		const fresh = attachments.find((attachment) => attachment.name === file.filename);
		return fresh ? { ...file, url: fresh.url, hosted: true } : file;
	});
}

/** Loads a job as an actionable result, or explains to the member why it cannot be acted on. */
export async function loadResult(jobs: JobRepository, jobId: string): Promise<ActionableResult> {
	const job = await jobs.get(jobId);
	if (!job) {
		throw UserError.localized('stale', 'actions.resultRecordGone');
	}
	if (!isFinished(job)) throw UserError.localized('not-ready', 'actions.notFinished');
	if (!isSucceeded(job)) throw UserError.localized('not-applicable', 'actions.jobFailed');
	return { job, shape: shapeOf(job), files: filesOf(job) };
}

/** Loads a finished job, succeeded or failed: what 🔁 needs (a failure's "try again" sends the same request). */
export async function loadFinished(jobs: JobRepository, jobId: string): Promise<{ job: FinishedJob }> {
	const job = await jobs.get(jobId);
	if (!job) {
		throw UserError.localized('stale', 'actions.jobRecordGone');
	}
	if (!isFinished(job)) throw UserError.localized('not-ready', 'actions.notFinished');
	return { job };
}

/** The file at `index`, or a clear refusal when it is gone. */
export function fileAt(result: ActionableResult, index: number): ResultFile {
	const file = result.files[index];
	if (!file) {
		throw UserError.localized('unavailable', 'actions.imageGone', { number: index + 1 });
	}
	return file;
}

function extensionOf(url: string): string {
	const match = URL.canParse(url) ? /\.(\w{2,5})$/.exec(new URL(url).pathname) : null;
	return match ? `.${match[1]!.toLowerCase()}` : '';
}
