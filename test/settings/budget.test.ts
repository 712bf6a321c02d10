import { afterEach, describe, expect, it } from 'vitest';
import { BudgetLedger, type Budgets } from '../../src/settings/budget.js';
import { actionOfTask, costOf, costTable, DEFAULT_COSTS } from '../../src/settings/costs.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, type Store } from '../../src/store/store.js';
import { freshStores, STORE_KINDS } from '../support/stores.js';

const GUILD = '300000000000000001';
const ALICE = '400000000000000001';
const BOB = '400000000000000002';
/** 2026-03-31 22:00 UTC: the last day of a month, two hours before both reset. */
const LATE_IN_MARCH = Date.UTC(2026, 2, 31, 22);

const opened: Array<Store | Claims> = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map(async (closable) => closable.close()));
});

/** One process's view of a store: its own connections, its own ledger. */
function ledgerOn(url: string, now: () => number = Date.now): BudgetLedger {
	const store = createStore(url);
	const claims = createClaims(url);
	opened.push(store, claims);
	return new BudgetLedger(store, claims, now, { waitMs: 10_000 });
}

function clock(start: number): { now: () => number; set(at: number): void } {
	let at = start;
	return { now: () => at, set: (to) => (at = to) };
}

let jobs = 0;
const reserve = (ledger: BudgetLedger, memberId: string, cost: number, budgets: Budgets) =>
	ledger.reserve({ jobId: `job-${(jobs += 1)}`, guildId: GUILD, memberId, cost, budgets });

describe('costTable and costOf', () => {
	it('marks every default as an estimate, and the operator’s figures not', () => {
		const table = costTable({ imagine: { turbo: 20 }, animate: 70 });
		expect(table.imagine.fast).toEqual({ credits: DEFAULT_COSTS.imagine.fast, estimate: true });
		expect(table.imagine.turbo).toEqual({ credits: 20, estimate: false });
		expect(table.animate.relaxed).toEqual({ credits: 70, estimate: false });
		expect(table.animate.turbo).toEqual({ credits: 70, estimate: false });
		expect(Object.values(costTable()).every((row) => Object.values(row).every((cost) => cost.estimate))).toBe(true);
	});

	it('prices a video per video, an image grid once, and an unstated speed as fast', () => {
		const table = costTable({ animate: 12.5 });
		expect(costOf(table, { action: 'animate', batchSize: 4 }).credits).toBe(50);
		expect(costOf(table, { action: 'imagine', speed: 'relaxed', batchSize: 4 }).credits).toBe(
			DEFAULT_COSTS.imagine.relaxed,
		);
		expect(costOf(table, { action: 'upscale' }).credits).toBe(DEFAULT_COSTS.upscale.fast);
	});

	it('names the action of each task type', () => {
		expect(actionOfTask('mj_txt2img')).toBe('imagine');
		expect(actionOfTask('mj_img2img')).toBe('remix');
		expect(actionOfTask('mj_style_reference')).toBe('style');
		expect(actionOfTask('mj_omni_reference')).toBe('omni');
		expect(actionOfTask('mj_video')).toBe('animate');
		expect(actionOfTask('mj_video_hd')).toBe('animate_hd');
	});
});

