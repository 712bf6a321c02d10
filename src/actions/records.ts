/**
 * What the bot remembers about result messages, beyond the jobs themselves: which message shows which result
 * (so a reaction on any result resolves to what it shows), which images have been picked (so a second pick points
 * to the first), and which reactions were just handled (so a repeated reaction starts nothing).
 * All of it lives in the store (the claims in its atomic table), so it holds after a restart and across processes.
 */
import type Keyv from 'keyv';
import type { Claims } from '../store/claims.js';
import { KeyedLock } from '../store/keyedLock.js';
import type { Store } from '../store/store.js';

/** Kept as long as finished jobs are (see `jobs/repository.ts`): a message outliving its job could not be acted on. */
export const RESULT_RECORD_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** The same member adding the same emoji to the same message again within this window starts nothing. */
export const REPEAT_REACTION_WINDOW_MS = 60_000;
/** How long one process may take to post a picked image before another may try. */
const PICK_CLAIM_TTL_MS = 60_000;
/** How long one press may take to start a follow-up before another may (it is recorded once started). */
const FOLLOW_UP_CLAIM_TTL_MS = 60_000;

/** What a result message shows: a job's whole result, or one image picked from it. */
export type ResultMessageRef = { type: 'job'; jobId: string } | { type: 'pick'; jobId: string; index: number };

/** One image posted on its own by a pick. */
export interface PickRecord {
	sourceJobId: string;
	/** 0-based index of the image among the job's results. */
	index: number;
	/** The image as posted: Discord's URL of the uploaded file, or the link that was posted instead. */
	url: string;
	messageId: string;
	channelId: string;
	guildId: string | null;
	pickedBy: string;
	pickedAt: number;
}

export class ActionRecords {
	private readonly messages: Keyv<ResultMessageRef>;
	private readonly picks: Keyv<PickRecord>;
	/** The job last started for each follow-up step of a result (`<jobId>:<action>[:mode]:<index>`). */
	private readonly followUps: Keyv<string>;
	private readonly locks = new KeyedLock();

	public constructor(store: Store) {
		this.messages = store.collection<ResultMessageRef>('messages');
		this.picks = store.collection<PickRecord>('picks');
		this.followUps = store.collection<string>('followups');
	}

	/** The id of the job last started for a follow-up step (running or not). */
	public async followUp(key: string): Promise<string | undefined> {
		return this.followUps.get(key);
	}

	public async recordFollowUp(key: string, jobId: string): Promise<void> {
		await this.followUps.set(key, jobId, RESULT_RECORD_TTL_MS);
	}

	public async messageRef(messageId: string): Promise<ResultMessageRef | undefined> {
		return this.messages.get(messageId);
	}

	public async recordResultMessage(messageId: string, jobId: string): Promise<void> {
		await this.messages.set(messageId, { type: 'job', jobId }, RESULT_RECORD_TTL_MS);
	}

	public async pick(jobId: string, index: number): Promise<PickRecord | undefined> {
		return this.picks.get(pickKey(jobId, index));
	}

	public async recordPick(pick: PickRecord): Promise<void> {
		await this.messages.set(
			pick.messageId,
			{ type: 'pick', jobId: pick.sourceJobId, index: pick.index },
			RESULT_RECORD_TTL_MS,
		);
		await this.picks.set(pickKey(pick.sourceJobId, pick.index), pick, RESULT_RECORD_TTL_MS);
	}

	/** Forgets a deleted message, and the pick it showed (so the image can be picked again). */
	public async forgetMessage(messageId: string): Promise<void> {
		const ref = await this.messages.get(messageId);
		if (ref?.type === 'pick') {
			const pick = await this.picks.get(pickKey(ref.jobId, ref.index));
			if (pick?.messageId === messageId) await this.picks.delete(pickKey(ref.jobId, ref.index));
		}
		await this.messages.delete(messageId);
	}

	/** Forgets a pick whose message is gone, without touching any other record. */
	public async forgetPick(pick: PickRecord): Promise<void> {
		await this.picks.delete(pickKey(pick.sourceJobId, pick.index));
		await this.messages.delete(pick.messageId);
	}

	/** Runs `task` after any other task holding `key` in this process (two picks of one image post it once). */
	public async serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
		return this.locks.run(key, task);
	}
}

/** What must happen once across every process on the store, claimed atomically (Keyv cannot compare-and-set). */
export class ActionClaims {
	public constructor(private readonly claims: Claims) {}

	/**
	 * Claims one member's emoji on one message for the repeat window. False when it was claimed within the window,
	 * by this process or another: the reaction was already handled (or is being handled right now).
	 */
	public async claimReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
		return this.claims.claim(reactionKey(messageId, userId, emoji), REPEAT_REACTION_WINDOW_MS);
	}

	public async releaseReaction(messageId: string, userId: string, emoji: string): Promise<void> {
		await this.claims.release(reactionKey(messageId, userId, emoji));
	}

	/**
	 * Claims telling one member why a reaction on one message did nothing, for the repeat window: one notice per
	 * member per result, whatever they react with.
	 */
	public async claimNotice(messageId: string, userId: string): Promise<boolean> {
		return this.claims.claim(`notice:${messageId}:${userId}`, REPEAT_REACTION_WINDOW_MS);
	}

	public async releaseNotice(messageId: string, userId: string): Promise<void> {
		await this.claims.release(`notice:${messageId}:${userId}`);
	}

	/** Claims posting a pick across processes; false while another process is posting the same image. */
	public async claimPick(jobId: string, index: number): Promise<boolean> {
		return this.claims.claim(`pick:${pickKey(jobId, index)}`, PICK_CLAIM_TTL_MS);
	}

	public async releasePick(jobId: string, index: number): Promise<void> {
		await this.claims.release(`pick:${pickKey(jobId, index)}`);
	}

	/** Claims starting a follow-up step across processes; false while another press is starting the same step. */
	public async claimFollowUp(key: string): Promise<boolean> {
		return this.claims.claim(`followup:${key}`, FOLLOW_UP_CLAIM_TTL_MS);
	}

	public async releaseFollowUp(key: string): Promise<void> {
		await this.claims.release(`followup:${key}`);
	}
}

export function pickKey(jobId: string, index: number): string {
	return `${jobId}:${index}`;
}

function reactionKey(messageId: string, userId: string, emoji: string): string {
	return `reaction:${messageId}:${userId}:${emoji}`;
}
