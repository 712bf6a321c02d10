import { randomBytes } from 'node:crypto';
import type { MjClient } from '../api/client.js';
import { MjApiError } from '../api/errors.js';
import type { CallbackReport, GenerateRequest } from '../api/types.js';
import type { Logger } from '../logger.js';
import { downloadResult, type DownloadLimits, type DownloadResult } from './download.js';
import { PollTimers, pollDelay, type PollPolicy } from './poller.js';
import { explainProviderFailure } from './providerErrors.js';
import type { JobRepository } from './repository.js';
import type { JobKind } from './request.js';
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
	/** Edits the member's reply into the "working" state. Returns the reply's message id. */
	showWorking(job: JobRecord): Promise<string>;
	/** Delivers a finished job (result or failure) by whatever route Discord allows. */
	publish(job: FinishedJob, files: DownloadResult[]): Promise<PublishedMessage>;
}

export interface PublishedMessage {
	via: DeliveryRoute;
	messageId: string;
	attachments: DeliveredAttachment[];
}

export interface JobServiceOptions {
	repository: JobRepository;
	api: MjClient;
	publisher: JobPublisher;
	logger: Logger;
	/** Signed callback URL for a job, or undefined when the bot polls instead. */
	callbackUrlFor: (jobId: string) => string | undefined;
	poll: PollPolicy;
	jobTimeoutMs: number;
	download: DownloadLimits;
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

/** The job lifecycle: record → submit → (callback | poll) → confirm → deliver. */
export class JobService {
	private readonly timers: PollTimers;
	private readonly pollAttempts = new Map<string, number>();
	private readonly inFlight = new Set<Promise<unknown>>();
	private readonly now: () => number;

	public constructor(private readonly options: JobServiceOptions) {
		this.now = options.now ?? Date.now;
		this.timers = new PollTimers((jobId) => this.track(this.pollOnce(jobId)));
	}

	/** Records the job, shows the member it is working, then submits it. Resolves when the submit has been answered. */
	public async start(newJob: NewJob): Promise<JobRecord> {
		const { repository, logger } = this.options;
		const job: JobRecord = {
			id: randomBytes(12).toString('base64url'),
			kind: newJob.kind,
			createdAt: this.now(),
			target: newJob.target,
			request: newJob.request,
			state: { phase: 'recorded' },
			...(newJob.parent ? { parent: newJob.parent } : {}),
		};
		// Record before submit: whatever happens next, the job can be found and reported.
		await repository.create(job);
		const log = logger.child({ jobId: job.id, guildId: job.target.guildId, userId: job.target.requesterId });
		try {
			const messageId = await this.options.publisher.showWorking(job);
			await repository.update(job.id, (current) => ({ ...current, target: { ...current.target, messageId } }));
		} catch (error) {
			// The reply could not be shown (Discord hiccup): still submit, delivery has its fallbacks.
			log.warn({ err: error }, 'Could not show the working message');
		}
		// Tracked so a graceful shutdown waits for the submit's answer to be stored (else a paid task could be lost).
		const submitting = this.submit(job.id);
		this.track(submitting);
		return submitting;
	}

	private async submit(jobId: string): Promise<JobRecord> {
		const { repository, api, logger } = this.options;
		const job = await repository.get(jobId);
		if (!job) throw new Error(`Job ${jobId} vanished before submit`);
		const log = logger.child({
			jobId,
			guildId: job.target.guildId,
			userId: job.target.requesterId,
			taskType: job.request.taskType,
		});
		const callbackUrl = this.options.callbackUrlFor(jobId);
		try {
			const { taskId } = await api.generate(callbackUrl ? { ...job.request, callbackUrl } : job.request);
			log.info({ taskId }, 'Job submitted');
			const updated = await repository.update(jobId, (current) =>
				current.state.phase === 'recorded'
					? { ...current, state: { phase: 'submitted', taskId, submittedAt: this.now() } }
					: undefined,
			);
			const after = updated?.after ?? job;
			if (after.earlyCallback?.taskId === taskId) {
				// The callback beat the submit's answer: apply it now rather than waiting for a poll.
				this.track(this.confirmAndFinish(jobId));
			} else {
				this.timers.schedule(jobId, pollDelay(this.options.poll, 0, callbackUrl !== undefined));
			}
			return after;
		} catch (error) {
			if (!(error instanceof MjApiError)) throw error;
			const explanation = explainProviderFailure(error);
			log.warn({ failure: error.failure, outcomeUnknown: explanation.outcomeUnknown }, 'Submit failed');
			const outcome: FinishedOutcome = {
				status: 'failed',
				reason: explanation.reason,
				...(error.code ? { code: error.code } : {}),
			};
			return (await this.finish(jobId, null, outcome)) ?? job;
		}
	}

