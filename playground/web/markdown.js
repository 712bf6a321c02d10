// Discord's markdown, as its client renders messages: headings, subtext, block quotes, lists, code, bold, italics,
// underline, strikethrough, spoilers, masked links, mentions, timestamps and escapes. Everything else is text:
// the input is escaped first, so nothing a member typed can become HTML.

/** Punctuation a backslash escapes (shown as itself, without the backslash). */
const ESCAPABLE = /[\\`*_~|>#\-[\]()<>@:.!+=&/{}"'^$%,;?]/;

export function escapeHtml(text) {
	return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Renders `source` to HTML. `names` resolves mentions: { user(id), role(id), channel(id) } each return
 * { name, color? } or undefined.
 */
export function renderMarkdown(source, names) {
	return blocks(source.split('\n'), names);
}

function blocks(lines, names) {
	const out = [];
	let paragraph = [];
	const flush = () => {
		if (paragraph.length > 0) out.push(`<div class="md-text">${paragraph.join('<br>')}</div>`);
		paragraph = [];
	};
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		if (line.startsWith('```')) {
			flush();
			const code = [];
			let end = i + 1;
			const opening = line.slice(3);
			const closesOnSameLine = opening.endsWith('```') && opening.length > 3;
			if (closesOnSameLine) {
				out.push(`<pre class="md-codeblock"><code>${escapeHtml(opening.slice(0, -3))}</code></pre>`);
				continue;
			}
			while (end < lines.length && !lines[end].startsWith('```')) code.push(lines[end++]);
			out.push(`<pre class="md-codeblock"><code>${escapeHtml(code.join('\n'))}</code></pre>`);
			i = end;
			continue;
		}
		if (line.startsWith('>>> ')) {
			flush();
			out.push(`<blockquote class="md-quote">${blocks([line.slice(4), ...lines.slice(i + 1)], names)}</blockquote>`);
			break;
		}
		if (/^> |^>$/.test(line)) {
			flush();
			const quoted = [];
			while (i < lines.length && /^> |^>$/.test(lines[i])) quoted.push(lines[i++].slice(2));
			i--;
			out.push(`<blockquote class="md-quote">${blocks(quoted, names)}</blockquote>`);
			continue;
		}
		const heading = /^(#{1,3}) (.+)$/.exec(line);
		if (heading) {
			flush();
			const level = heading[1].length;
			out.push(`<h${level + 2} class="md-heading">${inline(heading[2], names)}</h${level + 2}>`);
			continue;
		}
		const subtext = /^-# (.+)$/.exec(line);
		if (subtext) {
			flush();
			out.push(`<div class="md-subtext">${inline(subtext[1], names)}</div>`);
			continue;
		}
		if (/^\s*(?:[-*]|\d+\.) /.test(line)) {
			flush();
			const ordered = /^\s*\d+\. /.test(line);
			const items = [];
			while (i < lines.length && /^\s*(?:[-*]|\d+\.) /.test(lines[i])) {
				items.push(`<li>${inline(lines[i].replace(/^\s*(?:[-*]|\d+\.) /, ''), names)}</li>`);
				i++;
			}
			i--;
			out.push(ordered ? `<ol class="md-list">${items.join('')}</ol>` : `<ul class="md-list">${items.join('')}</ul>`);
			continue;
		}
		paragraph.push(inline(line, names));
	}
	flush();
	return out.join('');
}

/** Where `delimiter` closes, from `from`, skipping escapes and code spans; -1 when it does not. */
function findClose(text, from, delimiter) {
	for (let i = from; i < text.length; i++) {
		if (text[i] === '\\') {
			i++;
			continue;
		}
		if (text[i] === '`' && delimiter !== '`') {
			const end = text.indexOf('`', i + 1);
			if (end !== -1) i = end;
			continue;
		}
		if (text.startsWith(delimiter, i) && i > from) return i;
	}
	return -1;
}

const SPANS = [
	{ open: '**', tag: 'strong' },
	{ open: '__', tag: 'u' },
	{ open: '~~', tag: 's' },
	{ open: '||', tag: 'span class="md-spoiler" tabindex="0"', close: 'span' },
	{ open: '*', tag: 'em' },
	{ open: '_', tag: 'em', wordBound: true },
];

const TIMESTAMP_STYLES = {
	t: { timeStyle: 'short' },
	T: { timeStyle: 'medium' },
	d: { dateStyle: 'short' },
	D: { dateStyle: 'long' },
	f: { dateStyle: 'long', timeStyle: 'short' },
	F: { dateStyle: 'full', timeStyle: 'short' },
};

