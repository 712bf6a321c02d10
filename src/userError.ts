/**
 * The one way to refuse a member: throw a `UserError` where the refusal is found. Its message is meant for the member
 * (shown as-is, privately, and not logged as a fault); its `code` says what kind of refusal it is, for logs and for
 * callers that act on the kind rather than the words. Anything else that escapes a handler is logged in full and the
 * member gets a generic apology.
 */
import { DEFAULT_LANGUAGE, t, type Language, type MessageKey, type MessageVars } from './i18n/index.js';

export type RefusalCode =
	/** An option, value or form field the member gave is wrong or missing. */
	| 'invalid-input'
	/** Used where it cannot work: outside a server, say. */
	| 'wrong-place'
	/** The member lacks a permission (Manage Server, Discord's Integrations settings, not their result). */
	| 'not-permitted'
	/** A server rule or limit (the server's settings). */
	| 'rule'
	/** A button or result the bot no longer knows. */
	| 'stale'
	/** The job has not finished yet. */
	| 'not-ready'
	/** The action does not apply to this result (a failed job, a video, nothing to pick). */
	| 'not-applicable'
	/** Something the action needs cannot be had just now (a file, the server's emoji, the server itself). */
	| 'unavailable'
	/** The member is not (or no longer) in the result's server. */
	| 'not-a-member'
	/** The member's DMs are closed to the bot. */
	| 'dms-closed';

/** The words of a refusal in the reader's language (a plain string reads the same in every language). */
export type Wording = string | ((language: Language) => string);

export class UserError extends Error {
	readonly #wording: Wording;

	public constructor(
		public readonly code: RefusalCode,
		wording: Wording,
	) {
		// The message (logs, tests) is the English wording.
		super(typeof wording === 'string' ? wording : wording(DEFAULT_LANGUAGE));
		this.name = 'UserError';
		this.#wording = wording;
	}

	/** A refusal worded by the catalogues' message at `key`. */
	public static localized(code: RefusalCode, key: MessageKey, vars: MessageVars = {}): UserError {
		return new UserError(code, (language) => t(language, key, vars));
	}

	/** The refusal in `language`. */
	public wordedIn(language: Language): string {
		return wordIn(this.#wording, language);
	}
}

export function wordIn(wording: Wording, language: Language): string {
	return typeof wording === 'string' ? wording : wording(language);
}
