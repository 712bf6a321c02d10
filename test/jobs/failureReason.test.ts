import { describe, expect, it } from 'vitest';
import { t } from '../../src/i18n/index.js';
import { failedWith, failureReason } from '../../src/jobs/failureReason.js';

describe('failure reasons', () => {
	it('keeps the English words beside the code, and writes them in the reader’s language when shown', () => {
		const outcome = failedWith('key-gone');
		expect(outcome.reason).toBe(t('en', 'provider.keyGone'));
		expect(failureReason(outcome, 'de')).toBe(t('de', 'provider.keyGone'));
		expect(failureReason(outcome)).toBe(t('en', 'provider.keyGone'));
	});

	it('fills in the figures', () => {
		const outcome = failedWith('timed-out', { count: 12 });
		expect(failureReason(outcome, 'fr')).toBe(t('fr', 'provider.timedOut', { count: 12 }));
		expect(failureReason(outcome, 'fr')).toContain('12');
	});

	it('shows a record stored before the codes, or with a code this version does not know, as it was written', () => {
		expect(failureReason({ status: 'failed', reason: 'An old English reason.' }, 'ja')).toBe('An old English reason.');
		const newer = { status: 'failed', reason: 'A newer reason.', why: { code: 'from-the-future' } } as never;
		expect(failureReason(newer, 'ja')).toBe('A newer reason.');
	});

	it('quotes the provider’s own message as it wrote it', () => {
		expect(failureReason({ status: 'failed', reason: 'Prompt rejected', code: 400 }, 'de')).toBe('Prompt rejected');
	});
});
