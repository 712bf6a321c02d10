/**
 * Checks what a member sent in a command or a form. Discord's client enforces choices and ranges, but a modified
 * client (or a stale command definition) can send anything, so every value is checked again here.
 */
import { PROMPT_MAX_LENGTH } from '../api/spec.js';
import { t, type MessageKey, type MessageVars } from '../i18n/index.js';
import type { GenerationOptionName, GenerationOptionValues } from '../jobs/options.js';
import { checkOption } from '../settings/validate.js';
import { UserError, wordIn, type Wording } from '../userError.js';
import { IMAGE_ATTACHMENT_OPTION, IMAGE_URL_OPTION, PROMPT_OPTION } from './slashOptions.js';

export interface RawAttachment {
	url: string;
	name: string;
	contentType: string | null;
	size: number;
}

/** Image types Midjourney accepts as input. */
const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif)$/i;

/** A problem in the reader's language, from the catalogues. */
export function problem(key: MessageKey, vars: MessageVars = {}): Wording {
	return (language) => t(language, key, vars);
}

export function validatePrompt(value: unknown, problems: Wording[]): string {
	if (typeof value !== 'string' || value.trim() === '') {
		problems.push(problem('validation.promptRequired'));
		return '';
	}
	const prompt = value.trim();
	if (prompt.length > PROMPT_MAX_LENGTH) {
		problems.push(
			problem('validation.promptTooLong', {
				length: prompt.length,
				max: PROMPT_MAX_LENGTH,
				over: prompt.length - PROMPT_MAX_LENGTH,
			}),
		);
	}
	return prompt;
}

/** Validates the named options that are present; absent ones stay absent (defaults are applied later). */
export function validateOptions<N extends GenerationOptionName>(
	names: readonly N[],
	raw: ReadonlyMap<string, unknown>,
	problems: Wording[],
	/** The command's other options (prompt, image…), which are valid but checked elsewhere. */
	otherOptions: readonly string[] = DEFAULT_OTHER_OPTIONS,
): Partial<Pick<GenerationOptionValues, N>> {
	const values: Partial<Record<GenerationOptionName, unknown>> = {};
	for (const name of names) {
		const value = raw.get(name);
		if (value === undefined || value === null) continue;
		const invalid = checkOption(name, value);
		if (invalid) problems.push(invalid);
		else values[name] = value;
	}
	for (const name of raw.keys()) {
		if (!(names as readonly string[]).includes(name) && !otherOptions.includes(name)) {
			problems.push(problem('validation.notAnOption', { name }));
		}
	}
	return values as Partial<Pick<GenerationOptionValues, N>>;
}

const DEFAULT_OTHER_OPTIONS = [PROMPT_OPTION.name, IMAGE_ATTACHMENT_OPTION.name, IMAGE_URL_OPTION.name];

/**
 * Exactly one source image: an uploaded attachment that is an image, or an http(s) URL.
 * Returns the URL the API will fetch.
 */
export function validateImageSource(attachment: RawAttachment | undefined, url: unknown, problems: Wording[]): string {
	const hasUrl = typeof url === 'string' && url.trim() !== '';
	if (attachment && hasUrl) {
		problems.push(problem('validation.imageAndUrl'));
		return '';
	}
	if (attachment) {
		if (!isImageAttachment(attachment)) {
			const { name, contentType } = attachment;
			problems.push((language) =>
				t(language, 'validation.notAnImage', {
					file: name,
					type: contentType ?? t(language, 'validation.unknownType'),
				}),
			);
			return '';
		}
		return attachment.url;
	}
	if (hasUrl) {
		const text = url.trim();
		if (!isHttpUrl(text)) {
			problems.push(problem('validation.badImageUrl', { url: truncate(text, 100) }));
			return '';
		}
		return text;
	}
	problems.push(problem('validation.imageRequired'));
	return '';
}

function isImageAttachment(attachment: RawAttachment): boolean {
	if (attachment.contentType) {
		const type = attachment.contentType.split(';')[0]!.trim().toLowerCase();
		return (IMAGE_CONTENT_TYPES as readonly string[]).includes(type);
	}
	// Discord usually sets content_type; without it the file name is the best evidence we have.
	return IMAGE_EXTENSIONS.test(attachment.name);
}

export function isHttpUrl(text: string): boolean {
	if (!URL.canParse(text)) return false;
	const parsed = new URL(text);
	return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

function truncate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Throws one {@link UserError} listing every problem, so the member fixes everything in one go; `heading` says what
 * did not happen (nothing submitted, or nothing changed). Worded as a whole in the reader's language, so that a
 * refusal is not half one language, half another.
 */
export function assertNoProblems(
	problems: readonly Wording[],
	heading: 'errors.nothingSubmittedList' | 'errors.nothingChanged' = 'errors.nothingSubmittedList',
): void {
	if (problems.length === 0) return;
	const all = [...problems];
	throw new UserError('invalid-input', (language) => {
		const words = all.map((entry) => wordIn(entry, language));
		const list =
			words.length === 1
				? words[0]!
				: words.map((entry) => t(language, 'errors.listItem', { problem: entry })).join('\n');
		return t(language, heading, { list });
	});
}
