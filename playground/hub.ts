/**
 * The live updates the page receives (over server-sent events): each is a name and a JSON payload. Every open page
 * gets every event; a page that connects later starts from a snapshot.
 */
export interface PageEvent {
	/** The SSE event name the page listens for. */
	name: string;
	data: unknown;
}

type Listener = (event: PageEvent) => void;

export class Hub {
	readonly #listeners = new Set<Listener>();

	/** Sends to every page connected now. */
	emit(name: string, data: unknown): void {
		const event = { name, data };
		for (const listener of this.#listeners) listener(event);
	}

	/** Returns the function that stops listening. */
	listen(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}
