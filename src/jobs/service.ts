import { randomBytes } from 'node:crypto';
import type { MjClient } from '../api/client.js';
import { MjApiError } from '../api/errors.js';
import type { CallbackReport, GenerateRequest } from '../api/types.js';
import type { Claims } from '../claims.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { DownloadLimits, DownloadResult } from './download.js';
import { JobDelivery } from './delivery.js';
import { PollScheduler } from './pollScheduler.js';
import { pollDelay, type PollPolicy } from './poller.js';
import { explainProviderFailure, submitRetryDelay } from './providerErrors.js';
import { SlidingWindowLimiter } from './rateLimit.js';
import type { JobRepository } from './repository.js';
import type { JobKind } from './request.js';
import { SubmitQueue, type SubmitResult } from './submitQueue.js';
import {
	isFinished,
	type DeliveredAttachment,
	type DeliveryRoute,
	type FinishedJob,
	type FinishedOutcome,
	type JobRecord,
	type JobTarget,
} from './types.js';

/** The Discord side of a job, behind an interface so the lifecycle stays free of transport. */
export interface JobPublisher {
	/** Shows the job as waiting (`queuePosition` ≥ 1) or working. Returns the reply's message id. */
	showWorking(job: JobRecord, queuePosition?: number): Promise<string>;
	/** Delivers a finished job (result or failure) by whatever route Discord allows; throws {@link DeliveryError}. */
	publish(job: FinishedJob, files: DownloadResult[]): Promise<PublishedMessage>;
}

export interface PublishedMessage {
	via: DeliveryRoute;
	messageId: string;
	attachments: DeliveredAttachment[];
}

export interface JobServiceOptions {
	repository: JobRepository;
	/** Atomic claims shared by every process on the store: what makes "exactly once" hold across processes. */
	claims: Claims;
	metrics?: Metrics;
	api: MjClient;
	publisher: JobPublisher;
	logger: Logger;
	/** Signed callback URL for a job, or undefined when the bot polls instead. */
	callbackUrlFor: (jobId: string) => string | undefined;
	poll: PollPolicy;
	jobTimeoutMs: number;
	download: DownloadLimits;
	submitLimit: { limit: number; windowMs: number };
	queryRatePerSecond: number;
	retryBaseMs: number;
	fetch?: typeof fetch;
	now?: () => number;
}

export type CallbackVerdict = 'accepted' | 'duplicate' | 'unknown-job' | 'task-mismatch';

export interface NewJob {
	kind: JobKind;
	target: JobTarget;
	request: GenerateRequest;
	parent?: { jobId: string; imageIndex?: number };
}

/** Held for a day: a submit claim only guards one attempt number of one job. */
const SUBMIT_CLAIM_TTL_MS = 24 * 60 * 60_000;
/** If the claimant dies before storing the outcome, another process may finish the job after this long. */
const FINISH_CLAIM_TTL_MS = 10 * 60_000;
/** A member's queue position is edited at most this often. */
const POSITION_EDIT_INTERVAL_MS = 2_000;

/** The job lifecycle: record → queue → submit → (callback | poll) → confirm → deliver. */
export class JobService {
	private readonly polls: PollScheduler;
	private readonly queue: SubmitQueue;
	private readonly pollAttempts = new Map<string, number>();
	private readonly shownPositions = new Map<string, { position: number; at: number }>();
	private readonly inFlight = new Set<Promise<unknown>>();
	private readonly delivery: JobDelivery;
	private readonly now: () => number;
	private stopped = false;

