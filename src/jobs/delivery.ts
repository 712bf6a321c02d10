/**
 * Delivering a finished job: download its results (so they outlive the provider's links), hand them to the publisher,
 * record where they landed, and retry transient Discord failures with back-off.
 */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { downloadResult, type DownloadLimits, type DownloadResult } from './download.js';
import { DeliveryError } from './errors.js';
import type { JobRepository } from './repository.js';
import { maxResultsOf } from './resultCount.js';
import type { JobPublisher } from './service.js';
import { isFinished, type FinishedJob, type JobRecord } from './types.js';

/** Back-off of deliveries that failed for a transient reason (Discord 5xx, network). */
const DELIVERY_RETRY_DELAYS_MS = [1_000, 5_000, 25_000] as const;
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

export interface JobDeliveryOptions {
	repository: JobRepository;
	publisher: JobPublisher;
	logger: Logger;
	metrics?: Metrics;
	download: DownloadLimits;
	now: () => number;
	/** Runs background work so shutdown can wait for it. */
	track: (work: Promise<unknown>) => void;
}

export class JobDelivery {
	private readonly retryTimers = new Set<NodeJS.Timeout>();
	private readonly prefetched = new Map<string, Prefetch>();
	private stopped = false;

	public constructor(private readonly options: JobDeliveryOptions) {}

	public async deliver(job: FinishedJob): Promise<void> {
		const { logger, repository, publisher } = this.options;
		const log = logger.child({
			jobId: job.id,
			taskId: job.state.taskId,
			guildId: job.target.guildId,
			channelId: job.target.channelId,
		});
		const files =
			job.state.outcome.status === 'succeeded' ? await this.downloadAll(job, job.state.outcome.resultUrls) : [];
		const failedDownloads = files.filter((file) => !file.ok);
		if (failedDownloads.length > 0)
			log.warn({ failedDownloads }, 'Some results could not be downloaded; linking them instead');
		try {
			const { via, messageId, attachments } = await publisher.publish(job, files);
			await repository.update(job.id, (current) =>
				isFinished(current)
					? {
							...current,
							state: {
								...current.state,
								delivery: { state: 'delivered', at: this.options.now(), via, messageId, attachments },
							},
						}
					: undefined,
			);
			log.info({ via, messageId, outcome: job.state.outcome.status }, 'Job delivered');
			this.options.metrics?.deliveries.inc({ via });
			this.options.metrics?.deliveryLatency.observe(Math.max(0, this.options.now() - job.state.finishedAt) / 1000);
		} catch (error) {
			const reason = error instanceof Error ? error.message : String(error);
			const attempts = job.state.delivery.state === 'pending' ? job.state.delivery.attempts + 1 : 1;
			const retryIn =
				error instanceof DeliveryError && error.transient && !this.stopped
					? DELIVERY_RETRY_DELAYS_MS[attempts - 1]
					: undefined;
			this.options.metrics?.deliveryFailures.inc({ kind: retryIn === undefined ? 'final' : 'transient' });
			if (retryIn !== undefined) {
				const updated = await repository.update(job.id, (current) =>
					isFinished(current)
						? { ...current, state: { ...current.state, delivery: { state: 'pending', attempts } } }
						: undefined,
				);
				log.warn({ err: error, attempts, retryIn }, 'Delivery failed for now; retrying');
				const timer = setTimeout(() => {
					this.retryTimers.delete(timer);
					if (updated && isFinished(updated.after)) this.options.track(this.deliver(updated.after));
				}, retryIn);
				this.retryTimers.add(timer);
				return;
			}
			await repository.update(job.id, (current) =>
				isFinished(current)
					? { ...current, state: { ...current.state, delivery: { state: 'failed', at: this.options.now(), reason } } }
					: undefined,
			);
			log.error({ err: error, attempts }, 'Delivery failed');
		}
	}

	/**
	 * Starts downloading the results a callback reported, while the job is confirmed with the provider: delivery
	 * then waits for the longer of the two instead of both in turn. Only results the confirmation names are used;
	 * anything else is dropped unused. The callback has passed its signature checks before it gets here.
	 */
	public prefetch(job: JobRecord, urls: readonly string[]): void {
		if (this.stopped || urls.length === 0 || this.prefetched.has(job.id)) return;
		// Bounded: under a burst of callbacks, the rest simply download after their confirmation.
		if (this.prefetched.size >= MAX_PREFETCHED_JOBS) return;
		const timer = setTimeout(() => this.prefetched.delete(job.id), PREFETCH_KEEP_MS);
		timer.unref();
		const wanted = this.fetchable(job, urls, 'callback');
		this.prefetched.set(job.id, { urls: wanted, results: this.download(job, wanted), timer });
	}

	/** Drops what was fetched ahead for a job (it failed, or was delivered elsewhere). */
	public forgetPrefetch(jobId: string): void {
		const entry = this.prefetched.get(jobId);
		if (!entry) return;
		clearTimeout(entry.timer);
		this.prefetched.delete(jobId);
	}

	private async downloadAll(job: JobRecord, urls: string[]): Promise<DownloadResult[]> {
		const ahead = this.prefetched.get(job.id);
		this.forgetPrefetch(job.id);
		const wanted = this.fetchable(job, urls, 'record-info');
		if (ahead && sameUrls(ahead.urls, wanted)) return ahead.results;
		return this.download(job, wanted);
	}

	/** The URLs worth fetching: no more than the task can produce (a provider naming more is not followed). */
	private fetchable(job: JobRecord, urls: readonly string[], source: 'callback' | 'record-info'): string[] {
		const max = maxResultsOf(job.request);
		if (urls.length > max)
			this.options.logger.warn(
				{ jobId: job.id, taskType: job.request.taskType, source, named: urls.length, fetched: max },
				'More result URLs than the task can produce; fetching only the first ones',
			);
		return urls.slice(0, max);
	}

	private async download(job: JobRecord, urls: readonly string[]): Promise<DownloadResult[]> {
		const limits = {
			...this.options.download,
			maxBytes: Math.min(this.options.download.maxBytes, job.target.uploadLimitBytes ?? Number.POSITIVE_INFINITY),
		};
		return Promise.all(urls.map(async (url, index) => downloadResult(url, `${job.id}_${index + 1}`, limits)));
	}

	/** Cancels scheduled retries; their jobs stay "pending" in the store and are delivered after the next start. */
	public stop(): void {
		this.stopped = true;
		for (const timer of this.retryTimers) clearTimeout(timer);
		this.retryTimers.clear();
		for (const jobId of [...this.prefetched.keys()]) this.forgetPrefetch(jobId);
	}
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((url, index) => url === b[index]);
}
