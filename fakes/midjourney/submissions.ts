/**
 * The requests that create a task, per endpoint: recorded in arrival order with the task each created, and awaited by
 * tests (`waitForGenerate`, `waitForSubmit`).
 */
import type { FakeGenerateRequest, FakeSubmitEndpoint } from './types.js';

export const SUBMIT_ENDPOINTS: readonly FakeSubmitEndpoint[] = ['generate', 'vary', 'upscale', 'extend'];

type Received = FakeGenerateRequest & { taskId: string | undefined };

interface Waiter {
	endpoint: FakeSubmitEndpoint;
	index: number;
	resolve: () => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
}

export interface SubmissionLog {
	readonly requests: Readonly<Record<FakeSubmitEndpoint, FakeGenerateRequest[]>>;
	/**
	 * Notes a request as it arrives; the returned function names the task it created (if any) once that is decided,
	 * and wakes who waits for it.
	 */
	record(endpoint: FakeSubmitEndpoint, request: FakeGenerateRequest): (taskId: string | undefined) => void;
	waitFor(endpoint: FakeSubmitEndpoint, index: number | undefined, timeoutMs: number): Promise<Received>;
	close(): void;
}

export function createSubmissionLog(): SubmissionLog {
	const perEndpoint = <T>(make: () => T): Record<FakeSubmitEndpoint, T> =>
		Object.fromEntries(SUBMIT_ENDPOINTS.map((endpoint) => [endpoint, make()])) as Record<FakeSubmitEndpoint, T>;
	const requests = perEndpoint((): FakeGenerateRequest[] => []);
	const taskIds = perEndpoint((): (string | undefined)[] => []);
	const cursors = perEndpoint(() => 0);
	const waiters = new Set<Waiter>();
	let closed = false;

	const wake = (endpoint: FakeSubmitEndpoint): void => {
		for (const waiter of waiters) {
			if (waiter.endpoint === endpoint && requests[endpoint].length > waiter.index) {
				clearTimeout(waiter.timer);
				waiters.delete(waiter);
				waiter.resolve();
			}
		}
	};

	const received = (endpoint: FakeSubmitEndpoint, index: number): Received => {
		const request = requests[endpoint][index];
		if (request === undefined) throw new Error(`fake Midjourney: no ${endpoint} request ${index}`);
		return { ...request, taskId: taskIds[endpoint][index] };
	};

	return {
		requests,
		record(endpoint, request) {
			const index = requests[endpoint].push(request) - 1;
			return (taskId) => {
				taskIds[endpoint][index] = taskId;
				wake(endpoint);
			};
		},
		waitFor(endpoint, index, timeoutMs) {
			const wanted = index ?? cursors[endpoint];
			cursors[endpoint] = Math.max(cursors[endpoint], wanted + 1);
			if (requests[endpoint].length > wanted) return Promise.resolve(received(endpoint, wanted));
			if (closed) return Promise.reject(new Error('fake Midjourney is closed'));
			return new Promise((resolve, reject) => {
				const waiter: Waiter = {
					endpoint,
					index: wanted,
					resolve: () => resolve(received(endpoint, wanted)),
					reject,
					timer: setTimeout(() => {
						waiters.delete(waiter);
						const count = requests[endpoint].length;
						reject(
							new Error(
								`fake Midjourney: ${endpoint} request ${wanted} not received within ${timeoutMs} ms (${count} received)`,
							),
						);
					}, timeoutMs),
				};
				waiters.add(waiter);
			});
		},
		close() {
			closed = true;
			for (const waiter of waiters) {
				clearTimeout(waiter.timer);
				waiter.reject(new Error('fake Midjourney was closed'));
			}
			waiters.clear();
		},
	};
}
