import { describe, expect, it } from 'vitest';
import { PENDING_PROMPT_TTL_MS, PendingPrompts } from '../../src/jobs/pendingPrompts.js';
import { createStore } from '../../src/store/store.js';

const REQUEST = {
	userId: 'u1',
	guildId: 'g1',
	kind: 'imagine' as const,
	optionNames: ['aspect_ratio' as const],
	values: [['prompt', 'a cat --ar 16:9']] as const,
};

describe('PendingPrompts', () => {
	it('keeps a request until it is taken, and gives it to one taker only', async () => {
		const pending = new PendingPrompts(createStore('memory://'));
		const id = await pending.put(REQUEST);
		expect(await pending.get(id)).toMatchObject({ ...REQUEST, id });
		const takers = await Promise.all([pending.take(id), pending.take(id)]);
		expect(takers.filter(Boolean)).toHaveLength(1);
		expect(await pending.get(id)).toBeUndefined();
	});

	it('forgets a request once its time is up', async () => {
		let now = 1_000_000;
		const pending = new PendingPrompts(createStore('memory://'), () => now);
		const id = await pending.put(REQUEST);
		now += PENDING_PROMPT_TTL_MS;
		expect(await pending.get(id)).toBeUndefined();
		expect(await pending.take(id)).toBeUndefined();
	});
});
