import type { CallbackReport } from '../api/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { JobCallbacks } from './callbacks.js';
import { JobConfirmation } from './confirmation.js';
import { UNNAMED_DEFAULT_KEY, type CallbackVerdict, type JobServiceOptions, type NewJob } from './contracts.js';
import { JobDelivery } from './delivery.js';
import { FairQueue } from './fairQueue.js';
import { newJobId } from './ids.js';
import { KeyedProviderLimits } from './keyedLimits.js';
import { estimatedStart } from './queueEstimate.js';
import { QueuePositions, type QueuePlace } from './queuePositions.js';
import { JobSubmission } from './submission.js';
import { SubmitQueue, type WaitingJob } from './submitQueue.js';
import { isFinished, type FinishedJob, type FinishedOutcome, type JobRecord } from './types.js';
import { workTypeOf } from './workType.js';

export type {
	CallbackVerdict,
	JobKey,
	JobKeys,
	JobPublisher,
	JobServiceOptions,
	NewJob,
	PublishedMessage,
} from './contracts.js';

/** If the claimant dies before storing the outcome, another process may finish the job after this long. */
const FINISH_CLAIM_TTL_MS = 10 * 60_000;
/** Idle keys' limits and queues are forgotten this often, so memory follows the keys in use. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The job lifecycle, and the one face the rest of the bot sees: record → queue → submit (submission.ts) →
 * (callback (callbacks.ts) | poll) → confirm (confirmation.ts) → finish → deliver (delivery.ts).
 */
export class JobService {
	private readonly confirmation: JobConfirmation;
	/** Every key's waiting jobs, in fair order. */
	private readonly line = new FairQueue();
	/** One submit loop per key with jobs waiting or in flight. */
	private readonly queues = new Map<string, SubmitQueue>();
	private readonly limits: KeyedProviderLimits;
	private readonly sweeper: NodeJS.Timeout;
	private readonly positions: QueuePositions;
	private readonly inFlight = new Set<Promise<unknown>>();
	private readonly delivery: JobDelivery;
	private readonly now: () => number;
	private stopped = false;
	/** Aborts waits for a shared rate-limit grant when the service stops. */
	private readonly stopping = new AbortController();
	private readonly callbacks: JobCallbacks;
	private readonly submission: JobSubmission;

	public constructor(private readonly options: JobServiceOptions) {
		this.now = options.now ?? Date.now;
		this.limits = new KeyedProviderLimits({
			...options,
			...(options.shareLimits ? { sharedThrough: options.claims } : {}),
			...(options.defaultKeyId ? { defaultKeyId: options.defaultKeyId } : {}),
		});
		const limits = this.limits.for(this.defaultKeyId);
		this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
		const track = (work: Promise<unknown>): void => this.track(work);
		this.delivery = new JobDelivery({ ...options, now: this.now, track });
		const places = (jobIds: Iterable<string>): Map<string, QueuePlace> => this.places(jobIds);
		this.positions = new QueuePositions({ ...options, now: this.now, track, places });
		this.confirmation = new JobConfirmation({
			...options,
			queries: limits.queries,
			sharedQueriesFor: (keyId) => this.limits.for(keyId).shared?.queries,
			delivery: this.delivery,
			now: this.now,
			stopping: this.stopping.signal,
			track,
			recordFinished: async (jobId, taskId, outcome) => this.recordFinished(jobId, taskId, outcome),
		});
		const finish = async (...args: Parameters<JobService['finish']>): Promise<void> => this.finish(...args);
		const shared = { now: this.now, stopping: this.stopping.signal, positions: this.positions, track, finish };
		this.callbacks = new JobCallbacks({ ...options, ...shared, confirmation: this.confirmation });
		this.submission = new JobSubmission({
			...options,
			...shared,
			confirmation: this.confirmation,
			adoptions: this.callbacks,
			isStopped: () => this.stopped,
			sharedSubmitsFor: (keyId) => this.limits.for(keyId).shared?.submits,
		});
	}

	private get defaultKeyId(): string {
		return this.options.defaultKeyId ?? UNNAMED_DEFAULT_KEY;
	}

