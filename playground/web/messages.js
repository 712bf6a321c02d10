// One message as Discord's client draws it: avatar and name (with the APP tag for the bot), the command it answers,
// its text, embeds, files, buttons and reactions, "thinking…" while deferred, and "Only you can see this" when
// ephemeral. Returns HTML; the page handles clicks by their data-action attributes.
import { escapeHtml, renderMarkdown } from './markdown.js';

const BUTTON_STYLES = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };

export function initials(name) {
	const words = name.split(/\s+/).filter(Boolean);
	return (words.length > 1 ? words[0][0] + words[1][0] : name.slice(0, 1)).toUpperCase();
}

export function avatar(member, size = '') {
	const name = member?.name ?? '?';
	const color = member?.color ?? '#747f8d';
	return `<div class="avatar ${size}" style="background:${color}" aria-hidden="true">${escapeHtml(initials(name))}</div>`;
}

function clock(timestamp) {
	const date = new Date(timestamp);
	const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
	return new Date().toDateString() === date.toDateString() ? `Today at ${time}` : date.toLocaleString();
}

function emojiHtml(emoji) {
	if (!emoji) return '';
	if (emoji.id)
		return `<span class="custom-emoji" title=":${escapeHtml(emoji.name ?? '')}:">:${escapeHtml(emoji.name ?? '')}:</span>`;
	return `<span class="emoji">${escapeHtml(emoji.name ?? '')}</span>`;
}

function buttonHtml(message, button, pending) {
	const style = BUTTON_STYLES[button.style] ?? 'secondary';
	const label = button.label ? `<span class="button-label">${escapeHtml(button.label)}</span>` : '';
	const content = `${emojiHtml(button.emoji)}${label}`;
	if (button.style === 5) {
		return `<a class="component-button link" href="${escapeHtml(button.url ?? '#')}" target="_blank" rel="noopener noreferrer">${content} ↗</a>`;
	}
	const isPending = pending === button.custom_id;
	const disabled = button.disabled ? ' disabled' : '';
	return `<button type="button" class="component-button ${style}${isPending ? ' pending' : ''}" data-action="click" data-message-id="${message.id}" data-custom-id="${escapeHtml(button.custom_id ?? '')}"${disabled}>${content}</button>`;
}

function componentsHtml(message, pending) {
	const rows = message.components
		.filter((row) => row.type === 1)
		.map(
			(row) =>
				`<div class="component-row">${row.components.map((c) => (c.type === 2 ? buttonHtml(message, c, pending) : '')).join('')}</div>`,
		);
	return rows.length ? `<div class="components">${rows.join('')}</div>` : '';
}

function attachmentsHtml(message) {
	if (message.attachments.length === 0) return '';
	const images = message.attachments.filter((a) => a.contentType.startsWith('image/'));
	const others = message.attachments.filter((a) => !a.contentType.startsWith('image/'));
	const gallery = images.length
		? `<div class="gallery gallery-${Math.min(images.length, 4)}">${images
				.map(
					(a, index) =>
						`<button type="button" class="gallery-item" data-action="zoom" data-url="${escapeHtml(a.url)}" aria-label="Open image ${index + 1}"><img src="${escapeHtml(a.url)}" alt="${escapeHtml(a.filename)}" loading="lazy"${a.width ? ` width="${a.width}" height="${a.height}"` : ''}></button>`,
				)
				.join('')}</div>`
		: '';
	const files = others
		.map((a) =>
			a.contentType.startsWith('video/')
				? `<div class="video-file"><video src="${escapeHtml(a.url)}" controls preload="none"></video><div class="file-name">🎬 ${escapeHtml(a.filename)} <span class="muted">(the fake provider's videos hold no frames)</span></div></div>`
				: `<a class="file" href="${escapeHtml(a.url)}" target="_blank" rel="noopener noreferrer">📄 ${escapeHtml(a.filename)} <span class="muted">${Math.ceil(a.size / 1024)} KB</span></a>`,
		)
		.join('');
	return `<div class="attachments">${gallery}${files}</div>`;
}

function embedsHtml(message, names) {
	return message.embeds
		.map((embed) => {
			const color = typeof embed.color === 'number' ? `#${embed.color.toString(16).padStart(6, '0')}` : '#1e1f22';
			const parts = [];
			if (embed.author?.name) parts.push(`<div class="embed-author">${escapeHtml(embed.author.name)}</div>`);
			if (embed.title) parts.push(`<div class="embed-title">${renderMarkdown(embed.title, names)}</div>`);
			if (embed.description)
				parts.push(`<div class="embed-description">${renderMarkdown(embed.description, names)}</div>`);
			if (embed.fields?.length) {
				parts.push(
					`<div class="embed-fields">${embed.fields
						.map(
							(field) =>
								`<div class="embed-field${field.inline ? ' inline' : ''}"><div class="embed-field-name">${renderMarkdown(field.name, names)}</div><div class="embed-field-value">${renderMarkdown(field.value, names)}</div></div>`,
						)
						.join('')}</div>`,
				);
			}
			if (embed.image?.url) parts.push(`<img class="embed-image" src="${escapeHtml(embed.image.url)}" alt="">`);
			if (embed.footer?.text) parts.push(`<div class="embed-footer">${escapeHtml(embed.footer.text)}</div>`);
			return `<div class="embed" style="border-left-color:${color}">${parts.join('')}</div>`;
		})
		.join('');
}

