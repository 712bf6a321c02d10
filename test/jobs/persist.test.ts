import { describe, expect, it } from 'vitest';
import { persist } from '../../src/jobs/persist.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { logSink } from '../e2e/harness.js';

function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
	const lines: Array<Record<string, unknown>> = [];
	return { logger: createLogger('debug', logSink(lines)), lines };
}

describe('persist', () => {
	it('retries a failing write until it succeeds, logging each failure as an error', async () => {
		const { logger, lines } = capture();
		let calls = 0;
		const value = await persist(
			async () => {
				calls += 1;
				if (calls < 3) throw new Error('disk full');
				return 'stored';
			},
			{ logger, what: 'the task id', delaysMs: [1, 1] },
		);
		expect(value).toBe('stored');
		expect(calls).toBe(3);
		expect(lines.filter((line) => line.level === 50)).toHaveLength(2);
	});

	it('gives up with the last error once the signal aborts', async () => {
		const { logger } = capture();
		const stopping = new AbortController();
		let calls = 0;
		const write = persist(
			async () => {
				calls += 1;
				if (calls === 2) stopping.abort();
				throw new Error(`failure ${calls}`);
			},
			{ logger, what: 'the task id', delaysMs: [1], signal: stopping.signal },
		);
		await expect(write).rejects.toThrow('failure 2');
	});
});