	/** The submit loop of one key, made on first use. */
	private queueFor(keyId: string): SubmitQueue {
		let queue = this.queues.get(keyId);
		if (!queue) {
			queue = new SubmitQueue({
				keyId,
				line: this.line,
				limiter: this.limits.for(keyId).submits,
				submit: async (jobId, takeGrant) => this.submission.submit(jobId, takeGrant),
				onMoved: () => this.options.metrics?.queueLength.set(this.line.size()),
				onError: (error, jobId) => this.options.logger.error({ err: error, jobId }, 'Submission failed unexpectedly'),
			});
			this.queues.set(keyId, queue);
		}
		return queue;
	}

	/** The key id a server's jobs wait under. A key the store cannot tell now: the default's line (told at submit). */
	private async keyIdFor(guildId: string): Promise<string> {
		const key = await this.options.keys?.forGuild(guildId).catch(() => undefined);
		return typeof key === 'object' ? key.keyId : this.defaultKeyId;
	}

	/** Where the given jobs wait (position among their key's jobs, estimated start), for the position edits. */
	private places(jobIds: Iterable<string>): Map<string, QueuePlace> {
		const ids = [...jobIds];
		const found = new Map<string, QueuePlace>();
		for (const [keyId, queue] of this.queues) {
			for (const [jobId, position] of queue.positions(ids)) found.set(jobId, this.placeAt(keyId, position));
		}
		return found;
	}

	private placeAt(keyId: string, position: number): QueuePlace {
		const { submits } = this.limits.for(keyId);
		const rate = { limit: submits.limit, windowMs: submits.windowMs };
		return { position, startsAt: estimatedStart(position, rate, this.now(), submits.available()) };
	}

	/** Forgets idle keys' queues and limits. */
	private sweep(): void {
		for (const [keyId, queue] of this.queues) if (queue.idle) this.queues.delete(keyId);
		// A key still queued keeps its limiter (its queue holds it); the default's serves the polls.
		this.limits.sweep((keyId) => this.queues.has(keyId) || keyId === this.defaultKeyId);
	}

	/** Records the job, shows the member it is working (or waiting), then queues its submission. */
	public async start(newJob: NewJob): Promise<JobRecord> {
		const { repository, logger } = this.options;
		const job: JobRecord = {
			id: newJob.id ?? newJobId(),
			kind: newJob.kind,
			createdAt: this.now(),
			target: newJob.target,
			request: newJob.request,
			state: { phase: 'queued', attempts: 0 },
			...(newJob.parent ? { parent: newJob.parent } : {}),
		};
		// Record before submit: whatever happens next, the job can be found and reported.
		try {
			await repository.create(job);
		} catch (error) {
			if (error instanceof StoreUnavailableError) this.track(this.submission.withdraw(job.id));
			throw error;
		}
		const log = logger.child({ jobId: job.id, guildId: job.target.guildId, userId: job.target.requesterId });
		const keyId = await this.keyIdFor(job.target.guildId);
		const queue = this.queueFor(keyId);
		const waiting: WaitingJob = { id: job.id, guildId: job.target.guildId, memberId: job.target.requesterId };
		// Shown where it will wait were it queued now; the fair line may place it ahead of the back.
		const place = queue.busy ? this.placeAt(keyId, queue.length + 1) : undefined;
		try {
			const messageId = await this.options.publisher.showWorking(job, place?.position, place?.startsAt);
			await repository.update(job.id, (current) => ({ ...current, target: { ...current.target, messageId } }));
			if (place) this.positions.noteShown(job.id, place);
		} catch (error) {
			// The reply could not be shown (Discord hiccup): still submit, delivery has its fallbacks.
			log.warn({ err: error }, 'Could not show the working message');
		}
		const position = queue.enqueue(waiting);
		this.options.metrics?.queueLength.set(this.line.size());
		this.positions.showIfWaiting(job.id, position > 0 ? this.placeAt(keyId, position) : undefined);
		return job;
	}

	/** Where a job waits in its key's submission queue (1-based), if it does. */
	public queuePosition(jobId: string): number | undefined {
		for (const queue of this.queues.values()) {
			const position = queue.position(jobId);
			if (position !== undefined) return position;
		}
		return undefined;
	}

	/** Position edits made so far (for the bench and metrics). */
	public get positionEdits(): number {
		return this.positions.edits;
	}

