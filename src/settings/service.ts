/**
 * The one gate every job passes before it is submitted, whatever started it (a command, a button, a reaction):
 * the server's channel, role, task-type and speed rules, then the member's and the server's limits. It also resolves
 * effective parameters and holds the settings the commands show and change.
 */
import type { GenerateRequest } from '../api/types.js';
import type { GenerationOptionName } from '../jobs/options.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobKind } from '../jobs/request.js';
import type { JobRecord } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store.js';
import { KeyedLock } from './keyedLock.js';
import { resolveEffective, type EffectiveOptions } from './resolve.js';
import { applyRequestRules, checkChannel, checkRole, type RuleName } from './rules.js';
import { SettingsStore } from './store.js';
import { discordTimestamp, nextUtcMidnight } from './time.js';
import type { ActionEmoji, OptionDefaults, ValueSource } from './types.js';
import { JobUsage, type GuildJobEntry, type GuildUsage } from './usage.js';
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
	request: GenerateRequest;
	/** Where each option's value came from (see {@link SettingsService.resolveOptions}), for clearer refusals. */
	sources?: Partial<Record<GenerationOptionName, ValueSource>>;
}

export type JobAuthorization =
	| {
			ok: true;
			/** The request to submit: the server's watermark applied, and an allowed speed where nobody chose one. */
			request: GenerateRequest;
			/**
			 * Call once `jobs.start()` returned: records the job for limits and `/jobs`. Until then (or `release()`),
			 * the job holds a place under the limits, so two quick requests cannot both slip under them.
			 */
			started(job: Pick<JobRecord, 'id' | 'createdAt'>): Promise<void>;
			/** Call instead of `started` when the job was not started after all. */
			release(): void;
	  }
	| { ok: false; rule: RuleName; message: string };

/** A place held under the limits between authorisation and start; given up on its own if the caller never says. */
const RESERVATION_TIMEOUT_MS = 5 * 60_000;

export class SettingsService {
	public readonly settings: SettingsStore;
	public readonly usage: JobUsage;
	private readonly lock = new KeyedLock();
	/** Places held under the limits: authorised jobs not started yet, or started but not yet in the usage index. */
	private readonly holds = new Set<Hold>();

	public constructor(
		store: Store,
		repository: JobRepository,
		private readonly logger: Logger,
		private readonly now: () => number = Date.now,
	) {
		this.settings = new SettingsStore(store);
		this.usage = new JobUsage(store, repository, now);
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
		return this.lock.run(guildId, async () => {
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
		return this.usage.guildUsage(guildId, this.startedHolds(guildId));
	}

	/** Applies the server's rules and limits to a job about to start. Never throws for a refusal: it answers why. */
	public async authorizeJob(input: JobAuthorizationInput): Promise<JobAuthorization> {
		// One decision at a time per server, in order of arrival: concurrent requests see each other's places under
		// the limits, and the first to ask is the first to be queued.
		return this.lock.run(input.guildId, async () => this.decide(input));
	}

	private async decide(input: JobAuthorizationInput): Promise<JobAuthorization> {
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

		const { guildId, userId } = input;
		const { memberRunning, memberDaily, serverDaily } = server.limits;
		const resetsAt = discordTimestamp(nextUtcMidnight(this.now()));
		if (memberRunning !== undefined || memberDaily !== undefined) {
			const usage = await this.usage.memberUsage(guildId, userId, this.startedHolds(guildId, userId));
			const waiting = this.unstartedHolds(guildId, userId);
			const running = usage.running.length + waiting;
			if (memberRunning !== undefined && running >= memberRunning) {
				return refuse(
					'member-running',
					`You already have ${plural(running, 'job')} running, and this server allows ${memberRunning} at once. You can start another as soon as one finishes (see \`/jobs\`). A server admin controls this with \`/server-settings set member_running_limit\`.`,
				);
			}
			if (memberDaily !== undefined && usage.today + waiting >= memberDaily) {
				return refuse(
					'member-daily',
					`You have used your ${plural(memberDaily, 'job')} for today on this server; the limit resets ${resetsAt} (midnight UTC). Failed jobs do not count. A server admin controls this with \`/server-settings set member_daily_limit\`.`,
				);
			}
		}
		if (serverDaily !== undefined) {
			const usage = await this.usage.guildUsage(guildId, this.startedHolds(guildId));
			if (usage.today + this.unstartedHolds(guildId) >= serverDaily) {
				return refuse(
					'server-daily',
					`This server has reached its cap of ${plural(serverDaily, 'job')} per day; it resets ${resetsAt} (midnight UTC). A server admin controls this with \`/server-settings set server_daily_limit\`.`,
				);
			}
		}
		return this.grant(guildId, userId, ruled.request);
	}

	/** Forgets everything about a server (the bot left it). */
	public async removeGuild(guildId: string): Promise<void> {
		const members = await this.settings.removeGuild(guildId);
		await this.usage.removeGuild(guildId);
		this.logger.info({ guildId, memberSettings: members }, 'Removed the settings of a server the bot left');
	}

	private grant(guildId: string, userId: string, request: GenerateRequest): JobAuthorization {
		const hold: Hold = { guildId, userId };
		this.holds.add(hold);
		const release = () => {
			clearTimeout(timer);
			this.holds.delete(hold);
		};
		const timer = setTimeout(release, RESERVATION_TIMEOUT_MS);
		timer.unref();
		return {
			ok: true,
			request,
			started: async (job) => {
				// From now on the hold counts as this job (running or not, failed or not) until the index has it.
				hold.job = { id: job.id, at: job.createdAt, userId };
				try {
					await this.usage.record(guildId, userId, job);
				} finally {
					release();
				}
			},
			release,
		};
	}

	private startedHolds(guildId: string, userId?: string): GuildJobEntry[] {
		return [...this.holds].flatMap((hold) =>
			hold.job && hold.guildId === guildId && (userId === undefined || hold.userId === userId) ? [hold.job] : [],
		);
	}

	private unstartedHolds(guildId: string, userId?: string): number {
		return [...this.holds].filter(
			(hold) => !hold.job && hold.guildId === guildId && (userId === undefined || hold.userId === userId),
		).length;
	}
}

interface Hold {
	guildId: string;
	userId: string;
	/** Set once the job has started. */
	job?: GuildJobEntry;
}

function refuse(rule: RuleName, message: string): JobAuthorization {
	return { ok: false, rule, message };
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