/** The reactions under a message; with none yet, the button to add one floats over the message (on hover). */
function reactionsHtml(message, me) {
	const add = (where) =>
		`<button type="button" class="reaction add-reaction ${where}" data-action="pick-reaction" data-message-id="${message.id}" aria-label="Add reaction">☺+</button>`;
	if (message.reactions.length === 0) return add('floating');
	const reactions = message.reactions
		.map((reaction) => {
			const mine = reaction.users.includes(me);
			const emoji = JSON.stringify(reaction.emoji);
			return `<button type="button" class="reaction${mine ? ' mine' : ''}" aria-pressed="${mine}" data-action="react" data-message-id="${message.id}" data-emoji="${escapeHtml(emoji)}" aria-label="${escapeHtml(reaction.emoji.name)} ${reaction.users.length}">${emojiHtml(reaction.emoji)}<span class="count">${reaction.users.length}</span></button>`;
		})
		.join('');
	return `<div class="reactions">${reactions}${add('inline')}</div>`;
}

/** A header above a message that answers a command ("Alice used /imagine") or replies to another message. */
function contextHtml(message, context) {
	if (message.command) {
		const user = context.member(message.command.userId);
		return `<div class="message-context">${avatar(user, 'tiny')}<span class="context-name" style="color:${user?.color ?? '#fff'}">${escapeHtml(user?.name ?? 'someone')}</span> used <span class="command-name">/${escapeHtml(message.command.name)}</span></div>`;
	}
	if (message.replyTo) {
		const original = context.message(message.replyTo);
		if (!original)
			return '<div class="message-context reply">↱ <span class="muted">Original message was deleted</span></div>';
		const author = context.member(original.authorId);
		const firstLine = original.content.split('\n')[0];
		const snippet = firstLine ? renderMarkdown(firstLine, context.names) : '<i>Click to see attachment</i>';
		return `<div class="message-context reply">↱ ${avatar(author, 'tiny')}<a class="context-name" href="#message-${original.id}" data-jump-channel="${original.channelId}" data-jump-message="${original.id}">${escapeHtml(author?.name ?? 'someone')}</a> <span class="reply-snippet">${snippet}</span></div>`;
	}
	return '';
}

/** Discord's "(edited)" marker, at the end of the text's last line. */
function withEdited(html, edited) {
	if (!edited) return html;
	const marker = '<span class="edited">(edited)</span>';
	return html.endsWith('</div>') ? `${html.slice(0, -'</div>'.length)}${marker}</div>` : `${html}${marker}`;
}

/**
 * `context`: { me, member(id), message(id), names, pending (custom id being clicked), failure (text) }.
 */
export function messageHtml(message, context) {
	const author = context.member(message.authorId);
	const isBot = author?.bot ?? false;
	const classes = ['message'];
	if (message.visibleTo) classes.push('ephemeral');
	if (message.loading) classes.push('loading');
	const body = message.loading
		? `<div class="thinking"><span>${escapeHtml(author?.name ?? 'The bot')} is thinking</span><span class="dots"><i></i><i></i><i></i></span></div>`
		: `${message.content ? `<div class="content">${withEdited(renderMarkdown(message.content, context.names), message.edited)}</div>` : ''}${embedsHtml(message, context.names)}${attachmentsHtml(message)}${componentsHtml(message, context.pending)}`;
	const failure = context.failure ? `<div class="interaction-failed">⚠ ${escapeHtml(context.failure)}</div>` : '';
	const ephemeral = message.visibleTo
		? `<div class="ephemeral-note">👁 Only you can see this • <button type="button" class="link-button" data-action="dismiss" data-message-id="${message.id}">Dismiss message</button></div>`
		: '';
	return `<article class="${classes.join(' ')}" id="message-${message.id}" data-message-id="${message.id}" aria-label="Message from ${escapeHtml(author?.name ?? 'unknown')}">
${contextHtml(message, context)}
<div class="message-main">${avatar(author)}<div class="message-body">
<header class="message-header"><span class="author" style="color:${isBot ? '#fff' : (author?.color ?? '#fff')}">${escapeHtml(author?.name ?? 'unknown')}</span>${isBot ? '<span class="app-tag">APP</span>' : ''}<time class="message-time" datetime="${message.timestamp}">${clock(message.timestamp)}</time></header>
${body}${failure}${message.loading || message.visibleTo ? '' : reactionsHtml(message, context.me)}${ephemeral}
</div></div></article>`;
}
