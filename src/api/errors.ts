/** Codes the provider documents in the `code` field of its JSON bodies. */
export const KNOWN_API_CODES = [400, 401, 402, 404, 422, 429, 455, 500, 501, 505] as const;
export type KnownApiCode = (typeof KNOWN_API_CODES)[number];

export type MjFailure =
	/** The API answered with a non-200 `code` (or HTTP status) and a message. */
	| { kind: 'api'; code: number; httpStatus: number; message: string }
	/** The request never got an answer: connection refused, reset, DNS… The request may not have reached the API. */
	| { kind: 'network'; message: string }
	/** No answer within the time-out. The request may have been processed: its outcome is unknown. */
	| { kind: 'timeout'; message: string; timeoutMs: number }
	/** An answer that is not the documented `{ code, msg, data }` JSON. */
	| { kind: 'invalid-response'; httpStatus: number; message: string };

/** The one error type the API client throws. */
export class MjApiError extends Error {
	public constructor(public readonly failure: MjFailure) {
		super(describeFailure(failure));
		this.name = 'MjApiError';
	}

	public get code(): number | undefined {
		return this.failure.kind === 'api' ? this.failure.code : undefined;
	}
}

function describeFailure(failure: MjFailure): string {
	switch (failure.kind) {
		case 'api':
			return `Midjourney API error ${failure.code}: ${failure.message}`;
		case 'network':
			return `Midjourney API unreachable: ${failure.message}`;
		case 'timeout':
			return `Midjourney API did not answer within ${failure.timeoutMs} ms`;
		case 'invalid-response':
			return `Midjourney API sent an invalid response (HTTP ${failure.httpStatus}): ${failure.message}`;
	}
}
