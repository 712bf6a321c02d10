/** A delivery to Discord that failed; `transient` failures (5xx, network) are worth retrying later. */
export class DeliveryError extends Error {
	public constructor(
		message: string,
		public readonly transient: boolean,
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.name = 'DeliveryError';
	}
}
