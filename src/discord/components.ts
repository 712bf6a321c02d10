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
import { isSucceeded, shapeOf, type ResultShape } from '../jobs/resultShape.js';
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

/** Remix, animate, reroll, delete for one image: image `index` of job `jobId`; `picked` when it was posted by a pick. */
function singleImageRow(
	jobId: string,
	index: number,
	picked: boolean,
	emoji: ActionEmojiSet,
	translate: Translate = ENGLISH,
): ButtonRow {
	const own = picked ? { index } : {};
	return row(
		button(encodeActionId({ action: 'remix', jobId, index }), emoji.remix, translate('buttons.remix')),
		button(encodeActionId({ action: 'animate', jobId, index }), emoji.animate, translate('buttons.animate')),
		button(encodeActionId({ action: 'reroll', jobId, ...own }), emoji.reroll),
		button(encodeActionId({ action: 'delete', jobId, ...own }), emoji.delete),
	);
}

/** The buttons of a job's result message. */
export function resultComponents(
	jobId: string,
	shape: ResultShape,
	imageCount: number,
	emoji: ActionEmojiSet = ACTION_EMOJI,
	translate: Translate = ENGLISH,
): ButtonRow[] {
	const common = [
		button(encodeActionId({ action: 'reroll', jobId }), emoji.reroll),
		button(encodeActionId({ action: 'delete', jobId }), emoji.delete),
	];
	switch (shape) {
		case 'grid': {
			const picks = Array.from({ length: Math.min(imageCount, MAX_PICKS) }, (_, index) =>
				button(encodeActionId({ action: 'pick', jobId, index }), emoji.pick[index]!, String(index + 1)),
			);
			return [row(...picks), row(...common)];
		}
		case 'single':
			return [singleImageRow(jobId, 0, false, emoji, translate)];
		case 'video':
		case 'empty':
			return [row(...common)];
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
	shape: ResultShape,
	imageCount = MAX_PICKS,
	emoji: ActionEmojiSet = ACTION_EMOJI,
	translate: Translate = ENGLISH,
): string {
	const tail = translate('reactionHint.tail', { reroll: emoji.reroll, delete: emoji.delete, dm: emoji.dm });
	switch (shape) {
		case 'grid': {
			const last = emoji.pick[Math.min(imageCount, MAX_PICKS) - 1] ?? emoji.pick[0];
			return translate('reactionHint.grid', { first: emoji.pick[0]!, last: last!, tail });
		}
		case 'single':
			return translate('reactionHint.single', { remix: emoji.remix, animate: emoji.animate, tail });
		case 'video':
		case 'empty':
			return translate('reactionHint.other', { tail });
	}
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
	const shape = shapeOf(job);
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
	const note = `${jobLine(job.id)} · ${translatorFor(job.target.language ?? 'en')('result.buttonsMissing')}`;
	const room = MESSAGE_CONTENT_LIMIT - note.length - 1;
	const content = rendered.content.length <= room ? rendered.content : `${rendered.content.slice(0, room - 1)}…`;
	// An empty list, not none: an edit keeps the components it does not mention.
	return { ...rendered, content: `${content}\n${note}`, components: [] };
}

/** The 🎨 button's modal: the source prompt, editable, before the remix is submitted. */
export function remixModal(jobId: string, index: number, prompt: string): APIModalInteractionResponseCallbackData {
	return {
		custom_id: encodeActionId({ action: 'prompt', jobId, index }),
		title: `Remix image #${index + 1}`,
		components: [
			{
				type: ComponentType.Label,
				label: 'Prompt',
				description: 'Edit the prompt for the new images; the image and parameters stay the same.',
				component: {
					type: ComponentType.TextInput,
					custom_id: PROMPT_INPUT_ID,
					style: TextInputStyle.Paragraph,
					required: true,
					min_length: 1,
					max_length: PROMPT_MAX_LENGTH,
					value: prompt.slice(0, PROMPT_MAX_LENGTH),
				},
			},
		],
	};
}
