/**
 * Where the bot's milliseconds go: the stages the bot child recorded (children/stageRecorder.ts) between two events of
 * one job, each stage as the time it covered inside that window (its intervals' union), and what no recorded stage
 * covers: the bot's own JavaScript (parsing, checks, bookkeeping, waiting for its turn). A stage that runs past the
 * window is counted up to its end: the REST queue's span, from the call to Discord's answer, counts until the request
 * goes out.
 */
import type { StageEvent } from './protocol.js';
import { percentile, round } from './stats.js';

/** The stage an event belongs to, or undefined for one that does not count (recorded for matching only). */
export function stageOf(event: StageEvent): string | undefined {
	const [, , kind, detail] = event;
	if (kind === 'sqlite') {
		if (/\bclaims\b/.test(detail)) return 'claims';
		return /^\s*SELECT/i.test(detail) ? 'store reads' : 'store writes';
	}
	if (kind === 'download') return 'downloads';
	if (kind === 'rendering' || kind === 'REST queue') return kind;
	if (kind === 'http') {
		if (detail.includes('/record-info')) return 'record-info';
		if (detail.includes('/files/')) return undefined; // inside a download
		if (detail.includes('/api/v10/')) return 'Discord REST (other requests)';
		return 'provider (other calls)';
	}
	return undefined;
}

/** Union of intervals clipped to [from, to], in ms. */
export function covered(spans: ReadonlyArray<readonly [number, number]>, from: number, to: number): number {
	const clipped = spans
		.map(([start, end]) => [Math.max(start, from), Math.min(end, to)] as const)
		.filter(([start, end]) => end > start)
		.sort((a, b) => a[0] - b[0]);
	let total = 0;
	let [currentStart, currentEnd] = [Number.NaN, Number.NaN];
	for (const [start, end] of clipped) {
		if (Number.isNaN(currentStart) || start > currentEnd) {
			if (!Number.isNaN(currentStart)) total += currentEnd - currentStart;
			[currentStart, currentEnd] = [start, end];
		} else currentEnd = Math.max(currentEnd, end);
	}
	if (!Number.isNaN(currentStart)) total += currentEnd - currentStart;
	return total;
}

export const OWN_WORK = 'bot JS outside these (parsing, checks, bookkeeping, turns)';

/** Each stage's covered ms inside [from, to], plus the time no stage covers. */
export function breakDown(events: readonly StageEvent[], from: number, to: number): Record<string, number> {
	const byStage = new Map<string, Array<readonly [number, number]>>();
	for (const event of events) {
		const stage = stageOf(event);
		if (stage === undefined || event[1] < from || event[0] > to) continue;
		const spans = byStage.get(stage) ?? [];
		spans.push([event[0], event[1]]);
		byStage.set(stage, spans);
	}
	const result: Record<string, number> = {};
	for (const [stage, spans] of byStage) result[stage] = covered(spans, from, to);
	result[OWN_WORK] = to - from - covered([...byStage.values()].flat(), from, to);
	return result;
}

/** The median of each stage over several windows (a stage absent from a window counts 0 there), in ms. */
export function medianStages(windows: ReadonlyArray<Record<string, number>>): Record<string, number> {
	const stages = new Set(windows.flatMap((window) => Object.keys(window)));
	const result: Record<string, number> = {};
	for (const stage of stages)
		result[stage] = round(
			percentile(
				windows.map((window) => window[stage] ?? 0),
				50,
			),
			2,
		);
	return result;
}

/** One line: "stage 1.23 ms, …", largest first. */
export function describeStages(stages: Record<string, number>): string {
	return Object.entries(stages)
		.sort((a, b) => b[1] - a[1])
		.map(([stage, ms]) => `${stage} ${round(ms, 2)} ms`)
		.join(', ');
}
