/** A path template in OpenAPI notation, e.g. `/channels/{channel_id}/messages/{message_id}`. */
export interface TemplateMatch<T> {
	template: string;
	params: Record<string, string>;
	value: T;
}

interface CompiledTemplate<T> {
	template: string;
	segments: Array<{ literal: string } | { param: string }>;
	value: T;
}

/**
 * Matches request paths against OpenAPI path templates. When several templates match, the one with a literal
 * segment at the first position where they differ wins (`/messages/@original` beats `/messages/{message_id}`).
 */
export class PathMatcher<T> {
	readonly #templates: Array<CompiledTemplate<T>> = [];

	add(template: string, value: T): void {
		const segments = template
			.split('/')
			.slice(1)
			.map((segment) => {
				const param = /^\{(.+)\}$/.exec(segment)?.[1];
				return param === undefined ? { literal: segment } : { param };
			});
		this.#templates.push({ template, segments, value });
	}

	/** All matching templates, best first. */
	matchAll(path: string): Array<TemplateMatch<T>> {
		const parts = path.split('/').slice(1);
		const matches: Array<TemplateMatch<T> & { score: number[] }> = [];
		for (const candidate of this.#templates) {
			if (candidate.segments.length !== parts.length) continue;
			const params: Record<string, string> = {};
			const score: number[] = [];
			let ok = true;
			for (const [index, segment] of candidate.segments.entries()) {
				const part = parts[index] ?? '';
				if ('literal' in segment) {
					if (segment.literal !== part) {
						ok = false;
						break;
					}
					score.push(1);
				} else {
					if (part === '') {
						ok = false;
						break;
					}
					params[segment.param] = part;
					score.push(0);
				}
			}
			if (ok) matches.push({ template: candidate.template, params, value: candidate.value, score });
		}
		matches.sort((a, b) => compareScores(b.score, a.score));
		return matches.map(({ template, params, value }) => ({ template, params, value }));
	}

	match(path: string): TemplateMatch<T> | undefined {
		return this.matchAll(path)[0];
	}
}

function compareScores(a: number[], b: number[]): number {
	for (const [index, value] of a.entries()) {
		const other = b[index] ?? 0;
		if (value !== other) return value - other;
	}
	return 0;
}
