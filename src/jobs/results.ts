/**
 * A finished job's result files, downloaded so they outlive the provider's links: from the URLs record-info names
 * when the job is delivered, or started earlier from the URLs a callback reported, while the job is confirmed with the
 * provider (delivery then waits for the longer of the two instead of both in turn). Only results the confirmation
 * names are used; anything fetched ahead for other URLs is dropped unused.
 */
import type { Logger } from '../logger.js';
import { downloadResult, type DownloadLimits, type DownloadResult } from './download.js';
import { maxResultsOf } from './resultCount.js';
import type { JobRecord } from './types.js';
import { workTypeOf } from './workType.js';

/** Results fetched ahead of their confirmation are dropped if nobody claims them within this long. */
const PREFETCH_KEEP_MS = 2 * 60_000;
/** At most this many jobs' results are fetched ahead at once (each holds up to four files in memory). */
const MAX_PREFETCHED_JOBS = 8;

/** Results being downloaded, from a callback's URLs, while the job is confirmed with the provider. */
interface Prefetch {
	urls: readonly string[];
	results: Promise<DownloadResult[]>;
	timer: NodeJS.Timeout;
}

export class ResultDownloads {
	private readonly prefetched = new Map<string, Prefetch>();

	public constructor(
		private readonly limits: DownloadLimits,
		private readonly logger: Logger,
	) {}

	/** Starts downloading what a callback reported (it has passed its signature checks before it gets here). */
	public prefetch(job: JobRecord, urls: readonly string[]): void {
		if (urls.length === 0 || this.prefetched.has(job.id)) return;
		// Bounded: under a burst of callbacks, the rest simply download after their confirmation.
		if (this.prefetched.size >= MAX_PREFETCHED_JOBS) return;
		const timer = setTimeout(() => this.prefetched.delete(job.id), PREFETCH_KEEP_MS);
		timer.unref();
		const wanted = this.fetchable(job, urls, 'callback');
		this.prefetched.set(job.id, { urls: wanted, results: this.download(job, wanted), timer });
	}

	/** Drops what was fetched ahead for a job. */
	public forget(jobId: string): void {
		const entry = this.prefetched.get(jobId);
		if (!entry) return;
		clearTimeout(entry.timer);
		this.prefetched.delete(jobId);
	}

	/** The files of the URLs record-info named: those fetched ahead when they are the same, else downloaded now. */
	public async forDelivery(job: JobRecord, urls: string[]): Promise<DownloadResult[]> {
		const ahead = this.prefetched.get(job.id);
		this.forget(job.id);
		const wanted = this.fetchable(job, urls, 'record-info');
		if (ahead && sameUrls(ahead.urls, wanted)) return ahead.results;
		return this.download(job, wanted);
	}

	public stop(): void {
		for (const jobId of [...this.prefetched.keys()]) this.forget(jobId);
	}

	/** The URLs worth fetching: no more than the task can produce (a provider naming more is not followed). */
	private fetchable(job: JobRecord, urls: readonly string[], source: 'callback' | 'record-info'): string[] {
		const max = maxResultsOf(job.request);
		if (urls.length > max)
			this.logger.warn(
				{ jobId: job.id, taskType: workTypeOf(job.request), source, named: urls.length, fetched: max },
				'More result URLs than the task can produce; fetching only the first ones',
			);
		return urls.slice(0, max);
	}

	private async download(job: JobRecord, urls: readonly string[]): Promise<DownloadResult[]> {
		const limits = {
			...this.limits,
			maxBytes: Math.min(this.limits.maxBytes, job.target.uploadLimitBytes ?? Number.POSITIVE_INFINITY),
		};
		return Promise.all(urls.map(async (url, index) => downloadResult(url, `${job.id}_${index + 1}`, limits)));
	}
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((url, index) => url === b[index]);
}
