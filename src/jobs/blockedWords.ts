/**
 * A server's blocked words, matched in a prompt before it is submitted: case-insensitively, as whole words (a blocked
 * "ass" does not refuse "class"), in any script. Words in scripts written without spaces (Chinese, Japanese, Thai…)
 * have no word boundaries to find, so they match anywhere.
 */

/** Letters, marks and digits: what a word is made of, in any script. */
const WORD_CHAR = '[\\p{L}\\p{M}\\p{N}_]';
const UNSPACED_SCRIPT =
	/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
/** Zero-width characters, which would otherwise split a word invisibly. */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

function normalize(text: string): string {
	// NFKC folds full-width and other compatibility forms (ｃａｔ → cat) before case is compared.
	return text.normalize('NFKC').replace(INVISIBLE, '');
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function patternFor(word: string): RegExp {
	const body = word.split(/\s+/).map(escapeRegExp).join('\\s+');
	if (UNSPACED_SCRIPT.test(word)) return new RegExp(body, 'iu');
	return new RegExp(`(?<!${WORD_CHAR})${body}(?!${WORD_CHAR})`, 'iu');
}

/** The first of `words` found in a text, or undefined. Blank entries are ignored. */
export type BlockedWordsMatcher = (text: string) => string | undefined;

export function blockedWordsMatcher(words: readonly string[]): BlockedWordsMatcher {
	const patterns = words
		.map((word) => word.trim())
		.filter((word) => word !== '')
		.map((word) => ({ word, pattern: patternFor(normalize(word)) }));
	return (text) => {
		const normalized = normalize(text);
		return patterns.find(({ pattern }) => pattern.test(normalized))?.word;
	};
}
