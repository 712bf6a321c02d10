/**
 * The reactions that mean something on a result, and what they mean. Anything else is left alone: members react
 * with 👍 too, and that must not start a paid job.
 */
import type { ReactionAction } from '../discord/emoji.js';
import type { ResultShape } from '../jobs/resultShape.js';
import type { ResultMessageRef } from './records.js';

/**
 * What a reaction means on a given result message, or undefined when it means nothing there (1️⃣ on a single
 * image, 🎨 on a grid or a video…). `index` is the image the action applies to; vary and upscale on a grid have
 * none (see {@link needsPickFirst}).
 */
export function reactionMeaning(
	wanted: ReactionAction,
	ref: ResultMessageRef,
	result: { shape: ResultShape; fileCount: number; upscaled?: boolean } | undefined,
): ReactionAction | undefined {
	const picked = ref.type === 'pick' ? { index: ref.index } : {};
	switch (wanted.action) {
		case 'pick':
			return ref.type === 'job' && result?.shape === 'grid' && (wanted.index ?? 0) < result.fileCount
				? wanted
				: undefined;
		case 'remix':
		case 'animate':
			if (ref.type === 'pick') return { action: wanted.action, index: ref.index };
			return result?.shape === 'single' ? { action: wanted.action, index: 0 } : undefined;
		case 'vary':
		case 'upscale':
			if (ref.type === 'pick') return { action: wanted.action, index: ref.index };
			// On a grid the reaction cannot say which image: no index, and the member is told to pick one first.
			if (result?.shape === 'grid') return { action: wanted.action };
			return result?.shape === 'single' && !result.upscaled ? { action: wanted.action, index: 0 } : undefined;
		case 'extend':
			// On a batch, video 1: the buttons extend the others.
			return ref.type === 'job' && result?.shape === 'video' ? { action: 'extend', index: 0 } : undefined;
		case 'reroll':
		case 'delete':
		case 'dm':
			return { action: wanted.action, ...picked };
	}
}

/** Vary or upscale reacted on a grid: it cannot say which image, so nothing is started and the member is told. */
export function needsPickFirst(meaning: ReactionAction): boolean {
	return (meaning.action === 'vary' || meaning.action === 'upscale') && meaning.index === undefined;
}
