// The page: keeps the world it is sent (a snapshot, then live events), draws the channel, DMs and members as the
// member being acted as sees them, and turns clicks into that member's actions.
import { Composer } from './composer.js';
import { bindControls, renderControls, showSwitches } from './controls.js';
import { escapeHtml, relativeTime } from './markdown.js';
import { avatar, messageHtml } from './messages.js';

const REACTION_CHOICES = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '🎨', '🎬', '🔁', '❌', '✉️', '👍', '❤️', '😂'];
const LOG_LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

const $ = (selector) => document.querySelector(selector);

const state = {
	status: { state: 'starting', detail: 'Connecting…' },
	guild: { id: '', name: '' },
	channels: [],
	members: [],
	roles: [],
	commands: [],
	messages: new Map(),
	switches: undefined,
	settings: undefined,
	me: undefined,
	channelId: undefined,
	/** Ephemeral messages this page's members dismissed. */
	dismissed: new Set(),
	/** What the page shows when an interaction failed: by message id, or as a notice in the channel. */
	failures: new Map(),
	notices: [],
	/** The button being clicked (its message id → custom id), until the bot answers. */
	pending: new Map(),
	modal: undefined,
};

const member = (id) => state.members.find((entry) => entry.id === id);
const me = () => member(state.me);
const names = {
	user: (id) => member(id),
	role: (id) => state.roles.find((role) => role.id === id),
	channel: (id) => state.channels.find((channel) => channel.id === id),
};

async function call(method, path, body) {
	const response = await fetch(path, {
		method,
		headers:
			body instanceof Blob
				? { 'content-type': body.type || 'application/octet-stream' }
				: { 'content-type': 'application/json' },
		body: body instanceof Blob ? body : JSON.stringify(body),
	});
	const answer = await response.json().catch(() => ({}));
	if (!response.ok) throw new Error(answer.error ?? `${response.status} ${response.statusText}`);
	return answer;
}

const composer = new Composer($('#composer'), {
	commands: () => state.commands,
	me,
	members: () => state.members,
	channels: () => state.channels,
	roles: () => state.roles,
	channelName: () => names.channel(state.channelId)?.name ?? 'general',
	ready: () => state.status.state === 'ready',
	send: async (payload) => {
		keepAtBottom($('#messages'), true);
		return call('POST', '/api/commands', { ...payload, userId: state.me, channelId: state.channelId });
	},
	upload: (file) => call('POST', `/api/attachments?filename=${encodeURIComponent(file.name)}`, file),
	uploadUrl: (url) => call('POST', '/api/attachments', { url }),
});

bindControls($('#controls'), (change) =>
	call('PUT', '/api/provider', change).catch((error) => showBanner(error.message)),
);

