export type MjFailure =
	/** The provider answered with its own `{ code, msg }` JSON and a non-200 `code` (or HTTP status). */
	| { kind: 'api'; code: number; httpStatus: number; message: string }
	/** No byte of the request reached the provider: connection refused, DNS failure, TLS handshake refused… */
	| { kind: 'not-sent'; message: string }
	/** The request left and the connection failed before an answer (a reset, say): it may have been processed. */
	| { kind: 'no-answer'; message: string }
	/** No answer within the time-out. The request may have been processed: its outcome is unknown. */
	| { kind: 'timeout'; message: string; timeoutMs: number }
	/** An answer that is not the provider's documented `{ code, msg, data }` JSON (a proxy's HTML error page, say). */
	| { kind: 'invalid-response'; httpStatus: number; message: string };

/**
 * What a failed request tells about its effect at the provider, which decides whether it may be sent again:
 * - `not-sent`: nothing reached the provider, so nothing was created;
 * - `answered`: the provider itself answered (with an error code);
 * - `unknown`: bytes left and no answer of the provider's came back; a paid task may exist.
 */
export type RequestOutcome = 'not-sent' | 'answered' | 'unknown';

/** The one error type the API client throws. */
export class MjApiError extends Error {
	public constructor(
		public readonly failure: MjFailure,
		options?: { cause?: unknown },
	) {
		super(describeFailure(failure), options);
		this.name = 'MjApiError';
	}

	public get code(): number | undefined {
		return this.failure.kind === 'api' ? this.failure.code : undefined;
	}

	public get outcome(): RequestOutcome {
		switch (this.failure.kind) {
			case 'api':
				return 'answered';
			case 'not-sent':
				return 'not-sent';
			case 'no-answer':
			case 'timeout':
			case 'invalid-response':
				return 'unknown';
		}
	}
}

function describeFailure(failure: MjFailure): string {
	switch (failure.kind) {
		case 'api':
			return `Midjourney API error ${failure.code}: ${failure.message}`;
		case 'not-sent':
			return `Midjourney API unreachable: ${failure.message}`;
		case 'no-answer':
			return `Midjourney API connection failed before an answer: ${failure.message}`;
		case 'timeout':
			return `Midjourney API did not answer within ${failure.timeoutMs} ms`;
		case 'invalid-response':
			return `Midjourney API sent an invalid response (HTTP ${failure.httpStatus}): ${failure.message}`;
	}
}
