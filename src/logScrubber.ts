/**
 * Takes secrets out of a serialised log line, whatever field (or message text, or error `url`, or nested cause) they
 * ended up in: an interaction token in a log can post as the bot for 15 minutes, a `sig` forges callbacks.
 *
 * Two kinds of secret: the literal ones the process knows (bot token, API key, callback secret, webhook key), and
 * those only recognisable by their shape (the tokens and signatures of URLs, Authorization values, fields named
 * after a secret at any depth).
 */

export const REDACTED = '[redacted]';

/** A slash, raw or URL-encoded (a URL inside another URL's query). */
const SLASH = String.raw`(?:\/|%2[fF])`;

/**
 * Secret-bearing shapes, as they appear in a JSON line. A token-like value ends at the next `/ ? # & %`, quote,
 * backslash (JSON escapes) or whitespace.
 */
const SHAPES = new RegExp(
	[
		// Interaction and webhook URLs: /webhooks/<id>/<token>, /interactions/<id>/<token>/callback.
		String.raw`(${SLASH}(?:webhooks|interactions)${SLASH}\d+${SLASH})[^\/?#&%"\\\s]+`,
		// Signed callback URLs' signature, as a query parameter, raw or URL-encoded.
		String.raw`((?:[?&;,"\s]|%3[fF]|%26)sig(?:=|%3[dD]))[^&#%"\\\s]+`,
		// Authorization values. Discord bot tokens are over 50 characters, so "Bot disconnected" is left alone.
		String.raw`(\bBot\s+)[\w.~+\/=-]{20,}`,
		String.raw`(\bBearer\s+)[\w.~+\/=-]{6,}`,
		// A field named after a secret, at any depth (the redact paths of the logger only reach known depths).
		String.raw`("(?:token|interactionToken|authorization|apiKey|secret|callbackUrl|callBackUrl)":)"(?:[^"\\]|\\.)*"`,
	].join('|'),
	'g',
);

/**
 * A substring every shape above contains: most lines hold none, and this test costs a third of the full pattern's.
 * Keep it in step with SHAPES.
 */
const CANDIDATES = /webhooks|interactions|sig|Bot|Bearer|oken"|authorization"|apiKey"|secret"|allbackUrl"|allBackUrl"/;

/** Literal secrets shorter than this are ignored: no real one is, and replacing them would shred ordinary text. */
const MIN_SECRET_LENGTH = 6;

export class SecretScrubber {
	private literals: string[] = [];

	/** Adds secrets the process knows; undefined and empty values are skipped. */
	public add(secrets: ReadonlyArray<string | undefined>): void {
		const found = new Set(this.literals);
		for (const secret of secrets) {
			if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
			// As written, as a JSON string holds it, and as a URL component holds it.
			for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) found.add(form);
		}
		// Longest first, so a secret that contains another is replaced whole.
		this.literals = [...found].sort((a, b) => b.length - a.length);
	}

	/** The line with every known secret and every secret-bearing shape replaced by `[redacted]`. */
	public scrub(line: string): string {
		let scrubbed = line;
		for (const literal of this.literals) {
			if (scrubbed.includes(literal)) scrubbed = scrubbed.replaceAll(literal, REDACTED);
		}
		return CANDIDATES.test(scrubbed) ? scrubbed.replace(SHAPES, replaceShape) : scrubbed;
	}
}

function replaceShape(match: string, ...groups: unknown[]): string {
	// The kept prefix is whichever group matched; a field name keeps its JSON string form.
	for (let index = 0; index < 5; index++) {
		const prefix = groups[index];
		if (typeof prefix === 'string') return index === 4 ? `${prefix}"${REDACTED}"` : `${prefix}${REDACTED}`;
	}
	return match;
}
