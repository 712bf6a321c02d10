/**
 * Custom ids of the buttons and modals on results. They name the job (and the image) rather than holding state, so
 * a button keeps working after a restart and long after the interaction that produced the result has expired: the
 * job is looked up in the store when it is clicked.
 */

/**
 * What a button or a reaction on a result asks for. `prompt` is the remix modal's submit; `extendPrompt` is the
 * button that opens the extend form, `extendManual` that form's submit.
 */
export const RESULT_ACTIONS = [
	'pick',
	'remix',
	'prompt',
	'animate',
	'reroll',
	'delete',
	'dm',
	'vary',
	'upscale',
	'extend',
	'extendPrompt',
	'extendManual',
] as const;
export type ResultAction = (typeof RESULT_ACTIONS)[number];

/** The custom ids that only ever name a form (a modal submit), never a button or a reaction. */
export type FormAction = 'prompt' | 'extendManual';

/** A decoded custom id: the action, the job it applies to and, for one image, its 0-based index. */
export interface ActionId {
	action: ResultAction;
	jobId: string;
	index?: number;
}

const PREFIX = 'mj';
/** Discord's limit for a component's or modal's custom id. */
export const CUSTOM_ID_MAX_LENGTH = 100;
const JOB_ID = /^[\w-]{1,64}$/;
const PATTERN = new RegExp(`^${PREFIX}:(${RESULT_ACTIONS.join('|')}):([\\w-]{1,64})(?::([1-9]\\d?))?$`);

/** `mj:<action>:<jobId>[:<image number, 1-based>]`, e.g. `mj:pick:Ab3…:2`. */
export function encodeActionId({ action, jobId, index }: ActionId): string {
	if (!JOB_ID.test(jobId)) throw new Error(`Not a job id: ${jobId}`);
	if (index !== undefined && (!Number.isInteger(index) || index < 0 || index > 98)) {
		throw new Error(`Not an image index: ${index}`);
	}
	const id = `${PREFIX}:${action}:${jobId}${index === undefined ? '' : `:${index + 1}`}`;
	if (id.length > CUSTOM_ID_MAX_LENGTH) throw new Error(`Custom id too long: ${id}`);
	return id;
}

/** The action a custom id names, or undefined when it is not one of ours (or has been tampered with). */
export function decodeActionId(customId: string): ActionId | undefined {
	const match = PATTERN.exec(customId);
	if (!match) return undefined;
	const [, action, jobId, number] = match;
	if (action === undefined || jobId === undefined) return undefined;
	return {
		action: action as ResultAction,
		jobId,
		...(number === undefined ? {} : { index: Number(number) - 1 }),
	};
}
