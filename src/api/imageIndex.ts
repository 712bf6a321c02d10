/**
 * Which number the provider expects for "image N of the grid" (and "video N of the batch"). Its own pages disagree:
 *
 * - vary page, developer notes: "imageIndex range is 1-4, corresponding to the 4 generated images", and its example
 *   sends `"imageIndex": 1`;
 * - vary page, body schema: "Image index, range (0, 1, 2, 3) for the 4 generated images", "Required range: 0 <= x <= 3";
 * - upscale page: the same 0–3 schema, and its example sends `"imageIndex": 0`.
 *
 * Two schemas and one example against one note: 0-based is the default, and `MJ_IMAGE_INDEX_BASE=1` switches it
 * without a code change. The video-extend page names its `index` without a range or an example base; the same
 * provider counting its batches the way it counts its grids is the likelier guess, so it follows the same setting.
 */
import type { ImageNumber, VideoNumber } from './types.js';

export const IMAGE_INDEX_BASES = [0, 1] as const;
export type ImageIndexBase = (typeof IMAGE_INDEX_BASES)[number];
export const DEFAULT_IMAGE_INDEX_BASE: ImageIndexBase = 0;

/** The wire index of image (or video) `number` as members count it, 1 to 4. The only place the base is applied. */
export function toWireIndex(number: ImageNumber | VideoNumber, base: ImageIndexBase): number {
	return number - 1 + base;
}
