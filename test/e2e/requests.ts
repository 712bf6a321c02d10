/**
 * What the end-to-end tests look for among the requests the fake Discord recorded: the member's reply being edited,
 * with or without the result's files, and its text.
 */
import type { RecordedRequest } from '../../fakes/discord.js';

/** The text of a recorded message body ('' when it has none). */
export const content = (r: RecordedRequest): string =>
	String((r.body as { content?: unknown } | undefined)?.content ?? '');

/** An edit of the reply to the interaction with this token. */
export const originalEdit =
	(token: string) =>
	(r: RecordedRequest): boolean =>
		r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`);

/** An edit of that reply that uploads the result's files. */
export const resultEdit =
	(token: string) =>
	(r: RecordedRequest): boolean =>
		originalEdit(token)(r) && r.files.length > 0;

/** An edit of that reply whose text includes `text`. */
export const replySaying =
	(token: string, text: string) =>
	(r: RecordedRequest): boolean =>
		originalEdit(token)(r) && content(r).includes(text);
