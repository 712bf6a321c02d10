/**
 * The one gate every job passes before it is submitted, whatever started it (a command, a button, a reaction):
 * the server's channel, role, task-type and speed rules, then the member's and the server's limits. It also resolves
 * effective parameters and holds the settings the commands show and change.
 */
import type { SubmitRequest } from '../api/types.js';
import { newJobId } from '../jobs/ids.js';
import type { GenerationOptionName } from '../jobs/options.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobKind } from '../jobs/request.js';
import type { Logger } from '../logger.js';
import type { Claims } from '../store/claims.js';
import { KeyedLock } from '../store/keyedLock.js';
import type { Store } from '../store/store.js';
import type { Refusal } from './refusals.js';
import { resolveEffective, type EffectiveOptions } from './resolve.js';
import { applyRequestRules, checkChannel, checkRole } from './rules.js';
import { LockTimeoutError, SharedLock, type SharedLockTiming } from './sharedLock.js';
import { SettingsStore } from './store.js';
import { nextUtcMidnight } from './time.js';
import type { ActionEmoji, OptionDefaults, ServerSettings, ValueSource } from './types.js';
import { JobUsage, type GuildUsage, type JobEntry } from './usage.js';
import { BatchedUsageRecorder } from './usageRecorder.js';
import { effectiveEmoji } from './validate.js';

export interface JobAuthorizationInput {
	guildId: string;
	/** Where the job was asked for: the command's channel, or the channel of the result a member acted on. */
	channelId: string;
	/** When `channelId` is a thread: its parent channel (an allowed channel's threads are allowed too). */
	parentChannelId?: string | null;
	userId: string;
	/** The member's role ids, or a way to fetch them (only called when the server requires a role). */
	roleIds: readonly string[] | (() => Promise<readonly string[]>);
	kind: JobKind;
	/** The request as built from the effective options. */
	request: SubmitRequest;
	/** Where each option's value came from (see {@link SettingsService.resolveOptions}), for clearer refusals. */
	sources?: Partial<Record<GenerationOptionName, ValueSource>>;
}

export type JobAuthorization =
	| {
			ok: true;
			/** The request to submit: the server's watermark applied, and an allowed speed where nobody chose one. */
			request: SubmitRequest;
			/**
			 * The id to start the job under (`jobs.start({ id, … })`). Its place under the limits is already taken in the
			 * store, in every process's count: as a reservation until the job is stored, then as the job itself.
			 */
			jobId: string;
			/**
			 * Call when the job was not started after all: gives its place back. Does nothing once the job exists (it
			 * counts as itself), and never throws; if it cannot, the place is given back on its own after a few minutes.
			 */
			release(): Promise<void>;
	  }
	| { ok: false; refusal: Refusal };

export interface SettingsServiceOptions {
	/** The clock for limits (today's counts, the age of a reservation). */
	now?: () => number;
	/** For tests: how long the shared lock lasts and is waited for. */
	lockTiming?: Partial<SharedLockTiming>;
}

/** The shared lock's name: its claims are `lock:limits:<guildId>`. */
const LIMITS_LOCK = 'limits';

export class SettingsService {
	public readonly settings: SettingsStore;
	public readonly usage: JobUsage;
	/** Decisions in this process one at a time per server, in order of arrival (settings reads included). */
	private readonly queue = new KeyedLock();
	/** A server's limits across processes: the counts and the usage index that decisions read and write. */
	private readonly limits: SharedLock;
	private readonly now: () => number;
	/** Grants of servers without limits, recorded just after they are answered. */
	private readonly recorder: BatchedUsageRecorder;

	public constructor(
		store: Store,
		repository: JobRepository,
		/** The store's atomic claims: what the server's shared lock is made of, across every process on the store. */
		claims: Claims,
		private readonly logger: Logger,
		options: SettingsServiceOptions = {},
	) {
		this.now = options.now ?? Date.now;
		this.settings = new SettingsStore(store);
		this.usage = new JobUsage(store, repository, this.now);
		this.limits = new SharedLock(claims, LIMITS_LOCK, options.lockTiming);
		this.recorder = new BatchedUsageRecorder(this.usage, this.limits, logger);
	}

	/**
	 * Effective parameters for the named options: explicit option → the member's settings → the server's defaults →
	 * the API's default (or, where the server restricts speeds and nobody chose one, the slowest allowed speed).
	 */
	public async resolveOptions(
		guildId: string,
		userId: string,
		explicit: OptionDefaults,
		names: readonly GenerationOptionName[],
	): Promise<EffectiveOptions> {
		// Through the server's queue, like authorisation: concurrent requests keep their order of arrival.
		return this.queue.run(guildId, async () => {
			const [server, member] = await Promise.all([
				this.settings.server(guildId),
				this.settings.member(guildId, userId),
			]);
			return resolveEffective(names, explicit, member, server);
		});
	}

	/** The emoji the server uses for each result action. */
	public async emojiFor(guildId: string): Promise<ActionEmoji> {
		return effectiveEmoji(await this.settings.server(guildId));
	}

	public async guildUsage(guildId: string): Promise<GuildUsage> {
		return this.usage.guildUsage(guildId);
	}

	/** Applies the server's rules and limits to a job about to start. Never throws for a refusal: it answers why. */
	public async authorizeJob(input: JobAuthorizationInput): Promise<JobAuthorization> {
		// Waiting counts from now, queueing included: the member is owed an answer within Discord's 3 s either way.
		const deadline = Date.now() + this.limits.timing.waitMs;
		// One decision at a time per server, in order of arrival: concurrent requests see each other's places under
		// the limits, and the first to ask is the first to be queued.
		return this.queue.run(input.guildId, async () => this.decide(input, deadline));
	}

