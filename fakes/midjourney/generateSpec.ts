/** The generate endpoint's vocabulary and validation, from the provider's pages. */

const TASK_TYPES = [
	'mj_txt2img',
	'mj_img2img',
	'mj_video',
	'mj_video_hd',
	'mj_style_reference',
	'mj_omni_reference',
] as const;

const SPEC_FIELDS = new Set([
	'taskType',
	'prompt',
	'speed',
	'fileUrl',
	'fileUrls',
	'aspectRatio',
	'version',
	'variety',
	'stylization',
	'weirdness',
	'ow',
	'waterMark',
	'callBackUrl',
	'motion',
	'videoBatchSize',
	'enableTranslation',
]);
const ASPECT_RATIOS = ['1:2', '9:16', '2:3', '3:4', '5:6', '6:5', '4:3', '3:2', '1:1', '16:9', '2:1'];
const VERSIONS = ['7', '6.1', '6', '5.2', '5.1', 'niji6', 'niji7'];
const SPEEDS = ['relaxed', 'fast', 'turbo'];
const MOTIONS = ['high', 'low'];
const VIDEO_BATCH_SIZES = [1, 2, 4];
const RANGES = { variety: [0, 100], stylization: [0, 1000], weirdness: [0, 3000], ow: [1, 1000] } as const;
export const PROMPT_MAX_LENGTH = 2000;
/** How paramJson spells speeds ("its enum spellings differ from the request"). */
export const PARAM_JSON_SPEEDS: Record<string, string> = { relaxed: 'Relax', fast: 'Fast', turbo: 'Turbo' };

export const VIDEO_TYPES: readonly string[] = ['mj_video', 'mj_video_hd'];
const NEEDS_IMAGE: readonly string[] = [
	'mj_img2img',
	'mj_style_reference',
	'mj_omni_reference',
	'mj_video',
	'mj_video_hd',
];
const NO_SPEED: readonly string[] = ['mj_video', 'mj_video_hd', 'mj_omni_reference'];

export function isVideoType(taskType: unknown): boolean {
	return typeof taskType === 'string' && VIDEO_TYPES.includes(taskType);
}

/** Fields present in the body that the spec says must not be sent: one message each. */
export function findViolations(body: Record<string, unknown>): string[] {
	const found: string[] = [];
	const taskType = body.taskType;
	const label = typeof taskType === 'string' ? taskType : String(taskType);
	const has = (field: string): boolean => Object.hasOwn(body, field);
	for (const field of Object.keys(body)) {
		if (!SPEC_FIELDS.has(field)) found.push(`generate (${label}): field "${field}" is not in the spec`);
	}
	if (typeof taskType === 'string' && NO_SPEED.includes(taskType) && has('speed')) {
		found.push(`generate (${label}): "speed" must not be sent for ${label}`);
	}
	if (taskType !== 'mj_omni_reference' && has('ow')) {
		found.push(`generate (${label}): "ow" is only for mj_omni_reference`);
	}
	if (!isVideoType(taskType)) {
		for (const field of ['motion', 'videoBatchSize']) {
			if (has(field)) found.push(`generate (${label}): "${field}" is only for video task types`);
		}
	}
	if (has('fileUrl') && has('fileUrls')) {
		found.push(`generate (${label}): both "fileUrl" and "fileUrls" sent (use either)`);
	}
	if (taskType === 'mj_txt2img' && (has('fileUrl') || has('fileUrls'))) {
		found.push(`generate (${label}): image URLs sent for text-to-image (the spec says leave them empty)`);
	}
	return found;
}

/** The 422 message the provider would answer with, or undefined when the body is valid. */
export function validateGenerate(body: Record<string, unknown>): string | undefined {
	const { taskType, prompt } = body;
	if (taskType === undefined) return 'taskType is required';
	if (typeof taskType !== 'string' || !(TASK_TYPES as readonly string[]).includes(taskType)) {
		return `taskType must be one of ${TASK_TYPES.join(', ')}`;
	}
	if (typeof prompt !== 'string' || prompt.trim() === '') return 'prompt is required';
	if (prompt.length > PROMPT_MAX_LENGTH) return `prompt must be at most ${PROMPT_MAX_LENGTH} characters`;

	const urls: unknown[] = [];
	if (body.fileUrl !== undefined) {
		if (typeof body.fileUrl !== 'string') return 'fileUrl must be a string';
		if (body.fileUrl !== '') urls.push(body.fileUrl);
	}
	if (body.fileUrls !== undefined) {
		if (!Array.isArray(body.fileUrls)) return 'fileUrls must be an array';
		urls.push(...(body.fileUrls as unknown[]));
	}
	if (urls.some((url) => typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url))) {
		return 'fileUrls must hold valid image URLs';
	}
	if (NEEDS_IMAGE.includes(taskType) && urls.length === 0) return `fileUrls is required for ${taskType}`;

	const enums: [string, readonly unknown[]][] = [
		['speed', SPEEDS],
		['aspectRatio', ASPECT_RATIOS],
		['version', VERSIONS],
		['motion', MOTIONS],
		['videoBatchSize', VIDEO_BATCH_SIZES],
	];
	for (const [field, choices] of enums) {
		const value = body[field];
		if (value !== undefined && !choices.includes(value)) return `${field} must be one of ${choices.join(', ')}`;
	}
	for (const [field, [min, max]] of Object.entries(RANGES)) {
		const value = body[field];
		if (value === undefined) continue;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
			return `${field} must be an integer between ${min} and ${max}`;
		}
	}
	for (const field of ['waterMark', 'callBackUrl']) {
		if (body[field] !== undefined && typeof body[field] !== 'string') return `${field} must be a string`;
	}
	if (body.enableTranslation !== undefined && typeof body.enableTranslation !== 'boolean') {
		return 'enableTranslation must be a boolean';
	}
	if (isVideoType(taskType)) {
		if (urls.length > 1) return 'fileUrls can only have one image link for video';
		if (body.motion === undefined) return `motion is required for ${taskType}`;
	}
	return undefined;
}
