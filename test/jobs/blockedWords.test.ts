import { describe, expect, it } from 'vitest';
import { blockedWordsMatcher } from '../../src/jobs/blockedWords.js';

describe('blockedWordsMatcher', () => {
	const match = blockedWordsMatcher(['gore', 'Blood Bath', 'Straße', 'ässe', '血', '  ']);

	it.each([
		['a GORE scene', 'gore'],
		['gore.', 'gore'],
		['(gore)', 'gore'],
		['a blood   bath', 'Blood Bath'],
		['die STRASSE', undefined],
		['die straße', 'Straße'],
		['ÄSSE', 'ässe'],
		['ｇｏｒｅ', 'gore'],
		['go\u200Bre', 'gore'],
		['血まみれの部屋', '血'],
	])('%j → %j', (text, expected) => {
		expect(match(text)).toBe(expected);
	});

	it.each(['gorey', 'agore', 'gore_', 'bloodbath', 'gorée', 'Straßenbahn', 'nässe'])('%j is another word', (text) => {
		expect(match(text)).toBeUndefined();
	});

	it('matches nothing with an empty list', () => {
		expect(blockedWordsMatcher([])('anything')).toBeUndefined();
	});

	it('takes regular-expression characters literally', () => {
		expect(blockedWordsMatcher(['c++', 'a.b'])('I like c++ and axb')).toBe('c++');
	});
});
