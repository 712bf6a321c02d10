/**
 * In the bot child only: counts the bot's store statements by SQL (from the timing channel, which costs the bot one
 * property read per statement when nobody listens), so a figure can report the store round trips per command.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { TIMING_CHANNEL, type StageTiming } from '../../src/timing.js';

const counts = new Map<string, number>();
/** Slowest call per SQL, ms (a store that stalls shows here first). */
const slowest = new Map<string, number>();

function onTiming(message: unknown): void {
	const { stage, detail, start, end } = message as StageTiming;
	if (stage !== 'sqlite') return;
	counts.set(detail, (counts.get(detail) ?? 0) + 1);
	slowest.set(detail, Math.max(slowest.get(detail) ?? 0, end - start));
}

/** Starts counting from zero. */
export function startCountingStore(): boolean {
	counts.clear();
	slowest.clear();
	unsubscribe(TIMING_CHANNEL, onTiming);
	subscribe(TIMING_CHANNEL, onTiming);
	return true;
}

/** Stops counting; answers the statements run since the start, by SQL, most frequent first, with the slowest call's ms. */
export function stopCountingStore(): Array<[string, number, number]> {
	unsubscribe(TIMING_CHANNEL, onTiming);
	const sorted = [...counts.entries()]
		.sort((a, b) => b[1] - a[1])
		.map(([sql, calls]): [string, number, number] => [sql, calls, Math.round(slowest.get(sql) ?? 0)]);
	counts.clear();
	slowest.clear();
	return sorted;
}
