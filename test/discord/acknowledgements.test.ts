import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { acknowledgedInteraction, PendingAcknowledgements } from '../../src/discord/acknowledgements.js';
import { Foreground } from '../../src/foreground.js';

/** Whether background work waiting now goes on within a few turns of the event loop. */
async function backgroundGoesOn(foreground: Foreground): Promise<boolean> {
	let went = false;
	void foreground.idle().then(() => (went = true));
	for (let index = 0; index < 5 && !went; index++) await turn();
	return went;
}

describe('interactions waiting for their acknowledgement', () => {
	it('names the interaction of an acknowledgement route, and only of that route', () => {
		expect(acknowledgedInteraction('/interactions/1234567890123456789/aW50ZXJhY3Rpb24/callback')).toBe(
			'1234567890123456789',
		);
		expect(acknowledgedInteraction('/webhooks/1/aW50ZXJhY3Rpb24/messages/@original')).toBeUndefined();
		expect(acknowledgedInteraction('/channels/1/messages')).toBeUndefined();
	});

	it('hold background work from arrival until each is acknowledged, once each', async () => {
		const foreground = new Foreground(60_000);
		const pending = new PendingAcknowledgements(foreground);
		pending.arrived('1');
		pending.arrived('1'); // The same interaction twice counts once.
		pending.arrived('2');
		expect(await backgroundGoesOn(foreground)).toBe(false);
		pending.done('1');
		pending.done('1');
		expect(await backgroundGoesOn(foreground)).toBe(false);
		pending.done('2');
		expect(await backgroundGoesOn(foreground)).toBe(true);
	});
});