	/** Handles a callback that passed the server's checks. Never throws for a job's state; answers what it did. */
	public async acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict> {
		let verdict: CallbackVerdict = 'unknown-job';
		let confirm = false;
		// Decided under the job's lock: the submit's answer may be being stored at this very moment.
		await this.options.repository.update(jobId, (current) => {
			switch (current.state.phase) {
				case 'finished':
					verdict =
						current.state.taskId === null || current.state.taskId === report.taskId ? 'duplicate' : 'task-mismatch';
					return undefined;
				case 'submitted':
					verdict = current.state.taskId === report.taskId ? 'accepted' : 'task-mismatch';
					confirm = verdict === 'accepted';
					return undefined;
				case 'recorded':
					// The callback beat the submit's answer: keep it, the submit applies it once the task id is known.
					verdict = 'accepted';
					return { ...current, earlyCallback: { taskId: report.taskId, receivedAt: this.now() } };
			}
		});
		if (confirm) this.track(this.confirmAndFinish(jobId));
		return verdict;
	}

	/** Asks task details (the source of truth) and finishes the job when it is done. */
	private async confirmAndFinish(jobId: string): Promise<void> {
		const job = await this.options.repository.get(jobId);
		if (!job || job.state.phase !== 'submitted') return;
		const { taskId, submittedAt } = job.state;
		const log = this.options.logger.child({ jobId, taskId, guildId: job.target.guildId });
		try {
			const details = await this.options.api.getTask(taskId);
			if (details.outcome.status !== 'pending') {
				this.timers.cancel(jobId);
				await this.finish(jobId, taskId, details.outcome);
				return;
			}
		} catch (error) {
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
		this.timers.schedule(jobId, pollDelay(this.options.poll, attempt, false));
	}

	private async pollOnce(jobId: string): Promise<void> {
		await this.confirmAndFinish(jobId);
	}

	/**
	 * Moves a job to `finished` exactly once (the transition is the claim), then delivers it.
	 * Returns the finished record, or undefined when another path had already finished it.
	 */
	private async finish(
		jobId: string,
		taskId: string | null,
		outcome: FinishedOutcome,
	): Promise<FinishedJob | undefined> {
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
		if (!changed || isFinished(changed.before) || !isFinished(changed.after)) return undefined;
		await this.deliver(changed.after);
		const final = await this.options.repository.get(jobId);
		return final && isFinished(final) ? final : changed.after;
	}

	private async deliver(job: FinishedJob): Promise<void> {
		const { logger, repository, publisher } = this.options;
		const log = logger.child({
			jobId: job.id,
			taskId: job.state.taskId,
			guildId: job.target.guildId,
			channelId: job.target.channelId,
		});
		const files =
			job.state.outcome.status === 'succeeded' ? await this.downloadAll(job, job.state.outcome.resultUrls) : [];
		log.debug({ files: files.length, outcome: job.state.outcome.status }, 'Delivering');
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
								delivery: { state: 'delivered', at: this.now(), via, messageId, attachments },
							},
						}
					: undefined,
			);
			log.info({ via, messageId, outcome: job.state.outcome.status }, 'Job delivered');
		} catch (error) {
			const reason = error instanceof Error ? error.message : String(error);
			await repository.update(job.id, (current) =>
				isFinished(current)
					? { ...current, state: { ...current.state, delivery: { state: 'failed', at: this.now(), reason } } }
					: undefined,
			);
			log.error({ err: error }, 'Delivery failed');
		}
	}

	private async downloadAll(job: JobRecord, urls: string[]): Promise<DownloadResult[]> {
		const limits = {
			...this.options.download,
			maxBytes: Math.min(this.options.download.maxBytes, job.target.uploadLimitBytes ?? Number.POSITIVE_INFINITY),
		};
		return Promise.all(
			urls.map(async (url, index) => downloadResult(url, `${job.id}_${index + 1}`, limits, this.options.fetch)),
		);
	}

	/** Picks up every job a previous process left unfinished. */
	public async resume(): Promise<number> {
		const ids = await this.options.repository.listOpen();
		for (const id of ids) {
			const job = await this.options.repository.get(id);
			if (!job) {
				await this.options.repository.forgetOpen(id);
				continue;
			}
			switch (job.state.phase) {
				case 'recorded':
					// The process stopped between recording and submitting: the API may or may not have the task, so it is
					// reported, never silently resubmitted.
					this.track(
						this.finish(id, null, {
							status: 'failed',
							reason:
								'The bot restarted before this job was submitted, so it never started and nothing was charged. Please run the command again.',
						}),
					);
					break;
				case 'submitted':
					this.timers.schedule(id, 0);
					break;
				case 'finished':
					if (job.state.delivery.state === 'pending') this.track(this.deliver(job as FinishedJob));
					break;
			}
		}
		return ids.length;
	}

	/** Stops scheduling and waits for work already running (bounded by the caller). */
	public async stop(): Promise<void> {
		this.timers.stop();
		await Promise.allSettled([...this.inFlight]);
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
