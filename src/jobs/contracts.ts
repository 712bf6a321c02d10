/**
 * The job service's contracts with the rest of the bot: what it needs (a publisher, its options) and what it takes
 * and answers (new jobs, callback verdicts).
 */
import type { MjClient } from '../api/client.js';
import type { SubmitRequest } from '../api/types.js';
import type { Foreground } from '../foreground.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Claims } from '../store/claims.js';
import type { AdoptionPolicy } from './adoption.js';
import type { DownloadLimits, DownloadResult } from './download.js';
import type { PollPolicy } from './poller.js';
import type { JobRepository } from './repository.js';
import type { JobKind } from './request.js';
import type {
	DeliveredAttachment,
	DeliveryRoute,
	FinishedJob,
	JobParent,
	JobRecord,
	JobTarget,
	PostAttempt,
} from './types.js';

/** The Discord side of a job, behind an interface so the lifecycle stays free of transport. */
export interface JobPublisher {
	/**
	 * Shows the job as waiting (`queuePosition` ≥ 1, with its estimated start `startsAt`, epoch ms) or working.
	 * Returns the reply's message id.
	 */
	showWorking(job: JobRecord, queuePosition?: number, startsAt?: number): Promise<string>;
	/** Delivers a finished job (result or failure) by whatever route Discord allows; throws {@link DeliveryError}. */
	publish(job: FinishedJob, files: DownloadResult[], options?: PublishOptions): Promise<PublishedMessage>;
	/**
	 * Tells the member that Discord did not take the job's message before the bot gave up (`reason`, English, is what
	 * is recorded); the returned message carries it as its `notice`. Throws {@link DeliveryError}.
	 */
	publishGaveUp?(job: FinishedJob, reason: string, options?: PublishOptions): Promise<PublishedMessage>;
}

/** How a delivery Discord could not take (5xx, network) is tried again; see jobs/delivery.ts. */
export interface DeliveryRetryPolicy {
	/** The first delay; each next one five times longer, up to `maxMs`. */
	baseMs: number;
	maxMs: number;
	/** Counted from the job's end: after this long, the member is told the result could not be posted. */
	giveUpMs: number;
}

export interface PublishOptions {
	/** Awaited before each message is created (not before edits): records the attempt; a rejection stops the post. */
	beforePost?: (attempt: PostAttempt) => Promise<void>;
}

export interface PublishedMessage {
	via: DeliveryRoute;
	messageId: string;
	attachments: DeliveredAttachment[];
	/** Set when the result itself could not be posted: the message only tells the member so, for this reason. */
	notice?: string;
}

/** The key id jobs of the operator's default key wait under when none is given (tests, a single-key bot). */
export const UNNAMED_DEFAULT_KEY = 'default';

/** A provider key as the jobs use it: the key, and its public name (see api/keyId.ts). */
export interface JobKey {
	apiKey: string;
	keyId: string;
}

/** Which key pays for a server's jobs. */
export interface JobKeys {
	/**
	 * The server's own key; undefined: the operator's default. `paused`: the provider refused the server's key, and its
	 * jobs fail with a clear message until an admin replaces it. `missing`: the operator requires servers' own keys and
	 * this one has none. Asked for every submission and poll: cached by the implementation.
	 */
	forGuild(guildId: string): Promise<JobKey | 'paused' | 'missing' | undefined>;
	/** The provider refused a server's own key (401): its admins are told (once) and its jobs pause. */
	refused(guildId: string, keyId: string): Promise<void>;
	/**
	 * The server's key with this id, current or lately replaced or removed (a task is only told to the account that
	 * created it); undefined when the server no longer holds it.
	 */
	byId(guildId: string, keyId: string): Promise<JobKey | undefined>;
}

export interface JobServiceOptions {
	/** Servers' own keys; none: every job uses the operator's default key. */
	keys?: JobKeys;
	/** The key id of the operator's default key (its windows keep the single-key names). */
	defaultKeyId?: string;
	/** A job finished as failed: whatever was reserved for it (its cost) is given back. */
	onFailed?: (job: FinishedJob) => void;
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
	/**
	 * Whether other processes share the store (and the provider's account): then every submit and status query also
	 * takes a grant from a window shared through the claims, so all of them together stay under the provider's limits.
	 * Otherwise the limits are this process's alone.
	 */
	shareLimits?: boolean;
	retryBaseMs: number;
	/** How long a job whose submit had no clear answer waits for the provider's callback to name its task. */
	adoption: AdoptionPolicy;
	/** Retries of deliveries Discord could not take; default: 1 s, 5 s, 25 s…, every 5 min at most, for 6 hours. */
	deliveryRetry?: DeliveryRetryPolicy;
	/** Work somebody waits on (callbacks to answer): rendering and uploading results waits for it to end. */
	foreground?: Foreground;
	now?: () => number;
}

export type CallbackVerdict = 'accepted' | 'duplicate' | 'unknown-job' | 'task-mismatch';

export interface NewJob {
	/**
	 * The job's id when the caller chose it beforehand (the settings gate reserves a place under the limits for it);
	 * a fresh random id otherwise. Must be unique: `start()` stores the job under it.
	 */
	id?: string;
	kind: JobKind;
	target: JobTarget;
	request: SubmitRequest;
	parent?: JobParent;
}