function showBanner(text) {
	const banner = $('#banner');
	banner.textContent = text;
	banner.hidden = text === '';
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing.

function byId(a, b) {
	return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function context() {
	return {
		me: state.me,
		member,
		message: (id) => state.messages.get(id),
		names,
	};
}

function visibleInChannel(message) {
	if (message.channelId !== state.channelId || message.dmWith !== undefined) return false;
	if (message.visibleTo !== undefined && (message.visibleTo !== state.me || state.dismissed.has(message.id)))
		return false;
	return true;
}

/** The HTML each drawn node was made from, to redraw only what changed. */
const drawn = new WeakMap();

/** Lists that follow their newest message, as Discord's do, until the visitor scrolls up. */
const following = new WeakMap();

function follow(container) {
	following.set(container, true);
	container.addEventListener('scroll', () => {
		following.set(container, container.scrollHeight - container.scrollTop - container.clientHeight < 80);
	});
	// An image decoded after it was drawn makes the list taller.
	container.addEventListener('load', () => keepAtBottom(container), true);
}

function keepAtBottom(container, force = false) {
	if (force) following.set(container, true);
	if (following.get(container)) container.scrollTop = container.scrollHeight;
}

follow($('#messages'));
follow($('#dms'));

/** Draws `items` into `container`, touching only the nodes whose HTML changed. */
function reconcile(container, items, lead = '') {
	const wanted = [];
	if (lead) wanted.push({ key: 'lead', html: lead });
	for (const item of items) wanted.push(item);
	const existing = new Map([...container.children].map((node) => [node.dataset.key, node]));
	let previous = null;
	for (const { key, html } of wanted) {
		let node = existing.get(key);
		existing.delete(key);
		if (!node || drawn.get(node) !== html) {
			const template = document.createElement('template');
			template.innerHTML = html.trim();
			const fresh = template.content.firstElementChild;
			fresh.dataset.key = key;
			drawn.set(fresh, html);
			if (node) node.replaceWith(fresh);
			node = fresh;
		}
		const expected = previous ? previous.nextElementSibling : container.firstElementChild;
		if (expected !== node) container.insertBefore(node, expected);
		previous = node;
	}
	for (const node of existing.values()) node.remove();
	keepAtBottom(container);
}

function messageItem(message) {
	const pending = state.pending.get(message.id);
	const failure = state.failures.get(`${state.me}:${message.id}`);
	return { key: message.id, html: messageHtml(message, { ...context(), pending, failure }) };
}

function noticeItem(notice) {
	const bot = state.members.find((entry) => entry.bot);
	return {
		key: notice.id,
		html: `<article class="message ephemeral notice" aria-label="Notice"><div class="message-main">${avatar(bot)}<div class="message-body"><header class="message-header"><span class="author">${escapeHtml(bot?.name ?? 'Bot')}</span><span class="app-tag">APP</span></header><div class="content interaction-failed">⚠ ${escapeHtml(notice.text)}</div><div class="ephemeral-note">👁 Only you can see this</div></div></div></article>`,
	};
}

function welcome() {
	const channel = names.channel(state.channelId);
	return `<div class="channel-welcome"><div class="welcome-icon">#</div><h1>Welcome to #${escapeHtml(channel?.name ?? '')}!</h1>
<p>This is the start of the #${escapeHtml(channel?.name ?? '')} channel. Type <kbd>/</kbd> in the box below and pick <b>/imagine</b>: the real bot answers, and a fake Midjourney paints your prompt.</p>
<p class="muted">Switch members at the bottom left (Bob is an admin: try <b>/server-settings</b>), flip the fake provider's switches on the left, react to results, open your DMs on the right.</p></div>`;
}

function renderChannel() {
	const messages = [...state.messages.values()].filter(visibleInChannel).sort(byId).map(messageItem);
	const notices = state.notices
		.filter((notice) => notice.channelId === state.channelId && notice.userId === state.me)
		.map(noticeItem);
	reconcile($('#messages'), [...messages, ...notices], welcome());
	const channel = names.channel(state.channelId);
	$('#channel-name').textContent = channel?.name ?? '';
	$('#messages').setAttribute('aria-label', `Messages in #${channel?.name ?? ''}`);
}

function renderDms() {
	const mine = [...state.messages.values()].filter((message) => message.dmWith === state.me).sort(byId);
	const container = $('#dms');
	reconcile(container, mine.map(messageItem));
	if (mine.length === 0)
		container.innerHTML = `<p class="empty">No DMs from the bot to ${escapeHtml(me()?.name ?? 'you')} yet. React ✉️ to a result.</p>`;
	else container.querySelector('.empty')?.remove();
	$('#dm-heading').textContent = `Direct messages${mine.length ? ` (${mine.length})` : ''}`;
}

function renderChannels() {
	$('#channels').innerHTML = state.channels
		.map(
			(channel) =>
				`<li><button type="button" class="channel${channel.id === state.channelId ? ' active' : ''}" data-action="channel" data-channel-id="${channel.id}" aria-current="${channel.id === state.channelId}"><span class="hash">#</span>${escapeHtml(channel.name)}</button></li>`,
		)
		.join('');
}

function roleOf(entry) {
	return state.roles.find((role) => entry.roleIds.includes(role.id));
}

function renderMembers() {
	const people = state.members.filter((entry) => !entry.bot || entry.id === state.members.find((m) => m.bot)?.id);
	$('#members').innerHTML = people
		.map((entry) => {
			const role = roleOf(entry);
			const color = entry.bot ? '#fff' : (role?.color ?? '#dbdee1');
			const you = entry.id === state.me ? ' <span class="muted">(you)</span>' : '';
			const tag = entry.bot ? '<span class="app-tag">APP</span>' : '';
			const action = entry.bot
				? ''
				: ` data-action="act-as" data-member-id="${entry.id}" title="Act as ${escapeHtml(entry.name)}"`;
			return `<li><button type="button" class="member"${action}${entry.bot ? ' disabled' : ''}>${avatar(entry, 'small')}<span class="member-text"><span class="member-name" style="color:${color}">${escapeHtml(entry.name)}${tag}${you}</span><span class="member-about">${escapeHtml(entry.about)}</span></span></button></li>`;
		})
		.join('');
	const select = $('#acting-as');
	select.innerHTML = state.members
		.filter((entry) => !entry.bot)
		.map(
			(entry) =>
				`<option value="${entry.id}"${entry.id === state.me ? ' selected' : ''}>${escapeHtml(entry.name)} — ${escapeHtml(entry.about)}</option>`,
		)
		.join('');
	$('#me-avatar').innerHTML = avatar(me());
}

function renderStatus() {
	const { status } = state;
	const pill = $('#bot-status');
	pill.textContent =
		status.state === 'ready' ? '● Bot online' : status.state === 'starting' ? '○ Bot starting…' : '● Bot stopped';
	pill.className = `bot-status ${status.state}`;
	showBanner(status.state === 'ready' ? '' : status.detail);
	composer.refresh();
}

function renderLog(lines) {
	const list = $('#log');
	for (const line of lines) {
		const item = document.createElement('li');
		item.className = `log-${LOG_LEVELS[line.level] ?? 'info'}`;
		const time = new Date(line.time).toLocaleTimeString();
		item.textContent = `${time} ${line.msg}`;
		list.append(item);
	}
	while (list.children.length > 200) list.firstElementChild.remove();
	list.scrollTop = list.scrollHeight;
}

function renderAll() {
	renderChannels();
	renderMembers();
	renderChannel();
	renderDms();
	renderStatus();
	if (state.switches) showSwitches($('#controls'), state.switches);
}

// ---------------------------------------------------------------------------------------------------------------
// Live events.

function connect() {
	const events = new EventSource('/api/events');
	const on = (name, handler) => events.addEventListener(name, (event) => handler(JSON.parse(event.data)));
	on('snapshot', (snapshot) => {
		Object.assign(state, {
			status: snapshot.status,
			guild: snapshot.guild,
			channels: snapshot.channels,
			members: snapshot.members,
			roles: snapshot.roles,
			commands: snapshot.commands,
			switches: snapshot.switches,
			settings: snapshot.settings,
			messages: new Map(snapshot.messages.map((message) => [message.id, message])),
		});
		state.me ??= state.members.find((entry) => !entry.bot)?.id;
		state.channelId ??= state.channels[0]?.id;
		$('#guild-name').textContent = snapshot.guild.name;
		$('#guild-icon').title = snapshot.guild.name;
		renderControls($('#controls'), snapshot.settings);
		$('#log').innerHTML = '';
		renderLog(snapshot.log);
		renderAll();
	});
	on('message', (message) => {
		state.messages.set(message.id, message);
		state.pending.clear();
		renderChannel();
		renderDms();
	});
	on('delete', ({ id }) => {
		state.messages.delete(id);
		renderChannel();
		renderDms();
	});
	on('commands', (commands) => {
		state.commands = commands;
		composer.refresh();
	});
	on('status', (status) => {
		state.status = status;
		renderStatus();
	});
	on('switches', (switches) => {
		state.switches = switches;
		showSwitches($('#controls'), switches);
	});
	on('log', (line) => renderLog([line]));
	on('modal', (event) => {
		if (event.userId === state.me) openModal(event.modal);
	});
	on('interaction-failed', (failure) => {
		state.pending.clear();
		if (failure.messageId) {
			state.failures.set(`${failure.userId}:${failure.messageId}`, 'This interaction failed');
		} else {
			state.notices.push({
				id: `notice-${Date.now()}-${state.notices.length}`,
				userId: failure.userId,
				channelId: failure.channelId,
				text: `The application did not respond to ${failure.what}.`,
			});
		}
		renderChannel();
		renderDms();
	});
}

// ---------------------------------------------------------------------------------------------------------------
// Modals.

function textInput(input, label, description) {
	const id = `modal-${input.custom_id}`;
	const common = `id="${escapeHtml(id)}" name="${escapeHtml(input.custom_id)}"${input.required === false ? '' : ' required'}${input.min_length ? ` minlength="${input.min_length}"` : ''}${input.max_length ? ` maxlength="${input.max_length}"` : ''} placeholder="${escapeHtml(input.placeholder ?? '')}"`;
	const control =
		input.style === 2
			? `<textarea ${common} rows="5">${escapeHtml(input.value ?? '')}</textarea>`
			: `<input type="text" ${common} value="${escapeHtml(input.value ?? '')}">`;
	return `<div class="modal-field"><label for="${escapeHtml(id)}">${escapeHtml(label ?? input.label ?? '')}${input.required === false ? '' : ' <span class="required">*</span>'}</label>${description ? `<p class="muted">${escapeHtml(description)}</p>` : ''}${control}</div>`;
}

function openModal(modal) {
	state.modal = modal;
	$('#modal-title').textContent = modal.title ?? '';
	$('#modal-fields').innerHTML = (modal.components ?? [])
		.map((component) => {
			if (component.type === 18 && component.component?.type === 4)
				return textInput(component.component, component.label, component.description);
			if (component.type === 1)
				return (component.components ?? [])
					.filter((c) => c.type === 4)
					.map((c) => textInput(c, c.label))
					.join('');
			if (component.type === 10) return `<p>${escapeHtml(component.content ?? '')}</p>`;
			return '';
		})
		.join('');
	$('#modal').showModal();
}

$('#modal-cancel').addEventListener('click', () => $('#modal').close());
$('#modal-form').addEventListener('submit', (event) => {
	event.preventDefault();
	const modal = state.modal;
	if (!modal) return;
	const fields = Object.fromEntries(
		[...new FormData(event.target).entries()].map(([key, value]) => [key, String(value)]),
	);
	$('#modal').close();
	call('POST', '/api/modals', {
		userId: state.me,
		channelId: state.channelId,
		customId: modal.custom_id,
		fields,
	}).catch((error) => showBanner(error.message));
});

// ---------------------------------------------------------------------------------------------------------------
// Clicks.

function jumpTo(channelId, messageId) {
	const message = state.messages.get(messageId);
	if (message && message.dmWith === undefined && channelId !== state.channelId) {
		state.channelId = channelId;
		renderChannels();
		renderChannel();
		composer.refresh();
	}
	const node = document.getElementById(`message-${messageId}`);
	if (!node) return;
	node.scrollIntoView({ block: 'center', behavior: 'smooth' });
	node.classList.add('highlight');
	setTimeout(() => node.classList.remove('highlight'), 2000);
}

function openPicker(button) {
	const picker = $('#reaction-picker');
	picker.dataset.messageId = button.dataset.messageId;
	picker.innerHTML = REACTION_CHOICES.map(
		(emoji) =>
			`<button type="button" class="picker-emoji" data-action="add-reaction" data-emoji="${escapeHtml(JSON.stringify({ id: null, name: emoji }))}" aria-label="${emoji}">${emoji}</button>`,
	).join('');
	const box = button.getBoundingClientRect();
	picker.style.left = `${Math.min(box.left, window.innerWidth - 240)}px`;
	picker.style.top = `${Math.max(8, box.top - 110)}px`;
	picker.hidden = false;
	picker.querySelector('button')?.focus();
}

function react(messageId, emoji, remove) {
	call('POST', '/api/reactions', { userId: state.me, messageId, emoji, remove }).catch((error) =>
		showBanner(error.message),
	);
}

document.addEventListener('click', (event) => {
	const picker = $('#reaction-picker');
	if (
		!picker.hidden &&
		!event.target.closest('#reaction-picker') &&
		!event.target.closest('[data-action="pick-reaction"]')
	)
		picker.hidden = true;
	const jump = event.target.closest('[data-jump-message]');
	if (jump) {
		event.preventDefault();
		jumpTo(jump.dataset.jumpChannel, jump.dataset.jumpMessage);
		return;
	}
	const target = event.target.closest('[data-action]');
	if (!target) return;
	const { action, messageId } = target.dataset;
	switch (action) {
		case 'click': {
			state.pending.set(messageId, target.dataset.customId);
			state.failures.delete(`${state.me}:${messageId}`);
			target.classList.add('pending');
			call('POST', '/api/components', { userId: state.me, messageId, customId: target.dataset.customId }).catch(
				(error) => showBanner(error.message),
			);
			break;
		}
		case 'react':
			react(messageId, JSON.parse(target.dataset.emoji), target.getAttribute('aria-pressed') === 'true');
			break;
		case 'pick-reaction':
			openPicker(target);
			break;
		case 'add-reaction': {
			const emoji = JSON.parse(target.dataset.emoji);
			const already = state.messages
				.get(picker.dataset.messageId)
				?.reactions.some((r) => r.emoji.name === emoji.name && r.users.includes(state.me));
			picker.hidden = true;
			if (!already) react(picker.dataset.messageId, emoji, false);
			break;
		}
		case 'dismiss':
			state.dismissed.add(messageId);
			renderChannel();
			break;
		case 'zoom':
			$('#lightbox-image').src = target.dataset.url;
			$('#lightbox-link').href = target.dataset.url;
			$('#lightbox').showModal();
			break;
		case 'channel':
			state.channelId = target.dataset.channelId;
			renderChannels();
			renderChannel();
			keepAtBottom($('#messages'), true);
			composer.refresh();
			break;
		case 'act-as':
			actAs(target.dataset.memberId);
			break;
	}
});

$('#lightbox').addEventListener('click', (event) => {
	if (event.target.id !== 'lightbox-link') $('#lightbox').close();
});

document.addEventListener('keydown', (event) => {
	if (event.key === 'Escape') $('#reaction-picker').hidden = true;
});

function actAs(memberId) {
	state.me = memberId;
	renderAll();
	keepAtBottom($('#messages'), true);
	keepAtBottom($('#dms'), true);
}

$('#acting-as').addEventListener('change', (event) => actAs(event.target.value));

setInterval(() => {
	for (const time of document.querySelectorAll('time[data-relative]')) {
		time.textContent = relativeTime(new Date(Number(time.dataset.relative) * 1000));
	}
}, 10_000);

connect();
