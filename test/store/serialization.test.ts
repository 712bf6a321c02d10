import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from '../../src/store/serialization.js';

describe('the store’s value format (Keyv’s)', () => {
	const value = {
		prompt: ':smile: a cat',
		plain: 'a "quoted" :: word',
		list: [':first', 'second', null, 3],
		nested: { url: 'https://example.com/a:b', empty: '' },
		missing: undefined,
	};

	it('writes what Keyv’s own serializer writes: one more colon before a string that starts with one', () => {
		expect(serialize({ value, expires: 5 })).toBe(
			'{"value":{"prompt":"::smile: a cat","plain":"a \\"quoted\\" :: word","list":["::first","second",null,3],' +
				'"nested":{"url":"https://example.com/a:b","empty":""}},"expires":5}',
		);
	});

	it('reads back what it wrote, and what Keyv wrote before, marks and all', () => {
		const { missing: _missing, ...stored } = value;
		expect(deserialize(serialize({ value }))).toEqual({ value: stored });
		// As Keyv wrote them: a Buffer, a string starting with a colon, a string with quotes and colons inside.
		const buffer = Buffer.from('png bytes');
		expect(deserialize(`{"value":{"file":":base64:${buffer.toString('base64')}","text":"::x"}}`)).toEqual({
			value: { file: buffer, text: ':x' },
		});
		expect(serialize({ value: buffer })).toBe(`{"value":":base64:${buffer.toString('base64')}"}`);
		// Colons in a string's content that only look like a mark are left as written.
		expect(deserialize('{"value":"say \\"::hi"}')).toEqual({ value: 'say "::hi' });
	});
});
