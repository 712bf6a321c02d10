/**
 * Delivering a finished job: download its results (so they outlive the provider's links), hand them to the publisher,
 * record where they landed (kept and retried until the store takes it: the message is out), and retry transient
 * Discord failures with back-off. A message about to be created is recorded on the job first (`notePosting`), so a
 * later attempt finds it instead of posting it twice.
 */
import type { Foreground } from '../foreground.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobPublisher, PublishedMessage } from './contracts.js';
import { downloadResult, type DownloadLimits, type DownloadResult } from './download.js';
import { DeliveryError } from './errors.js';
import { persist } from './persist.js';
import type { JobRepository } from './repository.js';
import { maxResultsOf } from './resultCount.js';
import { isFinished, type Delivery, type FinishedJob, type JobRecord, type PostAttempt } from './types.js';
import { workTypeOf } from './workType.js';

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
	/** Work somebody waits on (callbacks to answer): rendering and uploading results waits for it to end. */
	foreground?: Foreground;
	now: () => number;
	/** Runs background work so shutdown can wait for it. */
	track: (work: Promise<unknown>) => void;
}

export class JobDelivery {
	private readonly retryTimers = new Set<NodeJS.Timeout>();
	private readonly prefetched = new Map<string, Prefetch>();
	/** Aborts writes kept in memory (see `persist`) when the process stops. */
	private readonly stopping = new AbortController();
	private stopped = false;

	public constructor(private readonly options: JobDeliveryOptions) {}

	public async deliver(job: FinishedJob): Promise<void> {
		const log = this.options.logger.child({
			jobId: job.id,
			taskId: job.state.taskId,
			guildId: job.target.guildId,
			channelId: job.target.channelId,
		});
		const files =
			job.state.outcome.status === 'succeeded' ? await this.downloadAll(job, job.state.outcome.resultUrls) : [];
		// Rendering and uploading wait for the callbacks being answered now, however many arrive together.
		await this.options.foreground?.idle();
		const failedDownloads = files.filter((file) => !file.ok);
		if (failedDownloads.length > 0)
			log.warn({ failedDownloads }, 'Some results could not be downloaded; linking them instead');
		let message: PublishedMessage;
		try {
			message = await this.options.publisher.publish(job, files, {
				beforePost: async (attempt) => this.notePosting(job.id, attempt),
			});
		} catch (error) {
			await this.failed(job, error, log);
			return;
		}
		// Outside the try: the message is out, so a store failure from here on is no reason to deliver it again.
		await this.record(job, message, log);
	}

	/**
	 * Records that a message is about to be created, before it is: a later attempt then looks for it before posting
	 * (see `discord/publisher.ts`). If this cannot be stored, nothing is posted: the attempt fails as a passing one.
	 */
	private async notePosting(jobId: string, posting: PostAttempt): Promise<void> {
		await this.options.repository.update(jobId, (current) =>
			isFinished(current) && current.state.delivery.state === 'pending'
				? { ...current, state: { ...current.state, delivery: { ...current.state.delivery, posting } } }
				: undefined,
		);
	}

	/** Records where the message landed; kept and retried until the store takes it (the member already has it). */
	private async record(job: FinishedJob, message: PublishedMessage, log: Logger): Promise<void> {
		const { via, messageId, attachments, notice } = message;
		const at = this.options.now();
		const delivery: Delivery =
			notice === undefined
				? { state: 'delivered', at, via, messageId, attachments }
				: { state: 'failed', at, reason: notice, notified: { via, messageId } };
		try {
			await persist(
				async () =>
					this.options.repository.update(job.id, (current) =>
						isFinished(current) ? { ...current, state: { ...current.state, delivery } } : undefined,
					),
				{ logger: log, what: 'where the job’s message was delivered', signal: this.stopping.signal },
			);
		} catch (error) {
			// Stopping: the job stays pending; the next start finds the message (recorded as being posted) or edits again.
			log.warn({ err: error, via, messageId }, 'Stopped before the delivery was recorded');
			return;
		}
		if (notice !== undefined) {
			this.options.metrics?.deliveryFailures.inc({ kind: 'final' });
			log.error({ via, messageId, reason: notice }, 'The job’s message was refused; the member was told');
			return;
		}
		log.info({ via, messageId, outcome: job.state.outcome.status }, 'Job delivered');
		this.options.metrics?.deliveries.inc({ via });
		this.options.metrics?.deliveryLatency.observe(Math.max(0, this.options.now() - job.state.finishedAt) / 1000);
	}

