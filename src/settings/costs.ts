/**
 * What each action costs in the provider's credits, per speed: the table budgets are kept with. The provider's pages
 * in this repository state no prices, so every default is an estimate (from its public price list at the time of
 * writing: about 0.005 USD a credit) and is marked so wherever it is shown; the operator corrects them with
 * `COSTS_JSON`, and corrected figures are no longer marked. Video actions cost per video: times the batch size.
 */
import type { Speed, TaskType } from '../api/spec.js';
import { COST_ACTIONS, COST_SPEEDS, type CostAction, type CostOverrides, type CostSpeed } from '../config.js';

export type { CostAction, CostSpeed };

export interface Cost {
	credits: number;
	/** A default nobody has checked against the operator's account: show it as "about". */
	estimate: boolean;
}

export type CostTable = Readonly<Record<CostAction, Readonly<Record<CostSpeed, Cost>>>>;

/** Every speed alike: video is not sent a speed, and the provider bills it the same whatever the account's mode. */
const flat = (credits: number): Record<CostSpeed, number> => ({ relaxed: credits, fast: credits, turbo: credits });

/** Estimates, in credits. A grid of four images costs the same however it is asked for; omni reference twice that. */
export const DEFAULT_COSTS: Readonly<Record<CostAction, Readonly<Record<CostSpeed, number>>>> = {
	imagine: { relaxed: 3, fast: 8, turbo: 16 },
	remix: { relaxed: 3, fast: 8, turbo: 16 },
	style: { relaxed: 3, fast: 8, turbo: 16 },
	omni: { relaxed: 6, fast: 16, turbo: 32 },
	vary: { relaxed: 3, fast: 8, turbo: 16 },
	upscale: { relaxed: 2, fast: 4, turbo: 8 },
	animate: flat(60),
	animate_hd: flat(180),
	extend: flat(60),
};

/** Actions that make videos, billed per video. */
const PER_VIDEO: ReadonlySet<CostAction> = new Set(['animate', 'animate_hd', 'extend']);

/** The defaults with the operator's corrections over them. */
export function costTable(overrides: CostOverrides = {}): CostTable {
	const table = {} as Record<CostAction, Record<CostSpeed, Cost>>;
	for (const action of COST_ACTIONS) {
		const override = overrides[action];
		table[action] = {} as Record<CostSpeed, Cost>;
		for (const speed of COST_SPEEDS) {
			const set = typeof override === 'number' ? override : override?.[speed];
			table[action][speed] =
				set === undefined
					? { credits: DEFAULT_COSTS[action][speed], estimate: true }
					: { credits: set, estimate: false };
		}
	}
	return table;
}

/** The action a generation's task type stands for. */
export function actionOfTask(taskType: TaskType): CostAction {
	switch (taskType) {
		case 'mj_txt2img':
			return 'imagine';
		case 'mj_img2img':
			return 'remix';
		case 'mj_style_reference':
			return 'style';
		case 'mj_omni_reference':
			return 'omni';
		case 'mj_video':
			return 'animate';
		case 'mj_video_hd':
			return 'animate_hd';
	}
}

export interface Priced {
	action: CostAction;
	/**
	 * The API's speed (a speed added there fails to compile here until the table prices it). Unset: priced as fast
	 * (the provider documents no default; fast errs above relaxed).
	 */
	speed?: Speed;
	/** Videos made at once (1, 2 or 4); ignored for images. */
	batchSize?: number;
}

/** The cost of one request, in credits (two decimals at most), and whether it is an estimate. */
export function costOf(table: CostTable, request: Priced): Cost {
	const { credits, estimate } = table[request.action][request.speed ?? 'fast'];
	const times = PER_VIDEO.has(request.action) ? (request.batchSize ?? 1) : 1;
	return { credits: Math.round(credits * times * 100) / 100, estimate };
}
