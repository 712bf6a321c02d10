/**
 * Checks what a member sent in a command or a form. Discord's client enforces choices and ranges, but a modified
 * client (or a stale command definition) can send anything, so every value is checked again here.
 */
import { PROMPT_MAX_LENGTH } from '../api/spec.js';
import type { GenerationOptionName, GenerationOptionValues } from '../jobs/options.js';
import { checkOption } from '../settings/validate.js';
import { UserError } from '../userError.js';
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

export function validatePrompt(value: unknown, problems: string[]): string {
	if (typeof value !== 'string' || value.trim() === '') {
		problems.push('`prompt` is required: describe what you want to see.');
		return '';
	}
	const prompt = value.trim();
	if (prompt.length > PROMPT_MAX_LENGTH) {
		problems.push(
			`\`prompt\` is ${prompt.length} characters long; the limit is ${PROMPT_MAX_LENGTH}. Shorten it by ${prompt.length - PROMPT_MAX_LENGTH}.`,
		);
	}
	return prompt;
}

/** Validates the named options that are present; absent ones stay absent (defaults are applied later). */
export function validateOptions<N extends GenerationOptionName>(
	names: readonly N[],
	raw: ReadonlyMap<string, unknown>,
	problems: string[],
	/** The command's other options (prompt, image…), which are valid but checked elsewhere. */
	otherOptions: readonly string[] = DEFAULT_OTHER_OPTIONS,
): Partial<Pick<GenerationOptionValues, N>> {
	const values: Partial<Record<GenerationOptionName, unknown>> = {};
	for (const name of names) {
		const value = raw.get(name);
		if (value === undefined || value === null) continue;
		const problem = checkOption(name, value);
		if (problem) problems.push(problem);
		else values[name] = value;
	}
	for (const name of raw.keys()) {
		if (!(names as readonly string[]).includes(name) && !otherOptions.includes(name)) {
			problems.push(`\`${name}\` is not an option of this command.`);
		}
	}
	return values as Partial<Pick<GenerationOptionValues, N>>;
}

const DEFAULT_OTHER_OPTIONS = [PROMPT_OPTION.name, IMAGE_ATTACHMENT_OPTION.name, IMAGE_URL_OPTION.name];

/**
 * Exactly one source image: an uploaded attachment that is an image, or an http(s) URL.
 * Returns the URL the API will fetch.
 */
export function validateImageSource(attachment: RawAttachment | undefined, url: unknown, problems: string[]): string {
	const hasUrl = typeof url === 'string' && url.trim() !== '';
	if (attachment && hasUrl) {
		problems.push(`Give either \`${IMAGE_ATTACHMENT_OPTION.name}\` or \`${IMAGE_URL_OPTION.name}\`, not both.`);
		return '';
	}
	if (attachment) {
		if (!isImageAttachment(attachment)) {
			const type = attachment.contentType ?? 'an unknown type';
			problems.push(
				`\`${attachment.name}\` is ${type}, not an image. Attach a PNG, JPEG, WebP or GIF file as \`${IMAGE_ATTACHMENT_OPTION.name}\`.`,
			);
			return '';
		}
		return attachment.url;
	}
	if (hasUrl) {
		const text = url.trim();
		if (!isHttpUrl(text)) {
			problems.push(`\`${IMAGE_URL_OPTION.name}\` must be a public http(s) link (got \`${truncate(text, 100)}\`).`);
			return '';
		}
		return text;
	}
	problems.push(
		`This command needs a source image: attach one as \`${IMAGE_ATTACHMENT_OPTION.name}\` or give its link as \`${IMAGE_URL_OPTION.name}\`.`,
	);
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

/** Throws one {@link UserError} listing every problem, so the member fixes everything in one go. */
export function assertNoProblems(problems: readonly string[]): void {
	if (problems.length === 0) return;
	const list = problems.length === 1 ? problems[0]! : problems.map((problem) => `• ${problem}`).join('\n');
	throw new UserError('invalid-input', `Nothing was submitted.\n${list}`);
}
