import type { SubmitRequest, TaskOutcome } from '../api/types.js';
import type { Language } from '../i18n/index.js';
import type { JobKind } from './request.js';

export type FinishedOutcome = Exclude<TaskOutcome, { status: 'pending' }>;

/** The interaction a job was started by: lets us edit its reply without any permission for 15 minutes. */
export interface InteractionHandle {
	applicationId: string;
	token: string;
	/** Epoch ms after which the token must not be used. */
	expiresAt: number;
}

/** Where a job's result goes: the member's reply, and what is needed to reach it once the token has died. */
export interface JobTarget {
	guildId: string;
	channelId: string;
	requesterId: string;
	/** Absent for jobs started by a reaction: those post their own message as the bot. */
	interaction?: InteractionHandle;
	/** The message a reaction-started job replies to (the result it came from). */
	replyTo?: string;
	/** The reply's message id, known once the "working…" message has been posted. */
	messageId?: string;
	/** Discord's upload limit for this guild, from the interaction; undefined = the default. */
	uploadLimitBytes?: number;
	/** The language of the job's messages in the channel, decided when it was asked for; absent = English. */
	language?: Language;
}

export type Delivery =
	/** `retryAt`: when a failed attempt is tried again (epoch ms), by this process or any other on the store. */
	| { state: 'pending'; attempts: number; posting?: PostAttempt; retryAt?: number; lastError?: string }
	| { state: 'delivered'; at: number; via: DeliveryRoute; messageId: string; attachments: DeliveredAttachment[] }
	/** `notified`: the result could not be posted, but this message told the member so. */
	| { state: 'failed'; at: number; reason: string; notified?: { via: DeliveryRoute; messageId: string } };

/**
 * A message about to be created for a job (a new message or a DM; edits need no record, repeating one changes
 * nothing). Stored before the request leaves, so that a later attempt looks for it before posting again.
 */
export interface PostAttempt {
	route: Extract<DeliveryRoute, 'channel-message' | 'dm'>;
	channelId: string;
	/** Sent with `enforce_nonce`: Discord answers a repeat within a few minutes with the message it already made. */
	nonce: string;
	at: number;
	/** Set when the message is the notice that the result could not be posted, for this reason. */
	notice?: string;
}

/** A file as Discord hosts it after delivery; `index` is the result's position (0-based) among the job's results. */
export interface DeliveredAttachment {
	index: number;
	url: string;
	filename: string;
	contentType: string | null;
}

export type DeliveryRoute = 'interaction' | 'channel-edit' | 'channel-message' | 'dm';

/**
 * A job's life, in order. Each phase holds exactly the facts known by then:
 * - `queued` / `submitting`: stored, not yet accepted by the API;
 * - `submitted`: the API returned a task id; waiting for a callback or a poll;
 * - `finished`: the outcome is known (confirmed with task details) and is being or has been delivered.
 */
export type JobPhase =
	/** Waiting in the submission queue: never sent, or refused with a retryable error. Safe to submit. */
	| { phase: 'queued'; attempts: number }
	/**
	 * A submit request is in flight, or left without a clear answer (`unknownSince`): whether a paid task exists is
	 * unknown. Never sent again; a correctly signed callback for it adopts the task (see jobs/adoption.ts).
	 */
	| { phase: 'submitting'; attempts: number; since: number; unknownSince?: number; keyId?: string }
	/**
	 * `keyId`: the provider key that created the task (a task is only told to its own account); absent in records
	 * written before it was kept, which are asked about with the server's current key.
	 */
	| { phase: 'submitted'; taskId: string; submittedAt: number; keyId?: string }
	| { phase: 'finished'; taskId: string | null; outcome: FinishedOutcome; finishedAt: number; delivery: Delivery };

export interface JobRecord {
	/** Our own id (not the provider's task id): it names the job in callback URLs and buttons. */
	id: string;
	kind: JobKind;
	createdAt: number;
	target: JobTarget;
	request: SubmitRequest;
	state: JobPhase;
	/** The result this job was started from (a reaction or button on it), for lineage. */
	parent?: JobParent;
}

/** One step of a job's lineage, oldest first: how the job it names came to be (`/imagine`, `V2`, `Upscale`…). */
export interface LineageStep {
	kind: JobKind;
	/** The image or video (0-based) of the step before that this one acted on. */
	index?: number;
}

/** The result a job was started from, and what a follow-up needs that its request does not carry. */
export interface JobParent {
	jobId: string;
	/** The image (or video) of the parent the job acted on, 0-based. */
	imageIndex?: number;
	/** The message the member acted on (in the job's channel): the new result links back to it. */
	messageId?: string;
	/** The parent's prompt: a vary, upscale or auto extend sends none, but shows and remixes it. */
	prompt?: string;
	/** The steps before this job, oldest first; this job's own step is its kind and `imageIndex`. */
	lineage?: LineageStep[];
}

/** The prompt a job shows and passes on: its own, or for a follow-up without one, its parent's. */
export function promptOf(job: Pick<JobRecord, 'request' | 'parent'>): string {
	return 'prompt' in job.request ? job.request.prompt : (job.parent?.prompt ?? '');
}

export type FinishedJob = JobRecord & { state: Extract<JobPhase, { phase: 'finished' }> };

export function isFinished(job: JobRecord): job is FinishedJob {
	return job.state.phase === 'finished';
}