	public constructor(private readonly options: JobServiceOptions) {
		this.now = options.now ?? Date.now;
		this.delivery = new JobDelivery({ ...options, now: this.now, track: (work) => this.track(work) });
		// Same 10% margin as submits: the provider counts queries as they arrive, after any jitter on the way.
		this.polls = new PollScheduler(new SlidingWindowLimiter(options.queryRatePerSecond, 1_100), (jobId) =>
			this.track(this.confirmAndFinish(jobId)),
		);
		this.queue = new SubmitQueue({
			// 10% margin: the provider counts arrivals, and network jitter can bunch up requests sent a window apart.
			limiter: new SlidingWindowLimiter(options.submitLimit.limit, Math.round(options.submitLimit.windowMs * 1.1)),
			submit: async (jobId, takeGrant) => this.submit(jobId, takeGrant),
			onMoved: (positions) => {
				options.metrics?.queueLength.set(positions.size);
				this.showPositions(positions);
			},
			onError: (error, jobId) => options.logger.error({ err: error, jobId }, 'Submission failed unexpectedly'),
		});
	}

	/** Records the job, shows the member it is working (or waiting), then queues its submission. */
	public async start(newJob: NewJob): Promise<JobRecord> {
		const { repository, logger } = this.options;
		const job: JobRecord = {
			id: randomBytes(12).toString('base64url'),
			kind: newJob.kind,
			createdAt: this.now(),
			target: newJob.target,
			request: newJob.request,
			state: { phase: 'queued', attempts: 0 },
			...(newJob.parent ? { parent: newJob.parent } : {}),
		};
		// Record before submit: whatever happens next, the job can be found and reported.
		await repository.create(job);
		const log = logger.child({ jobId: job.id, guildId: job.target.guildId, userId: job.target.requesterId });
		const position = this.queue.busy ? this.queue.length + 1 : undefined;
		try {
			const messageId = await this.options.publisher.showWorking(job, position);
			await repository.update(job.id, (current) => ({ ...current, target: { ...current.target, messageId } }));
			if (position) this.shownPositions.set(job.id, { position, at: this.now() });
		} catch (error) {
			// The reply could not be shown (Discord hiccup): still submit, delivery has its fallbacks.
			log.warn({ err: error }, 'Could not show the working message');
		}
		const waiting = this.queue.enqueue(job.id);
		this.options.metrics?.queueLength.set(this.queue.length);
		if (waiting > 0 && !this.shownPositions.has(job.id)) {
			// It turned out to wait after all: show its place now, so it is updated as the queue moves.
			this.shownPositions.set(job.id, { position: waiting, at: this.now() });
			this.track(this.showQueued(job.id, waiting));
		}
		return job;
	}

	/** Where a job waits in the submission queue (1-based), if it does. */
	public queuePosition(jobId: string): number | undefined {
		return this.queue.position(jobId);
	}

