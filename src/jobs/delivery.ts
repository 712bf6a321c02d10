/**
 * Delivering a finished job: download its results (so they outlive the provider's links), hand them to the publisher,
 * record where they landed (kept and retried until the store takes it: the message is out), and retry transient
 * Discord failures with back-off. A message about to be created is recorded on the job first (`notePosting`), so a
 * later attempt finds it instead of posting it twice.
 *
 * The result is paid for and in hand, so a Discord that stays down (5xx, resets) does not lose it: the delivery stays
 * pending, tried again at longer and longer intervals, its next attempt stored (`retryAt`, and the store's list of
 * deferred deliveries that every process sweeps), so another process or the next start takes it up. After the
 * give-up time (from the job's end) the member gets a final message instead; if even that cannot be posted, the job is
 * recorded as failed (for `/jobs`) and logged. Each attempt is claimed across processes first: one process of all
 * posts a job's message at a time, and it reads the job again under the claim (another may have delivered it).
 */
import { randomUUID } from 'node:crypto';
import type { Foreground } from '../foreground.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Claims } from '../store/claims.js';
import type { DeliveryRetryPolicy, JobPublisher, PublishOptions, PublishedMessage } from './contracts.js';
import type { DownloadLimits } from './download.js';
import { DeliveryError } from './errors.js';
import { FailureDigest } from './failureDigest.js';
import { persist } from './persist.js';
import type { JobRepository } from './repository.js';
import { ResultDownloads } from './results.js';
import { isFinished, type Delivery, type FinishedJob, type JobRecord, type PostAttempt } from './types.js';

/** Back-off of deliveries that failed for a transient reason (Discord 5xx, network): 1 s, 5 s, 25 s… up to 5 min, 6 h. */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetryPolicy = {
	baseMs: 1_000,
	maxMs: 5 * 60_000,
	giveUpMs: 6 * 60 * 60_000,
};
/** Each delay this many times the one before. */
const RETRY_GROWTH = 5;
/**
 * One process of all attempts a job's delivery at a time: its claim lives this long, renewed while the attempt runs
 * (downloads, then each route with discord.js's own retries), so that one left by a dead process lapses soon.
 */
const DELIVERY_CLAIM_TTL_MS = 8_000;
const DELIVERY_CLAIM_RENEW_MS = 2_000;
/** A process that finds another delivering a job looks again this often, until that one settled it (or died). */
const DELIVERY_CLAIM_RECHECK_MS = 1_000;
const OUTAGE_LINES = {
	first: 'Discord did not take a result; it stays pending and is retried (further failures are summarised)',
	still: 'Discord is still not taking some results; they stay pending and are retried',
	recovered: 'Every result Discord had not taken is settled (delivered, or the member told)',
	level: 'warn',
} as const;
/** Deferred deliveries are looked for at least this often (more often when the policy's longest delay is shorter). */
const SWEEP_INTERVAL_MS = 60_000;
export interface JobDeliveryOptions {
	repository: JobRepository;
	/** Makes one process of all attempt a job's delivery at a time. */
	claims: Claims;
	deliveryRetry?: DeliveryRetryPolicy;
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
	private readonly results: ResultDownloads;
	/** Aborts writes kept in memory (see `persist`) when the process stops. */
	private readonly stopping = new AbortController();
	private stopped = false;
	/** Names this process's delivery claims, so that it releases its own only. */
	private readonly owner = randomUUID();
	/** Jobs this process is delivering now: a sweep or a timer that finds one leaves it to the attempt under way. */
	private readonly delivering = new Set<string>();
	private readonly policy: DeliveryRetryPolicy;
	private readonly sweeper: NodeJS.Timeout;
	private sweeping = false;
	/** Passing failures, logged as one digest: during an outage, every pending result fails at every attempt. */
	private readonly outage: FailureDigest;

	public constructor(private readonly options: JobDeliveryOptions) {
		this.policy = options.deliveryRetry ?? DEFAULT_DELIVERY_RETRY;
		this.results = new ResultDownloads(options.download, options.logger);
		this.outage = new FailureDigest(options.logger, OUTAGE_LINES, { now: options.now });
		const everyMs = Math.min(this.policy.maxMs, SWEEP_INTERVAL_MS);
		this.sweeper = setInterval(() => this.options.track(this.sweep()), everyMs).unref();
	}

