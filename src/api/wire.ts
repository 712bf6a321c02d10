/**
 * The provider's wire format: field names and response shapes. Nothing outside `src/api` sees these.
 */
import { z } from 'zod';
import type { CallbackReport, GenerateRequest, TaskOutcome } from './types.js';

/** Body of `POST /api/v1/mj/generate`. Only fields valid for the task type are set. */
export function toGenerateBody(request: GenerateRequest): Record<string, unknown> {
	const body: Record<string, unknown> = { taskType: request.taskType, prompt: request.prompt };
	switch (request.taskType) {
		case 'mj_txt2img':
			Object.assign(body, imageFields(request.params));
			break;
		case 'mj_img2img':
		case 'mj_style_reference':
			body.fileUrls = [...request.imageUrls];
			Object.assign(body, imageFields(request.params));
			break;
		case 'mj_video':
		case 'mj_video_hd': {
			const { aspectRatio, version, motion, videoBatchSize } = request.params;
			body.fileUrls = [request.imageUrl];
			Object.assign(body, definedOnly({ aspectRatio, version, motion, videoBatchSize }));
			break;
		}
		case 'mj_omni_reference': {
			const { aspectRatio, version, variety, stylization, weirdness, omniWeight } = request.params;
			body.fileUrls = [request.imageUrl];
			Object.assign(body, definedOnly({ aspectRatio, version, variety, stylization, weirdness, ow: omniWeight }));
			break;
		}
	}
	if (request.watermark) body.waterMark = request.watermark;
	if (request.enableTranslation) body.enableTranslation = true;
	if (request.callbackUrl) body.callBackUrl = request.callbackUrl;
	return body;
}

function imageFields(params: Extract<GenerateRequest, { taskType: 'mj_txt2img' }>['params']): Record<string, unknown> {
	const { aspectRatio, version, speed, variety, stylization, weirdness } = params;
	return definedOnly({ speed, aspectRatio, version, variety, stylization, weirdness });
}

function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** Every response: `{ code, msg, data }`. */
export const envelopeSchema = z.object({
	code: z.number(),
	msg: z.string().nullish(),
	data: z.unknown().optional(),
});

export const generateDataSchema = z.object({ taskId: z.string().min(1) });

const resultUrlEntry = z.union([z.string(), z.object({ resultUrl: z.string() }).transform((entry) => entry.resultUrl)]);

/** `data` of `GET /api/v1/mj/record-info`. Lenient: unknown fields are ignored, optional ones may be null. */
export const recordInfoDataSchema = z.object({
	taskId: z.string().min(1),
	successFlag: z.union([z.number(), z.string().transform(Number)]).nullish(),
	resultInfoJson: z
		.union([
			z.object({ resultUrls: z.array(resultUrlEntry).nullish() }),
			// Some sibling endpoints send it as a JSON string.
			z.string(),
		])
		.nullish(),
	errorCode: z.union([z.number(), z.string()]).nullish(),
	errorMessage: z.string().nullish(),
});

/** A success without a single URL cannot be delivered: a failure the member is shown in their language. */
const NO_RESULT_FILES = {
	status: 'failed',
	reason: 'The task succeeded but returned no result files.',
	why: { code: 'no-result-files' },
} as const satisfies TaskOutcome;
const NO_REASON_GIVEN = {
	status: 'failed',
	reason: 'Generation failed (no reason given by the API).',
	why: { code: 'no-reason-given' },
} as const satisfies TaskOutcome;

export function outcomeFromRecordInfo(data: z.infer<typeof recordInfoDataSchema>): TaskOutcome {
	switch (data.successFlag) {
		case 1: {
			const resultUrls = resultUrlsOf(data.resultInfoJson);
			return resultUrls.length > 0 ? { status: 'succeeded', resultUrls } : NO_RESULT_FILES;
		}
		case 2:
		case 3: {
			const code = Number(data.errorCode) || undefined;
			const reason = data.errorMessage?.trim();
			const failed = reason ? { status: 'failed' as const, reason } : NO_REASON_GIVEN;
			return code === undefined ? failed : { ...failed, code };
		}
		default:
			// 0 = generating; any undocumented value is treated as pending under the job's overall time-out.
			return { status: 'pending' };
	}
}

function resultUrlsOf(info: z.infer<typeof recordInfoDataSchema>['resultInfoJson']): string[] {
	if (info == null) return [];
	if (typeof info === 'string') {
		try {
			const parsed = recordInfoDataSchema.shape.resultInfoJson.safeParse(JSON.parse(info));
			return parsed.success && parsed.data != null && typeof parsed.data !== 'string'
				? (parsed.data.resultUrls ?? [])
				: [];
		} catch {
			return [];
		}
	}
	return info.resultUrls ?? [];
}

const callbackSchema = z.object({
	code: z.number(),
	msg: z.string().nullish(),
	data: z
		.object({
			taskId: z.string().nullish(),
			task_id: z.string().nullish(),
			resultUrls: z.array(resultUrlEntry).nullish(),
		})
		.refine((data) => Boolean(data.taskId || data.task_id), { message: 'taskId is missing' }),
});

export type CallbackParse = { ok: true; report: CallbackReport } | { ok: false; error: string };

/** Normalises a callback body (both `taskId` and `task_id`; plain-string and object result URLs). */
export function parseCallbackBody(body: unknown): CallbackParse {
	const parsed = callbackSchema.safeParse(body);
	if (!parsed.success) {
		return {
			ok: false,
			error: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
		};
	}
	const { code, msg, data } = parsed.data;
	const taskId = (data.taskId || data.task_id)!;
	const resultUrls = data.resultUrls ?? [];
	if (code === 200 && resultUrls.length > 0)
		return { ok: true, report: { taskId, outcome: { status: 'succeeded', resultUrls } } };
	const reason = msg?.trim();
	const failed = reason ? { status: 'failed' as const, reason } : NO_REASON_GIVEN;
	return { ok: true, report: { taskId, outcome: code === 200 ? NO_RESULT_FILES : { ...failed, code } } };
}