	private async decide(input: JobAuthorizationInput, deadline: number): Promise<JobAuthorization> {
		const server = await this.settings.server(input.guildId);
		const channel = checkChannel(server, input.channelId, input.parentChannelId);
		if (!channel.ok) return channel;
		if (server.requiredRoleId) {
			const roleIds = typeof input.roleIds === 'function' ? await input.roleIds() : input.roleIds;
			const role = checkRole(server, roleIds);
			if (!role.ok) return role;
		}
		const ruled = applyRequestRules(server, input.request, input.sources);
		if (!ruled.ok) return ruled;

		const { memberRunning, memberDaily, serverDaily } = server.limits;
		if (memberRunning === undefined && memberDaily === undefined && serverDaily === undefined) {
			return this.grantUncounted(input.guildId, input.userId, ruled.request);
		}
		// Counting and reserving under the server's shared lock: no other process decides in between, so two requests
		// arriving at two processes at once cannot both slip under a limit. The rules above need no lock: they only
		// read settings (and the role check may wait on Discord, which the lock must not).
		try {
			return await this.limits.run(
				input.guildId,
				async () => this.checkLimitsAndReserve(input.guildId, input.userId, server.limits, ruled.request),
				deadline,
			);
		} catch (error) {
			if (!(error instanceof LockTimeoutError)) throw error;
			this.logger.warn({ guildId: input.guildId, claim: error.claimKey }, 'The server’s limits stayed locked too long');
			return refuse({ rule: 'busy' });
		}
	}

	private async checkLimitsAndReserve(
		guildId: string,
		userId: string,
		limits: ServerSettings['limits'],
		request: SubmitRequest,
	): Promise<JobAuthorization> {
		const { memberRunning, memberDaily, serverDaily } = limits;
		const resetsAt = nextUtcMidnight(this.now());
		if (memberRunning !== undefined || memberDaily !== undefined) {
			const usage = await this.usage.memberUsage(guildId, userId);
			const running = usage.running.length;
			if (memberRunning !== undefined && running >= memberRunning) {
				return refuse({ rule: 'member-running', running, limit: memberRunning });
			}
			if (memberDaily !== undefined && usage.today >= memberDaily) {
				return refuse({ rule: 'member-daily', limit: memberDaily, resetsAt });
			}
		}
		if (serverDaily !== undefined) {
			const usage = await this.usage.guildUsage(guildId);
			if (usage.today >= serverDaily) {
				return refuse({ rule: 'server-daily', limit: serverDaily, resetsAt });
			}
		}
		// Recorded before the lock is let go, under the id the job will start with: the next decision, in any process,
		// counts it (as a reservation until the job is stored).
		const entry: JobEntry = { id: newJobId(), at: this.now() };
		await this.usage.record(guildId, userId, entry);
		return {
			ok: true,
			request,
			jobId: entry.id,
			release: async () => this.giveBack(guildId, userId, entry),
		};
	}

	/**
	 * A grant in a server without limits: nothing to count, so the member is not kept waiting for the shared lock (a
	 * burst of commands in one server would queue behind it). The job is still recorded for `/jobs` and for limits an
	 * admin may set later, under the lock but in the background; a decision made after limits were set waits for it.
	 */
	private grantUncounted(guildId: string, userId: string, request: SubmitRequest): JobAuthorization {
		const entry: JobEntry = { id: newJobId(), at: this.now() };
		const recorded = this.recorder.record(guildId, userId, entry);
		return {
			ok: true,
			request,
			jobId: entry.id,
			release: async () => {
				await recorded;
				await this.giveBack(guildId, userId, entry);
			},
		};
	}

	/** Takes back a reservation whose job never started. */
	private async giveBack(guildId: string, userId: string, entry: JobEntry): Promise<void> {
		try {
			await this.limits.run(guildId, async () => {
				// A job stored after all (its start failed late) counts as itself: keep its entry.
				if (await this.usage.job(entry.id)) return;
				await this.usage.unrecord(guildId, userId, entry);
			});
		} catch (error) {
			// Nothing lost but a few minutes: the reservation counts for nothing once abandoned.
			this.logger.warn(
				{ err: error, guildId, jobId: entry.id },
				'Could not give back an unused place under the limits',
			);
		}
	}

	/** Resolves once every grant so far is in the usage index (for tests, and before forgetting a server). */
	public async recorded(guildId?: string): Promise<void> {
		await this.recorder.settled(guildId);
	}

	/** Forgets everything about a server (the bot left it). */
	public async removeGuild(guildId: string): Promise<void> {
		// Grants still being recorded would write the index back after it is deleted.
		await this.recorded(guildId);
		const members = await this.settings.removeGuild(guildId);
		// Under the lock, so that no decision in flight writes a deleted index back. Nobody is waiting for an answer
		// here: long enough for a dead holder's claim to expire.
		const deadline = Date.now() + 2 * this.limits.timing.ttlMs;
		await this.limits.run(guildId, async () => this.usage.removeGuild(guildId), deadline);
		this.logger.info({ guildId, memberSettings: members }, 'Removed the settings of a server the bot left');
	}
}

function refuse(refusal: Refusal): JobAuthorization {
	return { ok: false, refusal };
}