	/** Handles a callback that passed the server's checks. Never throws for a job's state; answers what it did. */
	public async acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict> {
		return this.callbacks.acceptCallback(jobId, report);
	}

	/** Moves a job to `finished` exactly once, then delivers it (unless another path had already finished it). */
	private async finish(
		jobId: string,
		taskId: string | null,
		outcome: FinishedOutcome,
		onlyIf?: (job: JobRecord) => boolean,
	): Promise<void> {
		const finished = await this.recordFinished(jobId, taskId, outcome, onlyIf);
		if (finished) await this.delivery.deliver(finished);
	}

	/**
	 * Moves a job to `finished` exactly once (the transition is the claim). Returns the finished record, or undefined
	 * when another path (or process) had already finished it.
	 */
	private async recordFinished(
		jobId: string,
		taskId: string | null,
		outcome: FinishedOutcome,
		/** A condition the job must still meet when it is read under the claim (e.g. that no callback adopted it). */
		onlyIf?: (job: JobRecord) => boolean,
	): Promise<FinishedJob | undefined> {
		// The in-process lock orders this process's writes; the claim makes one process, of all, the one that finishes.
		// It is taken while the job is read for the change, and the change made only if it was won.
		const claimed = this.options.claims.claim(`finish:${jobId}`, FINISH_CLAIM_TTL_MS);
		const changed = await this.options.repository.update(
			jobId,
			(current) =>
				isFinished(current) || (onlyIf && !onlyIf(current))
					? undefined
					: {
							...current,
							state: {
								phase: 'finished',
								taskId,
								outcome,
								finishedAt: this.now(),
								delivery: { state: 'pending', attempts: 0 },
							},
						},
			claimed,
		);
		this.confirmation.forget(jobId);
		this.positions.forget(jobId);
		this.callbacks.forget(jobId);
		if (!changed || isFinished(changed.before) || !isFinished(changed.after)) return undefined;
		this.options.metrics?.jobsFinished.inc({ task_type: workTypeOf(changed.after.request), outcome: outcome.status });
		if (outcome.status === 'failed') this.options.onFailed?.(changed.after as FinishedJob);
		return changed.after;
	}

	/** Picks up every job a previous process left unfinished. Returns how many. */
	public async resume(): Promise<number> {
		const ids = await this.options.repository.listOpen();
		for (const id of ids) {
			const job = await this.options.repository.get(id);
			if (!job) {
				// Dangling after a crash between the two writes of `create`, or a job being created this very moment (a
				// member's command can arrive while the bot starts): only the former is dropped.
				await this.options.repository.forgetOpen(id, this.now());
				continue;
			}
			switch (job.state.phase) {
				case 'queued':
					// Never sent (or refused with a retryable error): submitting it now is its first paid submission.
					this.positions.inherit(id);
					this.queueFor(await this.keyIdFor(job.target.guildId)).enqueue({
						id,
						guildId: job.target.guildId,
						memberId: job.target.requesterId,
					});
					break;
				case 'submitting':
					// Its request was in flight when a process stopped (or had no clear answer): a paid task may exist. Never
					// sent again; open for the provider's callback until its window closes.
					this.callbacks.watch(id, this.now());
					break;
				case 'submitted':
					this.confirmation.pollIn(id, 0);
					break;
				case 'finished':
					if (job.state.delivery.state === 'pending')
						this.track(this.delivery.deliver(job as FinishedJob, { atOnce: true }));
					break;
			}
		}
		return ids.length;
	}

	/** Stops submitting and polling, and waits for work already running (bounded by the caller). */
	public async stop(): Promise<void> {
		this.stopped = true;
		this.stopping.abort();
		clearInterval(this.sweeper);
		this.positions.stop();
		this.confirmation.stop();
		this.callbacks.stop();
		this.delivery.stop();
		await Promise.all([...this.queues.values()].map(async (queue) => queue.stop()));
		await this.idle();
	}

	/** Resolves when no background work is running: for tests and graceful shutdown. */
	public async idle(): Promise<void> {
		while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
	}

	private track(work: Promise<unknown>): void {
		const tracked = work.catch((error: unknown) =>
			this.options.logger.error({ err: error }, 'Background job work failed'),
		);
		this.inFlight.add(tracked);
		void tracked.finally(() => this.inFlight.delete(tracked));
	}
}