	/**
	 * Delivers the job, unless another process is doing so (then this one looks again shortly, should that process
	 * die) or its next attempt is not due yet (then it is attempted when due, unless `atOnce`).
	 */
	public async deliver(job: FinishedJob, options: { atOnce?: boolean } = {}): Promise<void> {
		if (this.delivering.has(job.id)) return;
		const log = this.options.logger.child({
			jobId: job.id,
			taskId: job.state.taskId,
			guildId: job.target.guildId,
			channelId: job.target.channelId,
		});
		const { claims, repository } = this.options;
		const claimKey = `deliver:${job.id}`;
		this.delivering.add(job.id);
		let won = false;
		let renewing: NodeJS.Timeout | undefined;
		try {
			won = await claims.claim(claimKey, DELIVERY_CLAIM_TTL_MS, this.owner);
			if (!won) {
				log.debug('Another process is delivering the job; looking again shortly');
				this.later(job, DELIVERY_CLAIM_RECHECK_MS);
				return;
			}
			// Kept while the attempt runs, however long Discord takes; a process that dies lets it lapse soon.
			renewing = setInterval(() => {
				claims.renew(claimKey, DELIVERY_CLAIM_TTL_MS, this.owner).catch(() => false);
			}, DELIVERY_CLAIM_RENEW_MS);
			// Read again under the claim: the record handed in may be older than another process's delivery of it.
			const current = await repository.get(job.id);
			if (!current || !isPendingDelivery(current)) {
				this.outage.succeeded(job.id);
				return;
			}
			const { delivery } = current.state;
			// `atOnce` (a start): Discord may well be back; one attempt now, then the back-off goes on from where it was.
			const retryAt = delivery.state === 'pending' && !options.atOnce ? delivery.retryAt : undefined;
			const notDueFor = (retryAt ?? 0) - this.options.now();
			if (notDueFor > 0) this.later(current, notDueFor);
			else await this.attempt(current, log);
		} catch (error) {
			// The store could not say who delivers, or what was delivered: nothing was posted, a passing failure.
			const transient = new DeliveryError(`The store failed before delivery: ${errorText(error)}`, true, {
				cause: error,
			});
			await this.failed(job, transient, log);
		} finally {
			clearInterval(renewing);
			if (won) await claims.release(claimKey, this.owner).catch(() => undefined);
			this.delivering.delete(job.id);
		}
	}

	/** Delivers the job again after `delayMs` (it reads the job again then), unless this process stops first. */
	private later(job: FinishedJob, delayMs: number): void {
		if (this.stopped) return;
		const timer = setTimeout(() => {
			this.retryTimers.delete(timer);
			this.options.track(this.deliver(job));
		}, delayMs);
		this.retryTimers.add(timer);
	}

	/** Downloads the results and posts them; records where they landed, or why not. */
	private async attempt(job: FinishedJob, log: Logger): Promise<void> {
		const files =
			job.state.outcome.status === 'succeeded' ? await this.results.forDelivery(job, job.state.outcome.resultUrls) : [];
		// Rendering and uploading wait for the callbacks being answered now, however many arrive together.
		await this.options.foreground?.idle();
		const failedDownloads = files.filter((file) => !file.ok);
		if (failedDownloads.length > 0)
			log.warn({ failedDownloads }, 'Some results could not be downloaded; linking them instead');
		let message: PublishedMessage;
		try {
			message = await this.options.publisher.publish(job, files, this.publishOptions(job));
		} catch (error) {
			await this.failed(job, error, log);
			return;
		}
		// Outside the try: the message is out, so a store failure from here on is no reason to deliver it again.
		await this.record(job, message, log);
	}

	private publishOptions(job: FinishedJob): PublishOptions {
		return { beforePost: async (attempt) => this.notePosting(job.id, attempt) };
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
		await this.forgetDeferred(job);
		if (notice !== undefined) {
			this.options.metrics?.deliveryFailures.inc({ kind: 'final' });
			log.error({ via, messageId, reason: notice }, 'The job’s message was refused; the member was told');
			return;
		}
		log.info({ via, messageId, outcome: job.state.outcome.status }, 'Job delivered');
		this.options.metrics?.deliveries.inc({ via });
		this.options.metrics?.deliveryLatency.observe(Math.max(0, this.options.now() - job.state.finishedAt) / 1000);
	}

	/**
	 * A delivery that did not land: retried later when the failure may pass, until the give-up time; then the member is
	 * told. Any other failure is recorded as failed for good.
	 */
	private async failed(job: FinishedJob, error: unknown, log: Logger): Promise<void> {
		const previous = job.state.delivery.state === 'pending' ? job.state.delivery : undefined;
		const attempts = (previous?.attempts ?? 0) + 1;
		const transient = error instanceof DeliveryError && error.transient;
		if (transient && this.stopped) {
			log.warn({ err: error, attempts }, 'Delivery failed while stopping; it stays pending for the next start');
			return;
		}
		const now = this.options.now();
		const giveUpAt = job.state.finishedAt + this.policy.giveUpMs;
		if (transient && now < giveUpAt) {
			this.options.metrics?.deliveryFailures.inc({ kind: 'transient' });
			const retryIn = Math.min(retryDelay(attempts, this.policy), giveUpAt - now);
			await this.retryLater(job, { error, attempts, retryIn }, log);
			return;
		}
		this.options.metrics?.deliveryFailures.inc({ kind: 'final' });
		if (transient) {
			await this.giveUp(job, error, log);
			return;
		}
		await this.recordFailed(job, error instanceof Error ? error.message : String(error), log);
		log.error({ err: error, attempts }, 'Delivery failed');
	}

