/**
 * The requests a result's actions send, derived from the source job's own request. Pure functions.
 */
import type { GenerateRequest, ImageParams, OmniParams } from '../api/types.js';
import type { GenerationOptionValues } from '../jobs/options.js';
import { buildGenerateRequest } from '../jobs/request.js';

/** The image parameters a request was sent with, named like the slash-command options. */
export function imageOptionsOf(request: GenerateRequest): Partial<GenerationOptionValues> {
	const params: Partial<ImageParams & OmniParams> = request.params;
	const options: Partial<GenerationOptionValues> = {};
	if (params.aspectRatio !== undefined) options.aspect_ratio = params.aspectRatio;
	if (params.version !== undefined) options.version = params.version;
	if (params.speed !== undefined) options.speed = params.speed;
	if (params.variety !== undefined) options.variety = params.variety;
	if (params.stylization !== undefined) options.stylization = params.stylization;
	if (params.weirdness !== undefined) options.weirdness = params.weirdness;
	return options;
}

function extras(source: GenerateRequest): { watermark?: string } {
	return source.watermark ? { watermark: source.watermark } : {};
}

/** 🎨: image-to-image from one image of the result, with the source's prompt (or the member's edit) and parameters. */
export function remixRequest(source: GenerateRequest, imageUrl: string, prompt = source.prompt): GenerateRequest {
	return buildGenerateRequest({ kind: 'remix', prompt, imageUrl, options: imageOptionsOf(source) }, extras(source));
}

/** 🎬: a video from one image with the source's prompt; motion and batch size are the defaults. */
export function animateRequest(source: GenerateRequest, imageUrl: string): GenerateRequest {
	return buildGenerateRequest({ kind: 'animate', prompt: source.prompt, imageUrl, options: {} }, extras(source));
}

/** 🔁: the very same request again (the callback URL is per job and added at submit). */
export function rerollRequest(source: GenerateRequest): GenerateRequest {
	const { callbackUrl: _callbackUrl, ...request } = source;
	return request;
}