describe('BudgetLedger in one process', () => {
	it('reserves within the budgets and refuses past one, with the figures and the reset time', async () => {
		const ledger = ledgerOn('memory://', () => LATE_IN_MARCH);
		const budgets = { serverDaily: 20, serverMonthly: 1_000, memberDaily: 15 };
		expect(await reserve(ledger, ALICE, 8, budgets)).toEqual({ granted: true });
		expect(await reserve(ledger, ALICE, 8, budgets)).toEqual({
			granted: false,
			refusal: { scope: 'member-day', cost: 8, spent: 8, budget: 15, resetsAt: Date.UTC(2026, 3, 1) },
		});
		expect(await reserve(ledger, BOB, 8, budgets)).toEqual({ granted: true });
		expect(await reserve(ledger, BOB, 4.5, budgets)).toEqual({
			granted: false,
			refusal: { scope: 'server-day', cost: 4.5, spent: 16, budget: 20, resetsAt: Date.UTC(2026, 3, 1) },
		});
		expect(await reserve(ledger, BOB, 4, budgets)).toEqual({ granted: true });
		const spending = await ledger.spending(GUILD, budgets, BOB);
		expect(spending.serverDay).toEqual({ spent: 20, budget: 20, remaining: 0, resetsAt: Date.UTC(2026, 3, 1) });
		expect(spending.serverMonth).toEqual({ spent: 20, budget: 1_000, remaining: 980, resetsAt: Date.UTC(2026, 3, 1) });
		expect(spending.memberDay).toEqual({ spent: 12, budget: 15, remaining: 3, resetsAt: Date.UTC(2026, 3, 1) });
	});

	it('refuses by the month, which resets on the first of the next month (UTC)', async () => {
		const time = clock(Date.UTC(2026, 1, 10, 12));
		const ledger = ledgerOn('memory://', time.now);
		const budgets = { serverMonthly: 30 };
		expect((await reserve(ledger, ALICE, 16, budgets)).granted).toBe(true);
		time.set(Date.UTC(2026, 1, 20));
		expect(await reserve(ledger, ALICE, 16, budgets)).toEqual({
			granted: false,
			refusal: { scope: 'server-month', cost: 16, spent: 16, budget: 30, resetsAt: Date.UTC(2026, 2, 1) },
		});
		time.set(Date.UTC(2026, 2, 1));
		expect((await reserve(ledger, ALICE, 16, budgets)).granted).toBe(true);
	});

	it('gives a failed job’s cost back once, to the day it was taken from, even after midnight', async () => {
		const time = clock(LATE_IN_MARCH);
		const ledger = ledgerOn('memory://', time.now);
		const budgets = { serverDaily: 10, memberDaily: 10 };
		const outcome = await ledger.reserve({ jobId: 'failing', guildId: GUILD, memberId: ALICE, cost: 8, budgets });
		expect(outcome.granted).toBe(true);
		time.set(LATE_IN_MARCH + 3 * 60 * 60 * 1000);
		expect((await reserve(ledger, ALICE, 8, budgets)).granted).toBe(true);
		expect(await ledger.refund('failing', GUILD)).toBe(true);
		expect(await ledger.refund('failing', GUILD)).toBe(false);
		// Today's spending is untouched; yesterday's and March's were given back.
		expect((await ledger.spending(GUILD, budgets, ALICE)).serverDay.spent).toBe(8);
		time.set(LATE_IN_MARCH);
		const march = await ledger.spending(GUILD, budgets, ALICE);
		expect([march.serverDay.spent, march.serverMonth.spent, march.memberDay?.spent]).toEqual([0, 0, 0]);
	});

	it('counts spending without budgets, lets free actions through, and forgets a server', async () => {
		const ledger = ledgerOn('memory://', () => LATE_IN_MARCH);
		expect(await reserve(ledger, ALICE, 0.25, {})).toEqual({ granted: true });
		expect(await reserve(ledger, ALICE, 0, { serverDaily: 0 })).toEqual({ granted: true });
		expect((await ledger.spending(GUILD, {})).serverDay).toEqual({
			spent: 0.25,
			budget: undefined,
			remaining: undefined,
			resetsAt: Date.UTC(2026, 3, 1),
		});
		await ledger.removeGuild(GUILD);
		expect((await ledger.spending(GUILD, {})).serverDay.spent).toBe(0);
		await expect(reserve(ledger, ALICE, -1, {})).rejects.toThrow(RangeError);
	});

	it('adds hundredths without drift', async () => {
		const ledger = ledgerOn('memory://', () => LATE_IN_MARCH);
		for (let index = 0; index < 10; index++) await reserve(ledger, ALICE, 0.1, { serverDaily: 1 });
		expect((await ledger.spending(GUILD, {})).serverDay.spent).toBe(1);
		expect((await reserve(ledger, ALICE, 0.01, { serverDaily: 1 })).granted).toBe(false);
	});
});

const stores = freshStores('budget');

describe.each(STORE_KINDS)('BudgetLedger across two processes (%s)', (kind) => {
	it('grants one of two reservations that together exceed the budget, and refuses the other with the figures', async () => {
		const url = stores.url(kind);
		const [one, two] = [ledgerOn(url), ledgerOn(url)];
		const budgets = { serverDaily: 100 };
		const outcomes = await Promise.all([
			one.reserve({ jobId: 'a', guildId: GUILD, memberId: ALICE, cost: 60, budgets }),
			two.reserve({ jobId: 'b', guildId: GUILD, memberId: BOB, cost: 60, budgets }),
		]);
		expect(outcomes.filter((outcome) => outcome.granted)).toHaveLength(1);
		const refused = outcomes.find((outcome) => !outcome.granted);
		expect(refused).toMatchObject({ refusal: { scope: 'server-day', cost: 60, spent: 60, budget: 100 } });
		expect((await two.spending(GUILD, budgets)).serverDay.spent).toBe(60);
	});

	it('never spends past the budget under many reservations at once, and refunds across processes', async () => {
		const url = stores.url(kind);
		const ledgers = [ledgerOn(url), ledgerOn(url)];
		const budgets = { serverDaily: 100 };
		const outcomes = await Promise.all(
			Array.from({ length: 10 }, async (_, index) =>
				ledgers[index % 2]!.reserve({ jobId: `j${index}`, guildId: GUILD, memberId: ALICE, cost: 15, budgets }),
			),
		);
		expect(outcomes.filter((outcome) => outcome.granted)).toHaveLength(6);
		expect((await ledgers[0]!.spending(GUILD, budgets)).serverDay.spent).toBe(90);
		const grantedIds = outcomes.flatMap((outcome, index) => (outcome.granted ? [`j${index}`] : []));
		const refunds = await Promise.all([
			ledgers[0]!.refund(grantedIds[0]!, GUILD),
			ledgers[1]!.refund(grantedIds[0]!, GUILD),
		]);
		expect(refunds.filter(Boolean)).toHaveLength(1);
		expect((await ledgers[1]!.spending(GUILD, budgets)).serverDay.spent).toBe(75);
	});
});
