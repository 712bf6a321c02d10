/**
 * The prompt typed in a form on a result (the remix form): the image's parameters stay as they were, so Midjourney
 * parameters typed in it could only be wasted words; they, a prompt left empty, and a word the server blocks stop the
 * form before anything is submitted.
 */
import { t } from '../i18n/index.js';
import { blockedWordsMatcher } from '../jobs/blockedWords.js';
import { checkPrompt } from '../jobs/promptFlags.js';
import { UserError } from '../userError.js';

export function assertFormPrompt(prompt: string, blockedWords: readonly string[]): void {
	const check = checkPrompt(prompt, {}, []);
	if (check.empty) throw UserError.localized('invalid-input', 'promptCheck.emptyPrompt');
	const blocked = blockedWordsMatcher(blockedWords)(prompt);
	if (blocked !== undefined) throw UserError.localized('rule', 'promptCheck.blockedWord', { word: code(blocked) });
	if (check.changed) {
		const found = [
			...check.leadingImageUrls,
			...[...check.applied, ...check.overridden, ...check.unsupported, ...check.invalid].map((flag) => flag.text),
		];
		const flags = found.map(code).join(', ');
		throw new UserError('invalid-input', (language) => t(language, 'promptCheck.formFlags', { flags }));
	}
}

function code(text: string): string {
	return `\`${text.replaceAll('`', 'ˋ')}\``;
}
