/**
 * The bodies of the endpoints that act on a finished task (vary, upscale, video extend), from the provider's pages
 * (docs/provider/mj-api-reference.md, "Other endpoints"; docs/provider/mj-follow-up-endpoints.md). Each names its
 * parent by `taskId` and an image (`imageIndex`) or a video (`index`) of it, counted from the configured base.
 */
import { isVideoType, PROMPT_MAX_LENGTH } from './generateSpec.js';
import type { FakeFollowUpEndpoint, FakeSubmitEndpoint, FakeTask } from './types.js';

export const FOLLOW_UP_ROUTES: Readonly<Record<string, FakeFollowUpEndpoint>> = {
	'POST /api/v1/mj/generateVary': 'vary',
	'POST /api/v1/mj/generateUpscale': 'upscale',
	'POST /api/v1/mj/generateVideoExtend': 'extend',
};

const FIELDS: Readonly<Record<FakeFollowUpEndpoint, readonly string[]>> = {
	vary: ['taskId', 'imageIndex', 'waterMark', 'callBackUrl'],
	upscale: ['taskId', 'imageIndex', 'waterMark', 'callBackUrl'],
	extend: ['taskType', 'taskId', 'index', 'prompt', 'waterMark', 'callBackUrl'],
};

const EXTEND_TASK_TYPES: readonly unknown[] = ['mj_video_extend_auto', 'mj_video_extend_manual'];

/** What record-info calls the tasks vary and upscale create: not documented, so named like the generate types. */
export const FOLLOW_UP_TASK_TYPES = { vary: 'mj_vary', upscale: 'mj_upscale' } as const;

/** The most images or videos a parent can have: a grid of four, a batch of at most four. */
const MAX_ITEMS = 4;

export type ResultKind = 'grid' | 'single' | 'video';

/** What a task produces: which decides what may act on it and how many files it yields. */
export function resultKindOf(endpoint: FakeSubmitEndpoint, body: Record<string, unknown>): ResultKind {
	if (endpoint === 'extend' || (endpoint === 'generate' && isVideoType(body.taskType))) return 'video';
	return endpoint === 'upscale' ? 'single' : 'grid';
}

function indexFieldOf(endpoint: FakeFollowUpEndpoint): 'index' | 'imageIndex' {
	return endpoint === 'extend' ? 'index' : 'imageIndex';
}

/** Sent fields the page does not list, and a prompt on an automatic extend: recorded, not refused. */
export function followUpViolations(endpoint: FakeFollowUpEndpoint, body: Record<string, unknown>): string[] {
	const found = Object.keys(body)
		.filter((field) => !FIELDS[endpoint].includes(field))
		.map((field) => `${endpoint}: field "${field}" is not in the spec`);
	if (endpoint === 'extend' && body.taskType === 'mj_video_extend_auto' && Object.hasOwn(body, 'prompt')) {
		found.push('extend: "prompt" is only for mj_video_extend_manual');
	}
	return found;
}

/** The 422 message the provider would answer a malformed body with, or undefined when it is well-formed. */
export function validateFollowUp(
	endpoint: FakeFollowUpEndpoint,
	body: Record<string, unknown>,
	base: 0 | 1,
): string | undefined {
	const unknown = Object.keys(body).find((field) => !FIELDS[endpoint].includes(field));
	if (unknown !== undefined) return `${unknown} is not a parameter of this endpoint`;
	if (typeof body.taskId !== 'string' || body.taskId.trim() === '') return 'taskId is required';
	const indexField = indexFieldOf(endpoint);
	const index = body[indexField];
	if (index === undefined) return `${indexField} is required`;
	if (typeof index !== 'number' || !Number.isInteger(index) || index < base || index >= base + MAX_ITEMS) {
		return `${indexField} must be an integer between ${base} and ${base + MAX_ITEMS - 1}`;
	}
	for (const field of ['waterMark', 'callBackUrl', 'prompt']) {
		if (body[field] !== undefined && typeof body[field] !== 'string') return `${field} must be a string`;
	}
	return endpoint === 'extend' ? validateExtend(body) : undefined;
}

function validateExtend(body: Record<string, unknown>): string | undefined {
	if (!EXTEND_TASK_TYPES.includes(body.taskType)) return `taskType must be one of ${EXTEND_TASK_TYPES.join(', ')}`;
	if (body.taskType !== 'mj_video_extend_manual') return undefined;
	if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return 'prompt is required for manual extension';
	if (body.prompt.length > PROMPT_MAX_LENGTH) return `prompt must be at most ${PROMPT_MAX_LENGTH} characters`;
	return undefined;
}

/** Whether `parent` may be acted on this way: it exists, succeeded, is of the right kind and has that item. */
export function checkParent(
	endpoint: FakeFollowUpEndpoint,
	body: Record<string, unknown>,
	parent: FakeTask | undefined,
	base: 0 | 1,
): string | undefined {
	const taskId = String(body.taskId);
	if (parent === undefined) return `Task ${taskId} not found`;
	if (parent.state !== 'succeeded') return `Task ${taskId} has not completed successfully`;
	const kind = resultKindOf(parent.endpoint, parent.request);
	const wanted: ResultKind = endpoint === 'extend' ? 'video' : 'grid';
	if (kind !== wanted) {
		return endpoint === 'extend'
			? `Task ${taskId} is not a video task`
			: `Task ${taskId} is not a four-image task (${kind === 'video' ? 'a video' : 'an upscaled image'})`;
	}
	const position = Number(body[indexFieldOf(endpoint)]) - base;
	if (position >= parent.resultUrls.length) {
		return `${indexFieldOf(endpoint)} ${position + base} is beyond the ${parent.resultUrls.length} results of task ${taskId}`;
	}
	return undefined;
}
