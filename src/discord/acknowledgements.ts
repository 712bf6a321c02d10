/**
 * Interactions waiting for their acknowledgement are foreground work: Discord gives a command three seconds, and a
 * member watches it. One arrives with its gateway packet and is done once its acknowledgement (the interaction
 * callback) is on its way, or its handler has finished without one.
 */
import type { Foreground } from '../foreground.js';

/** `/interactions/{id}/{token}/callback`: an interaction's acknowledgement. */
const INTERACTION_CALLBACK = /^\/interactions\/(\d+)\/[^/]+\/callback$/;

/** The interaction an acknowledgement request is for, if the route is one. */
export function acknowledgedInteraction(route: string): string | undefined {
	return INTERACTION_CALLBACK.exec(route)?.[1];
}

export class PendingAcknowledgements {
	private readonly ends = new Map<string, () => void>();

	public constructor(private readonly foreground: Foreground) {}

	/** An interaction arrived: foreground work until {@link done}. */
	public arrived(interactionId: string): void {
		if (!this.ends.has(interactionId)) this.ends.set(interactionId, this.foreground.begin());
	}

	/** Its acknowledgement is on its way, or its handler ended without one (calling it again does nothing). */
	public done(interactionId: string): void {
		const end = this.ends.get(interactionId);
		this.ends.delete(interactionId);
		end?.();
	}
}
