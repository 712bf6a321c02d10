/**
 * An error whose message is meant for the member who caused it: shown as-is, ephemerally, and not logged as a fault.
 * Anything else that escapes a handler is logged in full and the member gets a generic apology.
 */
export class UserError extends Error {
	public constructor(message: string) {
		super(message);
		this.name = 'UserError';
	}
}
