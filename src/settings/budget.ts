/**
 * Credits spent per server per UTC day and month, and per member per UTC day, against the budgets a server sets. A
 * job's cost is reserved before it is submitted and given back if it fails, like the daily job counts.
 *
 * Decisions are atomic across processes: a reservation reads the spending and writes it back holding the server's
 * shared lock (see sharedLock.ts), so two reservations that together exceed a budget never both pass. Amounts are
 * kept in hundredths of a credit, as integers, so that sums never drift. Spending is written before the reservation
 * that can give it back: a crash between the two overcounts (never undercounts) what was spent.
 */
import type Keyv from 'keyv';
import type { Claims } from '../store/claims.js';
import type { Store } from '../store/store.js';
import type { BudgetRefusal, BudgetScope } from './refusals.js';
import { SharedLock, type SharedLockTiming } from './sharedLock.js';
import { deleteWithPrefix } from './store.js';
import { nextUtcMidnight, utcDayKey } from './time.js';

/** A server's budgets in credits; unset: no limit. */
export interface Budgets {
	serverDaily?: number;
	serverMonthly?: number;
	memberDaily?: number;
}

export interface ReserveRequest {
	jobId: string;
	guildId: string;
	memberId: string;
	/** Credits, two decimals at most. */
	cost: number;
	budgets: Budgets;
}

export type ReserveOutcome = { granted: true } | { granted: false; refusal: BudgetRefusal };

export interface PeriodSpending {
	spent: number;
	/** Undefined: no budget. */
	budget: number | undefined;
	remaining: number | undefined;
	resetsAt: number;
}

export interface Spending {
	serverDay: PeriodSpending;
	serverMonth: PeriodSpending;
	memberDay?: PeriodSpending;
}

/** What a reservation took, and from which periods' counters, so that a refund gives back to those. */
interface Reservation {
	guildId: string;
	counters: string[];
	hundredths: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Counters outlive their period by a margin, for a refund that comes late (a job that failed after midnight). */
const DAY_TTL_MS = 3 * DAY_MS;
const MONTH_TTL_MS = 35 * DAY_MS;
/** Longer than any job may run: its refund comes before. */
const RESERVATION_TTL_MS = 35 * DAY_MS;

export class BudgetLedger {
	private readonly counters: Keyv<number>;
	private readonly reservations: Keyv<Reservation>;
	private readonly lock: SharedLock;

	public constructor(
		store: Store,
		claims: Claims,
		private readonly now: () => number = Date.now,
		lockTiming?: Partial<SharedLockTiming>,
	) {
		this.counters = store.collection<number>('budget-spend');
		this.reservations = store.collection<Reservation>('budget-reservations');
		this.lock = new SharedLock(claims, 'budget', lockTiming);
	}

	/**
	 * Reserves a job's cost if every budget allows it, atomically across processes. Rejects with `LockTimeoutError`
	 * (or `StoreUnavailableError`) when that cannot be decided now: nothing is reserved then.
	 */
	public async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
		const cost = toHundredths(request.cost);
		// What costs nothing is never refused, whatever is spent.
		if (cost === 0) return { granted: true };
		const at = this.now();
		const periods = this.periods(request.guildId, request.memberId, request.budgets, at);
		return this.lock.run(request.guildId, async () => {
			const spent = await Promise.all(periods.map(async (period) => (await this.counters.get(period.key)) ?? 0));
			for (const [index, period] of periods.entries()) {
				const budget = period.budget === undefined ? undefined : toHundredths(period.budget);
				if (budget !== undefined && spent[index]! + cost > budget) {
					const refusal = {
						scope: period.scope,
						cost: request.cost,
						budget: period.budget!,
						resetsAt: period.resetsAt,
					};
					return { granted: false, refusal: { ...refusal, spent: fromHundredths(spent[index]!) } };
				}
			}
			await Promise.all(
				periods.map(async (period, index) => this.counters.set(period.key, spent[index]! + cost, period.ttlMs)),
			);
			const reservation = { guildId: request.guildId, counters: periods.map((period) => period.key), hundredths: cost };
			await this.reservations.set(request.jobId, reservation, RESERVATION_TTL_MS);
			return { granted: true };
		});
	}

	/** Gives a failed job's cost back to the periods it was taken from; once. True when there was something to give. */
	public async refund(jobId: string, guildId: string): Promise<boolean> {
		return this.lock.run(guildId, async () => {
			const reservation = await this.reservations.get(jobId);
			if (!reservation) return false;
			for (const key of reservation.counters) {
				const spent = (await this.counters.get(key)) ?? 0;
				await this.counters.set(key, Math.max(0, spent - reservation.hundredths), ttlOf(key));
			}
			await this.reservations.delete(jobId);
			return true;
		});
	}

	/** What a server (and one of its members) has spent in the current periods, against its budgets. */
	public async spending(guildId: string, budgets: Budgets, memberId?: string): Promise<Spending> {
		const periods = this.periods(guildId, memberId, budgets, this.now());
		const read = await Promise.all(
			periods.map(async (period): Promise<PeriodSpending> => {
				const spent = fromHundredths((await this.counters.get(period.key)) ?? 0);
				const remaining = period.budget === undefined ? undefined : Math.max(0, round2(period.budget - spent));
				return { spent, budget: period.budget, remaining, resetsAt: period.resetsAt };
			}),
		);
		// In the order of `periods`: month, day, then the member's day.
		return { serverMonth: read[0]!, serverDay: read[1]!, ...(read[2] ? { memberDay: read[2] } : {}) };
	}

	/** Forgets a server's spending (the bot left it). Its reservations expire on their own. */
	public async removeGuild(guildId: string): Promise<void> {
		await deleteWithPrefix(this.counters, `${guildId}:`);
	}

	/** The counters a job of this member counts against, largest period first (its refusal says the most). */
	private periods(guildId: string, memberId: string | undefined, budgets: Budgets, at: number): Period[] {
		const day = utcDayKey(at);
		const month = day.slice(0, 7);
		const resetsTomorrow = nextUtcMidnight(at);
		const date = new Date(at);
		const resetsNextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
		const periods: Period[] = [
			{
				scope: 'server-month',
				key: `${guildId}:month:${month}`,
				budget: budgets.serverMonthly,
				resetsAt: resetsNextMonth,
				ttlMs: MONTH_TTL_MS,
			},
			{
				scope: 'server-day',
				key: `${guildId}:day:${day}`,
				budget: budgets.serverDaily,
				resetsAt: resetsTomorrow,
				ttlMs: DAY_TTL_MS,
			},
		];
		if (memberId !== undefined) {
			const key = `${guildId}:member:${memberId}:day:${day}`;
			periods.push({
				scope: 'member-day',
				key,
				budget: budgets.memberDaily,
				resetsAt: resetsTomorrow,
				ttlMs: DAY_TTL_MS,
			});
		}
		return periods;
	}
}

interface Period {
	scope: BudgetScope;
	key: string;
	budget: number | undefined;
	resetsAt: number;
	ttlMs: number;
}

function ttlOf(counterKey: string): number {
	return counterKey.includes(':month:') ? MONTH_TTL_MS : DAY_TTL_MS;
}

function toHundredths(credits: number): number {
	if (!Number.isFinite(credits) || credits < 0)
		throw new RangeError('A cost or budget must be a number of credits ≥ 0');
	return Math.round(credits * 100);
}

function fromHundredths(hundredths: number): number {
	return hundredths / 100;
}

function round2(credits: number): number {
	return Math.round(credits * 100) / 100;
}