/** A `<t:…>` timestamp as Discord shows it; relative ones are refreshed by the page (`data-relative`). */
export function formatTimestamp(seconds, style) {
	const date = new Date(seconds * 1000);
	if (style === 'R') return relativeTime(date);
	return new Intl.DateTimeFormat(undefined, TIMESTAMP_STYLES[style] ?? TIMESTAMP_STYLES.f).format(date);
}

export function relativeTime(date) {
	const seconds = Math.round((date.getTime() - Date.now()) / 1000);
	const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
	const units = [
		['year', 31_536_000],
		['month', 2_592_000],
		['day', 86_400],
		['hour', 3_600],
		['minute', 60],
	];
	for (const [unit, size] of units)
		if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
	return format.format(seconds, 'second');
}

/** A link; one to a Discord message jumps to it on the page (a bare one shown as Discord does: "#channel › 💬"). */
function link(url, label, names) {
	const jump = /^https:\/\/discord\.com\/channels\/(\d+|@me)\/(\d+)\/(\d+)$/.exec(url);
	if (jump) {
		const shown =
			label ?? `<span class="jump-pill">#${escapeHtml(names.channel(jump[2])?.name ?? 'channel')} › 💬</span>`;
		return `<a class="md-link" href="#message-${jump[3]}" data-jump-channel="${jump[2]}" data-jump-message="${jump[3]}">${shown}</a>`;
	}
	label ??= escapeHtml(url);
	return `<a class="md-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
}

function inline(text, names) {
	let out = '';
	let plain = '';
	const emit = (html) => {
		out += escapeHtml(plain) + html;
		plain = '';
	};
	for (let i = 0; i < text.length;) {
		const rest = text.slice(i);
		const char = text[i];
		if (char === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1])) {
			plain += text[i + 1];
			i += 2;
			continue;
		}
		let match;
		if ((match = /^(`+)([\s\S]*?[^`])\1(?!`)/.exec(rest))) {
			emit(`<code class="md-code">${escapeHtml(match[2])}</code>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^<@!?(\d+)>/.exec(rest))) {
			const user = names.user(match[1]);
			emit(`<span class="mention">@${escapeHtml(user?.name ?? 'unknown-user')}</span>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^<@&(\d+)>/.exec(rest))) {
			const role = names.role(match[1]);
			const style = role?.color ? ` style="color:${role.color};background:${role.color}26"` : '';
			emit(`<span class="mention role-mention"${style}>@${escapeHtml(role?.name ?? 'unknown-role')}</span>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^<#(\d+)>/.exec(rest))) {
			const channel = names.channel(match[1]);
			emit(`<span class="mention" data-channel="${match[1]}">#${escapeHtml(channel?.name ?? 'unknown')}</span>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^<\/([\w -]+):(\d+)>/.exec(rest))) {
			emit(`<span class="mention">/${escapeHtml(match[1])}</span>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^<t:(-?\d+)(?::([tTdDfFR]))?>/.exec(rest))) {
			const seconds = Number(match[1]);
			const style = match[2] ?? 'f';
			const title = escapeHtml(new Date(seconds * 1000).toLocaleString());
			const relative = style === 'R' ? ` data-relative="${seconds}"` : '';
			emit(`<time class="md-time" title="${title}"${relative}>${escapeHtml(formatTimestamp(seconds, style))}</time>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^<a?:(\w+):(\d+)>/.exec(rest))) {
			emit(`<span class="custom-emoji" title=":${escapeHtml(match[1])}:">:${escapeHtml(match[1])}:</span>`);
			i += match[0].length;
			continue;
		}
		if ((match = /^\[([^\]\n]+)\]\(<?(https?:\/\/[^\s)>]+)>?\)/.exec(rest))) {
			emit(link(match[2], inline(match[1], names), names));
			i += match[0].length;
			continue;
		}
		if ((match = /^<?(https?:\/\/[^\s<>]*[^\s<>.,:;"')\]])>?/.exec(rest)) && (i === 0 || !/\w/.test(text[i - 1]))) {
			emit(link(match[1], undefined, names));
			i += match[0].length;
			continue;
		}
		const span = SPANS.find(
			(candidate) =>
				rest.startsWith(candidate.open) &&
				!/\s/.test(rest[candidate.open.length] ?? ' ') &&
				(!candidate.wordBound || i === 0 || !/\w/.test(text[i - 1])),
		);
		if (span) {
			const start = i + span.open.length;
			const end = findClose(text, start, span.open);
			const after = text[end + span.open.length];
			if (end !== -1 && (!span.wordBound || after === undefined || !/\w/.test(after))) {
				emit(`<${span.tag}>${inline(text.slice(start, end), names)}</${span.close ?? span.tag}>`);
				i = end + span.open.length;
				continue;
			}
		}
		plain += char;
		i++;
	}
	emit('');
	return out;
}