	/** One submission attempt, called by the queue under the provider's rate limit. */
	private async submit(jobId: string, takeGrant: () => Promise<void>): Promise<SubmitResult> {
		const { repository, api, logger } = this.options;
		const before = await repository.get(jobId);
		if (before?.state.phase !== 'queued') return { kind: 'done' };
		// Another process sharing the store may have queued the same job after a restart: one of them submits.
		if (!(await this.options.claims.claim(`submit:${jobId}:${before.state.attempts}`, SUBMIT_CLAIM_TTL_MS))) {
			return { kind: 'done' };
		}
		let attempts = 0;
		const claimed = await repository.update(jobId, (current) => {
			if (current.state.phase !== 'queued') return undefined;
			attempts = current.state.attempts + 1;
			return { ...current, state: { phase: 'submitting', attempts, since: this.now() } };
		});
		const job = claimed?.after;
		if (!job || job.state.phase !== 'submitting') return { kind: 'done' };
		const log = logger.child({
			jobId,
			guildId: job.target.guildId,
			userId: job.target.requesterId,
			taskType: job.request.taskType,
		});
		const callbackUrl = this.options.callbackUrlFor(jobId);
		try {
			await takeGrant();
		} catch {
			// Shutting down before the request left: nothing was sent, so the job simply stays queued for the next start.
			await repository.update(jobId, (current) =>
				current.state.phase === 'submitting'
					? { ...current, state: { phase: 'queued', attempts: attempts - 1 } }
					: undefined,
			);
			return { kind: 'done' };
		}
		try {
			const { taskId } = await api.generate(callbackUrl ? { ...job.request, callbackUrl } : job.request);
			log.info({ taskId, attempts }, 'Job submitted');
			this.options.metrics?.jobsSubmitted.inc({ task_type: job.request.taskType });
			const updated = await repository.update(jobId, (current) =>
				current.state.phase === 'submitting'
					? { ...current, state: { phase: 'submitted', taskId, submittedAt: this.now() } }
					: undefined,
			);
			if (this.shownPositions.delete(jobId) && updated) {
				// The member last saw a queue position: tell them it is now being generated.
				this.track(this.options.publisher.showWorking(updated.after));
			}
			if ((await repository.earlyCallback(jobId)) === taskId) {
				// The callback beat the submit's answer: apply it now rather than waiting for a poll.
				this.track(this.confirmAndFinish(jobId));
			} else {
				this.polls.schedule(jobId, pollDelay(this.options.poll, 0, callbackUrl !== undefined));
			}
			return { kind: 'done' };
		} catch (error) {
			if (!(error instanceof MjApiError)) throw error;
			this.options.metrics?.providerErrors.inc({ code: String(error.code ?? error.failure.kind) });
			const retryAfterMs = this.stopped ? undefined : submitRetryDelay(error, attempts, this.options.retryBaseMs);
			if (retryAfterMs !== undefined) {
				log.warn({ failure: error.failure, attempts, retryAfterMs }, 'Submit refused for now; retrying');
				await repository.update(jobId, (current) =>
					current.state.phase === 'submitting' ? { ...current, state: { phase: 'queued', attempts } } : undefined,
				);
				return { kind: 'retry', afterMs: retryAfterMs };
			}
			const explanation = explainProviderFailure(error);
			log.warn({ failure: error.failure, attempts, outcomeUnknown: explanation.outcomeUnknown }, 'Submit failed');
			await this.finish(jobId, null, {
				status: 'failed',
				reason: explanation.reason,
				...(error.code ? { code: error.code } : {}),
			});
			return { kind: 'done' };
		}
	}

	private showPositions(positions: ReadonlyMap<string, number>): void {
		for (const [jobId, position] of positions) {
			const shown = this.shownPositions.get(jobId);
			if (!shown || shown.position === position || this.now() - shown.at < POSITION_EDIT_INTERVAL_MS) continue;
			this.shownPositions.set(jobId, { position, at: this.now() });
			this.track(this.showQueued(jobId, position));
		}
	}

	private async showQueued(jobId: string, position: number): Promise<void> {
		const job = await this.options.repository.get(jobId);
		if (job?.state.phase === 'queued') await this.options.publisher.showWorking(job, position);
	}

	/** Handles a callback that passed the server's checks. Never throws for a job's state; answers what it did. */
	public async acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict> {
		const { repository } = this.options;
		const verdictFor = (current: JobRecord | undefined): CallbackVerdict | 'early' => {
			if (!current) return 'unknown-job';
			switch (current.state.phase) {
				case 'finished':
					return current.state.taskId === null || current.state.taskId === report.taskId
						? 'duplicate'
						: 'task-mismatch';
				case 'submitted':
					return current.state.taskId === report.taskId ? 'accepted' : 'task-mismatch';
				case 'queued':
				case 'submitting':
					return 'early';
			}
		};
		let verdict = verdictFor(await repository.get(jobId));
		if (verdict === 'early') {
			// The callback beat the submit's answer. It is kept beside the job, never written into the job record, so it
			// cannot overwrite the answer another process may be storing this very moment; whichever of the two looks
			// last sees the other and confirms the result.
			await repository.setEarlyCallback(jobId, report.taskId);
			verdict = verdictFor(await repository.get(jobId));
			if (verdict === 'early') return 'accepted';
		}
		const confirm = verdict === 'accepted';
		if (confirm) {
			// Confirmed through the poll scheduler: at once, but within the provider's query limit, however many
			// callbacks arrive together.
			this.polls.schedule(jobId, 0);
		}
		return verdict;
	}

