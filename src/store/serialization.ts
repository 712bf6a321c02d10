/**
 * Keyv's value format, written and read faster. Keyv's own serializer walks every value in JavaScript (to mark
 * strings that start with `:` and Buffers), and its reader runs a reviver over every value parsed: for a job record,
 * read and written several times per job, that was most of a store call's cost once the statements themselves became
 * cheap. The format is unchanged, so values either way are read by both:
 * - a string that starts with `:` is stored with one more `:` in front;
 * - a Buffer as `:base64:` and its base64 (no collection stores one; kept for the format's sake).
 */

/** Marks what Keyv's format marks; everything else is what `JSON.stringify` writes, as Keyv's own serializer does. */
function marked(this: unknown, key: string, value: unknown): unknown {
	// A Buffer has been turned into `{ type, data }` by its toJSON already: the holder still has it as it was.
	const original = (this as Record<string, unknown>)[key];
	if (Buffer.isBuffer(original)) return `:base64:${original.toString('base64')}`;
	if (typeof value === 'string') return value.startsWith(':') ? `:${value}` : value;
	return value;
}

/** Undoes the marks. */
function unmarked(_key: string, value: unknown): unknown {
	if (typeof value !== 'string' || !value.startsWith(':')) return value;
	return value.startsWith(':base64:') ? Buffer.from(value.slice(8), 'base64') : value.slice(1);
}

export function serialize(data: unknown): string {
	return JSON.stringify(data, marked);
}

/**
 * A marked string shows in the text as a quote and two colons (or `":base64:`): a separator after a key is a quote
 * and one colon, followed by a value that cannot start with a colon. Text with neither needs no reviver.
 */
export function deserialize<T>(text: string): T {
	if (text.includes('"::') || text.includes('":base64:')) return JSON.parse(text, unmarked) as T;
	return JSON.parse(text) as T;
}