	/** Discord did not take the message before the give-up time: the member is told, or at least the job records it. */
	private async giveUp(job: FinishedJob, error: unknown, log: Logger): Promise<void> {
		const hours = Math.round((this.policy.giveUpMs / 3_600_000) * 10) / 10;
		const reason = `Discord did not take the job’s message within ${hours} h of its end: ${errorText(error)}`;
		try {
			const publish = this.options.publisher.publishGaveUp?.bind(this.options.publisher);
			if (!publish) throw new Error('The publisher cannot tell the member');
			await this.record(job, await publish(job, reason, this.publishOptions(job)), log);
		} catch (noticeError) {
			await this.recordFailed(job, reason, log);
			log.error(
				{ err: error, notice: errorText(noticeError) },
				'Gave up delivering the job, and the member could not be told; the job records it for /jobs',
			);
		}
	}

	/**
	 * Counts the attempt on the job, stores when it is tried again (for any process, should this one stop), and
	 * delivers it again after `retryIn` unless it was settled meanwhile.
	 */
	private async retryLater(
		job: FinishedJob,
		{ error, attempts, retryIn }: { error: unknown; attempts: number; retryIn: number },
		log: Logger,
	): Promise<void> {
		const previous = job.state.delivery.state === 'pending' ? job.state.delivery : undefined;
		const retryAt = this.options.now() + retryIn;
		const lastError = errorText(error).slice(0, 500);
		// The record of a post being attempted stays: the retry looks for that post first.
		const pending = { ...previous, state: 'pending', attempts, retryAt, lastError } as const;
		const { repository } = this.options;
		const next = await repository
			.update(job.id, (current) =>
				isPendingDelivery(current)
					? {
							...current,
							state: { ...current.state, delivery: { ...current.state.delivery, attempts, retryAt, lastError } },
						}
					: undefined,
			)
			.then(
				(updated) => updated?.after,
				(storeError: unknown) => {
					log.warn({ err: storeError }, 'Could not store the delivery attempt; retrying from memory');
					return { ...job, state: { ...job.state, delivery: pending } };
				},
			);
		await repository.deferDelivery(job.id, retryAt).catch((storeError: unknown) => {
			log.warn({ err: storeError }, 'Could not store when the delivery is retried; this process retries it');
		});
		log.debug({ err: error, attempts, retryIn }, 'Delivery failed for now; retrying');
		this.outage.failed(job.id, error);
		// Delivered or failed meanwhile (by another process): nothing left to do.
		if (next && isPendingDelivery(next)) this.later(next, retryIn);
	}

	/** Deliveries deferred by any process (this one stopped, or another died) that are due: attempted now. */
	private async sweep(): Promise<void> {
		if (this.sweeping || this.stopped) return;
		this.sweeping = true;
		const { repository, logger } = this.options;
		try {
			for (const jobId of await repository.dueDeliveries(this.options.now())) {
				if (this.stopped) return;
				if (this.delivering.has(jobId)) continue;
				const job = await repository.get(jobId);
				if (job && isPendingDelivery(job)) this.options.track(this.deliver(job));
				else await repository.forgetDeferred(jobId);
			}
		} catch (error) {
			logger.warn({ err: error }, 'Could not look for deferred deliveries; looking again later');
		} finally {
			this.sweeping = false;
		}
	}

	/** A settled delivery leaves the list of deferred ones (a later sweep also drops it, should this fail). */
	private async forgetDeferred(job: FinishedJob): Promise<void> {
		this.outage.succeeded(job.id);
		if (job.state.delivery.state !== 'pending' || job.state.delivery.retryAt === undefined) return;
		await this.options.repository.forgetDeferred(job.id).catch(() => undefined);
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
			return;
		}
		await this.forgetDeferred(job);
	}

	/** Starts downloading the results a callback reported, while the job is confirmed (see results.ts). */
	public prefetch(job: JobRecord, urls: readonly string[]): void {
		if (!this.stopped) this.results.prefetch(job, urls);
	}

	/** Drops what was fetched ahead for a job (it failed, or was delivered elsewhere). */
	public forgetPrefetch(jobId: string): void {
		this.results.forget(jobId);
	}

	/** Cancels scheduled retries; their jobs stay "pending" in the store and are delivered after the next start. */
	public stop(): void {
		this.stopped = true;
		this.stopping.abort();
		clearInterval(this.sweeper);
		for (const timer of this.retryTimers) clearTimeout(timer);
		this.retryTimers.clear();
		this.results.stop();
	}
}

function isPendingDelivery(job: JobRecord): job is FinishedJob {
	return isFinished(job) && job.state.delivery.state === 'pending';
}

/** The delay before attempt `attempts + 1`: `baseMs`, then five times longer each time, `maxMs` at most. */
export function retryDelay(attempts: number, policy: DeliveryRetryPolicy): number {
	return Math.min(policy.baseMs * RETRY_GROWTH ** Math.max(0, attempts - 1), policy.maxMs);
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