	/** A delivery that did not land: retried later when the failure may pass, else recorded as failed for good. */
	private async failed(job: FinishedJob, error: unknown, log: Logger): Promise<void> {
		const previous = job.state.delivery.state === 'pending' ? job.state.delivery : undefined;
		const attempts = (previous?.attempts ?? 0) + 1;
		const retryIn =
			error instanceof DeliveryError && error.transient && !this.stopped
				? DELIVERY_RETRY_DELAYS_MS[attempts - 1]
				: undefined;
		this.options.metrics?.deliveryFailures.inc({ kind: retryIn === undefined ? 'final' : 'transient' });
		if (retryIn !== undefined) {
			await this.retryLater(job, { error, attempts, retryIn }, log);
			return;
		}
		await this.recordFailed(job, error instanceof Error ? error.message : String(error), log);
		log.error({ err: error, attempts }, 'Delivery failed');
	}

	/** Counts the attempt on the job and delivers it again after `retryIn`, unless it was settled meanwhile. */
	private async retryLater(
		job: FinishedJob,
		{ error, attempts, retryIn }: { error: unknown; attempts: number; retryIn: number },
		log: Logger,
	): Promise<void> {
		const previous = job.state.delivery.state === 'pending' ? job.state.delivery : undefined;
		// The record of a post being attempted stays: the retry looks for that post first.
		const pending = { ...previous, state: 'pending', attempts } as const;
		const next = await this.options.repository
			.update(job.id, (current) =>
				isFinished(current) && current.state.delivery.state === 'pending'
					? { ...current, state: { ...current.state, delivery: { ...current.state.delivery, attempts } } }
					: undefined,
			)
			.then(
				(updated) => updated?.after,
				(storeError: unknown) => {
					log.warn({ err: storeError }, 'Could not store the delivery attempt; retrying from memory');
					return { ...job, state: { ...job.state, delivery: pending } };
				},
			);
		log.warn({ err: error, attempts, retryIn }, 'Delivery failed for now; retrying');
		const timer = setTimeout(() => {
			this.retryTimers.delete(timer);
			// Delivered or failed meanwhile (by another process): nothing left to do.
			if (next && isFinished(next) && next.state.delivery.state === 'pending') this.options.track(this.deliver(next));
		}, retryIn);
		this.retryTimers.add(timer);
	}

	/** Records that the delivery failed for good (a pending one only: another process may have delivered it). */
	private async recordFailed(job: FinishedJob, reason: string, log: Logger): Promise<void> {
		try {
			await persist(
				async () =>
					this.options.repository.update(job.id, (current) =>
						isFinished(current) && current.state.delivery.state === 'pending'
							? {
									...current,
									state: { ...current.state, delivery: { state: 'failed', at: this.options.now(), reason } },
								}
							: undefined,
					),
				{ logger: log, what: 'that the delivery failed', signal: this.stopping.signal },
			);
		} catch {
			// Stopping: the job stays pending and is tried again after the next start.
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
				{ jobId: job.id, taskType: workTypeOf(job.request), source, named: urls.length, fetched: max },
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
		this.stopping.abort();
		for (const timer of this.retryTimers) clearTimeout(timer);
		this.retryTimers.clear();
		for (const jobId of [...this.prefetched.keys()]) this.forgetPrefetch(jobId);
	}
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((url, index) => url === b[index]);
}
