/**
 * The requests a result's actions send, derived from the source job's own request. Pure functions.
 */
import type { GenerateRequest, ImageParams, OmniParams, SubmitRequest } from '../api/types.js';
import type { GenerationOptionValues } from '../jobs/options.js';
import { buildGenerateRequest } from '../jobs/request.js';
import { promptOf, type JobRecord } from '../jobs/types.js';

/** The image parameters a request was sent with, named like the slash-command options (none for a follow-up). */
export function imageOptionsOf(request: SubmitRequest): Partial<GenerationOptionValues> {
	if (!('params' in request)) return {};
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

function extras(source: SubmitRequest): { watermark?: string } {
	return source.watermark ? { watermark: source.watermark } : {};
}

type Source = Pick<JobRecord, 'request' | 'parent'>;

/** 🎨: image-to-image from one image of the result, with the source's prompt (or the member's edit) and parameters. */
export function remixRequest(source: Source, imageUrl: string, prompt = promptOf(source)): GenerateRequest {
	const { request } = source;
	return buildGenerateRequest({ kind: 'remix', prompt, imageUrl, options: imageOptionsOf(request) }, extras(request));
}

/** 🎬: a video from one image with the source's prompt; motion and batch size are the defaults. */
export function animateRequest(source: Source, imageUrl: string): GenerateRequest {
	const input = { kind: 'animate', prompt: promptOf(source), imageUrl, options: {} } as const;
	return buildGenerateRequest(input, extras(source.request));
}

/** 🔁: the very same request again (the callback URL is per job and added at submit). */
export function rerollRequest(source: SubmitRequest): SubmitRequest {
	const { callbackUrl: _callbackUrl, ...request } = source;
	return request;
}