	/** Asks task details (the source of truth) and finishes the job when it is done; else polls again later. */
	private async confirmAndFinish(jobId: string): Promise<void> {
		const job = await this.options.repository.get(jobId);
		if (!job || job.state.phase !== 'submitted') return;
		const { taskId, submittedAt } = job.state;
		const log = this.options.logger.child({ jobId, taskId, guildId: job.target.guildId });
		try {
			this.options.metrics?.polls.inc();
			const details = await this.options.api.getTask(taskId);
			if (details.outcome.status !== 'pending') {
				this.polls.cancel(jobId);
				await this.finish(jobId, taskId, details.outcome);
				return;
			}
		} catch (error) {
			if (error instanceof MjApiError)
				this.options.metrics?.providerErrors.inc({ code: String(error.code ?? error.failure.kind) });
			log.warn({ err: error }, 'Task details unavailable; will poll again');
		}
		if (this.now() - submittedAt > this.options.jobTimeoutMs) {
			const minutes = Math.round(this.options.jobTimeoutMs / 60_000);
			await this.finish(jobId, taskId, {
				status: 'failed',
				reason: `Midjourney did not finish the job within ${minutes} minutes.`,
			});
			return;
		}
		const attempt = (this.pollAttempts.get(jobId) ?? 0) + 1;
		this.pollAttempts.set(jobId, attempt);
		this.polls.schedule(jobId, pollDelay(this.options.poll, attempt, false));
	}

	/**
	 * Moves a job to `finished` exactly once (the transition is the claim), then delivers it.
	 * Returns the finished record, or undefined when another path had already finished it.
	 */
	private async finish(jobId: string, taskId: string | null, outcome: FinishedOutcome): Promise<void> {
		// The in-process lock orders this process's writes; the claim makes one process, of all, the one that finishes.
		if (!(await this.options.claims.claim(`finish:${jobId}`, FINISH_CLAIM_TTL_MS))) return;
		const changed = await this.options.repository.update(jobId, (current) =>
			isFinished(current)
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
		);
		this.pollAttempts.delete(jobId);
		this.shownPositions.delete(jobId);
		if (!changed || isFinished(changed.before) || !isFinished(changed.after)) return;
		this.options.metrics?.jobsFinished.inc({ task_type: changed.after.request.taskType, outcome: outcome.status });
		await this.delivery.deliver(changed.after);
	}

	/** Picks up every job a previous process left unfinished. Returns how many. */
	public async resume(): Promise<number> {
		const ids = await this.options.repository.listOpen();
		for (const id of ids) {
			const job = await this.options.repository.get(id);
			if (!job) {
				await this.options.repository.forgetOpen(id);
				continue;
			}
			switch (job.state.phase) {
				case 'queued':
					// Never sent (or refused with a retryable error): submitting it now is its first paid submission.
					this.queue.enqueue(id);
					break;
				case 'submitting':
					// The process died while the submit was in flight: the task may exist. Report, never resubmit blindly.
					this.track(
						this.finish(id, null, {
							status: 'failed',
							reason:
								'The bot restarted while submitting this job, so it is unknown whether it started. It was not resubmitted, to avoid paying twice; please run the command again if no result appears.',
						}),
					);
					break;
				case 'submitted':
					this.polls.schedule(id, 0);
					break;
				case 'finished':
					if (job.state.delivery.state === 'pending') this.track(this.delivery.deliver(job as FinishedJob));
					break;
			}
		}
		return ids.length;
	}

	/** Stops submitting and polling, and waits for work already running (bounded by the caller). */
	public async stop(): Promise<void> {
		this.stopped = true;
		this.polls.stop();
		this.delivery.stop();
		await this.queue.stop();
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
