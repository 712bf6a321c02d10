import type { GenerateRequest, TaskOutcome } from '../api/types.js';
import type { JobKind } from './request.js';

export type FinishedOutcome = Exclude<TaskOutcome, { status: 'pending' }>;

/** Where a job's result goes: the member's reply, and what is needed to reach it once the token has died. */
export interface JobTarget {
	guildId: string;
	channelId: string;
	requesterId: string;
	applicationId: string;
	/** Interaction token: lets us edit the reply without any permission for 15 minutes. */
	interactionToken: string;
	/** Epoch ms after which the token must not be used. */
	tokenExpiresAt: number;
	/** The reply's message id, known once the "working…" message has been posted. */
	messageId?: string;
	/** Discord's upload limit for this guild, from the interaction; undefined = the default. */
	uploadLimitBytes?: number;
}

export type Delivery =
	| { state: 'pending'; attempts: number }
	| { state: 'delivered'; at: number; via: DeliveryRoute; messageId: string }
	| { state: 'failed'; at: number; reason: string };

export type DeliveryRoute = 'interaction' | 'channel-edit' | 'channel-message' | 'dm';

/**
 * A job's life, in order. Each phase holds exactly the facts known by then:
 * - `recorded`: stored, not yet accepted by the API (the process may have died before submitting);
 * - `submitted`: the API returned a task id; waiting for a callback or a poll;
 * - `finished`: the outcome is known (confirmed with task details) and is being or has been delivered.
 */
export type JobPhase =
	| { phase: 'recorded' }
	| { phase: 'submitted'; taskId: string; submittedAt: number }
	| { phase: 'finished'; taskId: string | null; outcome: FinishedOutcome; finishedAt: number; delivery: Delivery };

export interface JobRecord {
	/** Our own id (not the provider's task id): it names the job in callback URLs and buttons. */
	id: string;
	kind: JobKind;
	createdAt: number;
	target: JobTarget;
	request: GenerateRequest;
	state: JobPhase;
	/** A callback that named this job before its submit had returned; applied once the task id is known. */
	earlyCallback?: { taskId: string; receivedAt: number };
}

export type SubmittedJob = JobRecord & { state: Extract<JobPhase, { phase: 'submitted' }> };
export type FinishedJob = JobRecord & { state: Extract<JobPhase, { phase: 'finished' }> };

export function isSubmitted(job: JobRecord): job is SubmittedJob {
	return job.state.phase === 'submitted';
}

export function isFinished(job: JobRecord): job is FinishedJob {
	return job.state.phase === 'finished';
}
