/**
 * A server's rules about what may be generated, where and by whom. Pure checks: each answers with the rule that
 * refused and the facts behind it (see `refusals.ts`), which the Discord side words with the admin setting that
 * controls it, so nobody is left guessing.
 */
import type { Speed, TaskType } from '../api/spec.js';
import { isFollowUp, type GenerateRequest, type SubmitRequest } from '../api/types.js';
import type { GenerationOptionName } from '../jobs/options.js';
import { workTypeOf, type WorkType } from '../jobs/workType.js';
import type { Refusal } from './refusals.js';
import { implicitSpeed } from './resolve.js';
import type { ServerSettings, ValueSource } from './types.js';

export type RuleVerdict = { ok: true } | { ok: false; refusal: Refusal };

const OK: RuleVerdict = { ok: true };

/** How members and admins name each kind of work (`allowed_commands`): never the provider's ids. */
export const TASK_TYPE_NAMES: Readonly<Record<WorkType, string>> = {
	mj_txt2img: 'imagine',
	mj_img2img: 'remix',
	mj_video: 'animate',
	mj_video_hd: 'animate_hd',
	mj_style_reference: 'style',
	mj_omni_reference: 'omni',
	vary: 'vary',
	upscale: 'upscale',
	extend: 'extend',
};

/** Task types that take a `speed`. */
const SPEED_TASK_TYPES: readonly TaskType[] = ['mj_txt2img', 'mj_img2img', 'mj_style_reference'];

/** The commands' names as members know them; `none`, in the reader's language, when there are none. */
export function listTaskTypes(types: readonly WorkType[], none: string): string {
	return types.length === 0 ? none : types.map((type) => `\`${TASK_TYPE_NAMES[type]}\``).join(', ');
}

export function listSpeeds(speeds: readonly Speed[]): string {
	return speeds.map((speed) => `\`${speed}\``).join(', ');
}

export function checkChannel(server: ServerSettings, channelId: string, parentChannelId?: string | null): RuleVerdict {
	if (server.channels.length === 0) return OK;
	if (server.channels.includes(channelId) || (parentChannelId && server.channels.includes(parentChannelId))) return OK;
	return { ok: false, refusal: { rule: 'channel', channelIds: server.channels } };
}

export function checkRole(server: ServerSettings, roleIds: readonly string[]): RuleVerdict {
	if (!server.requiredRoleId || roleIds.includes(server.requiredRoleId)) return OK;
	return { ok: false, refusal: { rule: 'role', roleId: server.requiredRoleId } };
}

export function checkTaskType(server: ServerSettings, taskType: WorkType): RuleVerdict {
	const allowed = server.allowedTaskTypes;
	if (!allowed || allowed.includes(taskType)) return OK;
	return { ok: false, refusal: { rule: 'task-type', taskType, allowed } };
}

export function checkSpeed(
	server: ServerSettings,
	speed: Speed | undefined,
	source: ValueSource = 'option',
): RuleVerdict {
	const allowed = server.allowedSpeeds;
	if (!allowed || speed === undefined || allowed.includes(speed)) return OK;
	return { ok: false, refusal: { rule: 'speed', speed, allowed, source } };
}

export function speedOf(request: GenerateRequest): Speed | undefined {
	return 'speed' in request.params ? request.params.speed : undefined;
}

/**
 * Checks the request against the server's task-type and speed rules, and returns the request as it will be sent:
 * the server's watermark (or none), and the slowest allowed speed where nobody chose one.
 */
export function applyRequestRules(
	server: ServerSettings,
	request: SubmitRequest,
	sources: Partial<Record<GenerationOptionName, ValueSource>> = {},
): { ok: true; request: SubmitRequest } | Extract<RuleVerdict, { ok: false }> {
	const taskVerdict = checkTaskType(server, workTypeOf(request));
	if (!taskVerdict.ok) return taskVerdict;
	// A follow-up takes its parameters from the task it acts on: only the watermark is the server's to set.
	if (isFollowUp(request)) return { ok: true, request: withWatermark(server, request) };
	let sent: GenerateRequest = request;
	if (SPEED_TASK_TYPES.includes(request.taskType)) {
		const speedVerdict = checkSpeed(server, speedOf(request), sources.speed);
		if (!speedVerdict.ok) return speedVerdict;
		const speed = speedOf(request) ?? implicitSpeed(server);
		if (
			speed &&
			(sent.taskType === 'mj_txt2img' || sent.taskType === 'mj_img2img' || sent.taskType === 'mj_style_reference')
		) {
			sent = { ...sent, params: { ...sent.params, speed } };
		}
	}
	return { ok: true, request: withWatermark(server, sent) };
}

function withWatermark<R extends SubmitRequest>(server: ServerSettings, request: R): R {
	const { watermark: _previous, ...rest } = request;
	return (server.watermark ? { ...rest, watermark: server.watermark } : rest) as R;
}
