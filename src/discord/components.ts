/**
 * The buttons on results and the one-line hint of the reactions. Pure functions: the custom ids name the job
 * (and the image), so a button works whenever it is clicked, resolved through the store.
 */
import {
	ButtonStyle,
	ComponentType,
	TextInputStyle,
	type APIActionRowComponent,
	type APIButtonComponentWithCustomId,
	type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import { PROMPT_MAX_LENGTH } from '../api/spec.js';
import { translatorFor, type Translate } from '../i18n/index.js';
import { isSucceeded, isUpscale, shapeOf, type ResultShape, type SucceededJob } from '../jobs/resultShape.js';
import type { FinishedJob } from '../jobs/types.js';
import { ACTION_EMOJI, type ActionEmojiSet } from '../settings/actionEmoji.js';
import { encodeActionId } from './customId.js';
import { parseEmoji } from './emoji.js';
import { jobLine, type RenderedMessage } from './render.js';
import { MESSAGE_CONTENT_LIMIT } from './respond.js';

export type ButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

const ENGLISH = translatorFor('en');

/** The modal's text input holding the prompt. */
export const PROMPT_INPUT_ID = 'prompt';
/** Discord shows at most four pick buttons per grid (the emoji go to 4️⃣ as well). */
const MAX_PICKS = 4;

function button(customId: string, emoji: string, label?: string): APIButtonComponentWithCustomId {
	const { id, name } = parseEmoji(emoji);
	return {
		type: ComponentType.Button,
		style: ButtonStyle.Secondary,
		custom_id: customId,
		emoji: id === null ? { name } : { id, name },
		...(label ? { label } : {}),
	};
}

function row(...buttons: APIButtonComponentWithCustomId[]): ButtonRow {
	return { type: ComponentType.ActionRow, components: buttons };
}

/**
 * What a result's buttons are laid out for: its shape, with an upscale's single image apart (final: the provider
 * varies and upscales only images of a grid, so it offers neither).
 */
export type ButtonLayout = ResultShape | 'upscaled';

type ButtonLabel = 'upscale' | 'vary' | 'remix' | 'animate';

/** Midjourney's row for one image: Upscale, Vary, 🎨 Remix, 🎬 Animate, ❌ (image `index` of job `jobId`). */
function singleImageRow(
	jobId: string,
	index: number,
	picked: boolean,
	emoji: ActionEmojiSet,
	translate: Translate = ENGLISH,
): ButtonRow {
	const own = picked ? { index } : {};
	const label = (key: ButtonLabel): string => translate(`resultActions.${key}`);
	return row(
		button(encodeActionId({ action: 'upscale', jobId, index }), emoji.upscale, label('upscale')),
		button(encodeActionId({ action: 'vary', jobId, index }), emoji.vary, label('vary')),
		button(encodeActionId({ action: 'remix', jobId, index }), emoji.remix, label('remix')),
		button(encodeActionId({ action: 'animate', jobId, index }), emoji.animate, label('animate')),
		button(encodeActionId({ action: 'delete', jobId, ...own }), emoji.delete),
	);
}

/** An upscaled image: 🎬 Animate, 🎨 Remix, ❌. */
function upscaledRow(jobId: string, emoji: ActionEmojiSet, translate: Translate): ButtonRow {
	const label = (key: ButtonLabel): string => translate(`resultActions.${key}`);
	return row(
		button(encodeActionId({ action: 'animate', jobId, index: 0 }), emoji.animate, label('animate')),
		button(encodeActionId({ action: 'remix', jobId, index: 0 }), emoji.remix, label('remix')),
		button(encodeActionId({ action: 'delete', jobId }), emoji.delete),
	);
}

/** A video of a batch: Extend (auto) and Extend with prompt… (the form; manual), numbered when there are several. */
function videoRow(jobId: string, index: number, count: number, emoji: ActionEmojiSet, t: Translate): ButtonRow {
	const number = index + 1;
	const [auto, manual] =
		count > 1
			? [t('resultActions.extendNumber', { number }), t('resultActions.extendPromptNumber', { number })]
			: [t('resultActions.extend'), t('resultActions.extendPrompt')];
	return row(
		button(encodeActionId({ action: 'extend', jobId, index }), emoji.extend, auto),
		button(encodeActionId({ action: 'extendPrompt', jobId, index }), emoji.extend, manual),
	);
}

/**
 * The buttons of a job's result message, in Midjourney's layout (at most 5 rows of 5): a grid has U1–U4, V1–V4, then
 * 🔁 ❌; one image has Upscale, Vary, Remix, Animate, ❌; an upscaled image Animate, Remix, ❌; videos a row of Extend
 * and Extend with prompt… each (four at most), then 🔁 ❌.
 */
export function resultComponents(
	jobId: string,
	shape: ButtonLayout,
	imageCount: number,
	emoji: ActionEmojiSet = ACTION_EMOJI,
	translate: Translate = ENGLISH,
): ButtonRow[] {
	const common = row(
		button(encodeActionId({ action: 'reroll', jobId }), emoji.reroll),
		button(encodeActionId({ action: 'delete', jobId }), emoji.delete),
	);
	const numbered = Array.from({ length: Math.min(imageCount, MAX_PICKS) }, (_, index) => index);
	switch (shape) {
		case 'grid': {
			const picks = numbered.map((index) =>
				button(encodeActionId({ action: 'pick', jobId, index }), emoji.pick[index]!, `U${index + 1}`),
			);
			const varies = numbered.map((index) =>
				button(encodeActionId({ action: 'vary', jobId, index }), emoji.vary, `V${index + 1}`),
			);
			return [row(...picks), row(...varies), common];
		}
		case 'single':
			return [singleImageRow(jobId, 0, false, emoji, translate)];
		case 'upscaled':
			return [upscaledRow(jobId, emoji, translate)];
		case 'video':
			return [...numbered.map((index) => videoRow(jobId, index, imageCount, emoji, translate)), common];
		case 'empty':
			return [common];
	}
}

/** The buttons of a picked image's own message. */
export function pickComponents(
	jobId: string,
	index: number,
	emoji: ActionEmojiSet = ACTION_EMOJI,
	translate: Translate = ENGLISH,
): ButtonRow[] {
	return [singleImageRow(jobId, index, true, emoji, translate)];
}

/** One line (Discord's small text) telling members which reactions do what here. */
export function reactionHint(
	shape: ButtonLayout,
	imageCount = MAX_PICKS,
	emoji: ActionEmojiSet = ACTION_EMOJI,
	translate: Translate = ENGLISH,
): string {
	const tail = translate('reactionHint.tail', { reroll: emoji.reroll, delete: emoji.delete, dm: emoji.dm });
	const followUps = { vary: emoji.vary, upscale: emoji.upscale };
	switch (shape) {
		case 'grid': {
			const last = emoji.pick[Math.min(imageCount, MAX_PICKS) - 1] ?? emoji.pick[0]!;
			// Vary and upscale need an image: a reaction on the grid cannot say which, so they go on a picked one.
			const then = translate('resultActions.hintGridThen', followUps);
			return translate('reactionHint.grid', { first: emoji.pick[0]!, last, then, tail });
		}
		case 'single': {
			const first = translate('resultActions.hintSingle', followUps);
			return translate('reactionHint.single', { remix: `${first} · ${emoji.remix}`, animate: emoji.animate, tail });
		}
		case 'upscaled':
			return translate('reactionHint.single', { remix: emoji.remix, animate: emoji.animate, tail });
		case 'video': {
			const key = imageCount > 1 ? 'resultActions.hintVideoBatch' : 'resultActions.hintVideo';
			return translate('reactionHint.other', { tail: `${translate(key, { extend: emoji.extend })} · ${tail}` });
		}
		case 'empty':
			return translate('reactionHint.other', { tail });
	}
}

/** How a finished job's buttons are laid out. */
export function layoutOf(job: SucceededJob): ButtonLayout {
	const shape = shapeOf(job);
	return shape === 'single' && isUpscale(job.request) ? 'upscaled' : shape;
}

/** Adds a line to a message's content when it fits within Discord's limit (the line is a nicety, the content is not). */
export function appendLine(content: string, line: string): string {
	return content.length + 1 + line.length <= MESSAGE_CONTENT_LIMIT ? `${content}\n${line}` : content;
}

/** A finished job's message with its buttons and reaction hint; failures are left as they are. */
export function withResultActions<Message extends RenderedMessage>(
	job: FinishedJob,
	rendered: Message,
	emoji: ActionEmojiSet = ACTION_EMOJI,
): Message & { components?: ButtonRow[] } {
	const translate = translatorFor(job.target.language ?? 'en');
	if (!isSucceeded(job)) {
		// A failure offers to try again: the same request as a new job (the 🔁 action).
		const retry = button(
			encodeActionId({ action: 'reroll', jobId: job.id }),
			emoji.reroll,
			translate('buttons.tryAgain'),
		);
		return { ...rendered, components: [row(retry)] };
	}
	const shape = layoutOf(job);
	const count = job.state.outcome.resultUrls.length;
	return {
		...rendered,
		content: appendLine(rendered.content, reactionHint(shape, count, emoji, translate)),
		components: resultComponents(job.id, shape, count, emoji, translate),
	};
}

/**
 * A finished job's message without buttons, for when Discord refuses them (a server's own emoji deleted since it was
 * set): the files and the text still reach the member, with a line saying why the buttons are missing. That line
 * names the job, and is kept whatever the length, so the message can still be recognised as this job's.
 */
export function withoutActions<Message extends RenderedMessage>(
	job: FinishedJob,
	rendered: Message,
): Message & { components: ButtonRow[] } {
	const language = job.target.language ?? 'en';
	const note = `${jobLine(job.id, language)} · ${translatorFor(language)('result.buttonsMissing')}`;
	const room = MESSAGE_CONTENT_LIMIT - note.length - 1;
	const content = rendered.content.length <= room ? rendered.content : `${rendered.content.slice(0, room - 1)}…`;
	// An empty list, not none: an edit keeps the components it does not mention.
	return { ...rendered, content: `${content}\n${note}`, components: [] };
}

/** A form with one prompt box, prefilled: the remix, extend and prompt-check forms. */
export function promptModal(form: {
	customId: string;
	title: string;
	label: string;
	description?: string;
	prompt: string;
}): APIModalInteractionResponseCallbackData {
	return {
		custom_id: form.customId,
		title: form.title,
		components: [
			{
				type: ComponentType.Label,
				label: form.label,
				...(form.description ? { description: form.description } : {}),
				component: {
					type: ComponentType.TextInput,
					custom_id: PROMPT_INPUT_ID,
					style: TextInputStyle.Paragraph,
					required: true,
					min_length: 1,
					max_length: PROMPT_MAX_LENGTH,
					value: form.prompt.slice(0, PROMPT_MAX_LENGTH),
				},
			},
		],
	};
}

/** The Extend with prompt… button's form: the video's prompt, editable, before the manual extension is submitted. */
export function extendModal(
	jobId: string,
	index: number,
	prompt: string,
	t: Translate = ENGLISH,
): APIModalInteractionResponseCallbackData {
	return promptModal({
		customId: encodeActionId({ action: 'extendManual', jobId, index }),
		title: t('resultActions.extendTitle', { number: index + 1 }),
		label: t('resultActions.promptLabel'),
		description: t('resultActions.extendDescription'),
		prompt,
	});
}

/** The 🎨 button's modal: the source prompt, editable, before the remix is submitted. */
export function remixModal(
	jobId: string,
	index: number,
	prompt: string,
	t: Translate = ENGLISH,
): APIModalInteractionResponseCallbackData {
	return promptModal({
		customId: encodeActionId({ action: 'prompt', jobId, index }),
		title: t('remixModal.title', { number: index + 1 }),
		label: t('remixModal.promptLabel'),
		description: t('remixModal.promptDescription'),
		prompt,
	});
}
