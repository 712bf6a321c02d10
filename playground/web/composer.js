// The message box, as Discord's client makes slash commands: "/" lists the commands the bot registered (sub-commands
// as their own entries), picking one turns the box into the command with a field per option (required ones at
// once, optional ones added from the list above), each checked as Discord checks it: choices, ranges, lengths,
// files. Enter sends.
import { escapeHtml } from './markdown.js';

const TYPE = {
	SUB: 1,
	GROUP: 2,
	STRING: 3,
	INTEGER: 4,
	BOOLEAN: 5,
	USER: 6,
	CHANNEL: 7,
	ROLE: 8,
	MENTIONABLE: 9,
	NUMBER: 10,
	ATTACHMENT: 11,
};
const ADMINISTRATOR = 8n;

/** Whether Discord shows a command to a member: its default permissions are theirs (or they are an administrator). */
function allowed(command, member) {
	if (command.default_member_permissions == null) return true;
	const required = BigInt(command.default_member_permissions);
	const has = BigInt(member?.permissions ?? '0');
	return (has & ADMINISTRATOR) !== 0n || (required !== 0n && (has & required) === required);
}

/** One line of the "/" list per command, or per sub-command. */
export function commandEntries(commands, member) {
	const entries = [];
	for (const command of commands) {
		if (command.type !== 1 || !allowed(command, member)) continue;
		const options = command.options ?? [];
		const subs = options.filter((option) => option.type === TYPE.SUB || option.type === TYPE.GROUP);
		if (subs.length === 0) {
			entries.push({ command, path: [], label: `/${command.name}`, description: command.description, options });
			continue;
		}
		for (const sub of subs) {
			const leaves = sub.type === TYPE.GROUP ? (sub.options ?? []).map((leaf) => [sub, leaf]) : [[sub]];
			for (const chain of leaves) {
				const leaf = chain[chain.length - 1];
				entries.push({
					command,
					path: chain.map((part) => part.name),
					label: `/${command.name} ${chain.map((part) => part.name).join(' ')}`,
					description: leaf.description,
					options: leaf.options ?? [],
				});
			}
		}
	}
	return entries;
}

export class Composer {
	/**
	 * `context`: { commands(), me(), members(), channels(), roles(), channelName(), ready(), send(payload),
	 * upload(file) and uploadUrl(url) resolving to a hosted attachment }.
	 */
	constructor(root, context) {
		this.root = root;
		this.context = context;
		this.entry = undefined;
		/** Options in the order they were added: name → { option, value, attachment, uploading }. */
		this.values = new Map();
		this.highlighted = 0;
		this.root.innerHTML = `
<div class="popup autocomplete" role="listbox" aria-label="Commands" hidden></div>
<div class="popup option-picker" hidden></div>
<div class="composer-box">
	<div class="command-line" hidden></div>
	<input class="message-input" type="text" autocomplete="off" spellcheck="false">
	<button type="button" class="cancel-command" aria-label="Cancel command" hidden>✕</button>
</div>
<div class="composer-error" role="alert" hidden></div>`;
		this.list = root.querySelector('.autocomplete');
		this.picker = root.querySelector('.option-picker');
		this.line = root.querySelector('.command-line');
		this.input = root.querySelector('.message-input');
		this.cancel = root.querySelector('.cancel-command');
		this.error = root.querySelector('.composer-error');
		this.input.addEventListener('input', () => this.#suggest());
		this.input.addEventListener('focus', () => this.#suggest());
		this.input.addEventListener('blur', () => {
			this.list.hidden = true;
		});
		this.input.addEventListener('keydown', (event) => this.#textKey(event));
		this.cancel.addEventListener('click', () => this.reset());
		this.list.addEventListener('mousedown', (event) => {
			const item = event.target.closest('[data-entry]');
			if (!item) return;
			event.preventDefault();
			this.#choose(this.matches[Number(item.dataset.entry)]);
		});
		this.picker.addEventListener('click', (event) => {
			const item = event.target.closest('[data-add-option]');
			if (item) this.#addOption(item.dataset.addOption);
		});
		this.line.addEventListener('keydown', (event) => this.#pillKey(event));
		this.line.addEventListener('input', (event) => this.#remember(event.target));
		this.line.addEventListener('change', (event) => this.#changed(event.target));
		this.line.addEventListener('click', (event) => {
			const remove = event.target.closest('[data-remove-option]');
			if (remove) this.#removeOption(remove.dataset.removeOption);
		});
		root.addEventListener('submit', (event) => {
			event.preventDefault();
			void this.submit();
		});
		this.refresh();
	}

	/** After the channel, the member or the bot's state changed. */
	refresh() {
		const name = this.context.channelName();
		const ready = this.context.ready();
		this.input.setAttribute('aria-label', `Message #${name}`);
		this.input.placeholder = ready ? `Message #${name} — type / for the bot's commands` : 'The bot is not online yet…';
		this.input.disabled = !ready;
		if (
			this.entry &&
			!commandEntries(this.context.commands(), this.context.me()).some((e) => e.label === this.entry.label)
		)
			this.reset();
		if (!this.entry) this.#suggest();
	}

	reset() {
		this.entry = undefined;
		this.values.clear();
		this.line.hidden = true;
		this.line.innerHTML = '';
		this.cancel.hidden = true;
		this.picker.hidden = true;
		this.input.hidden = false;
		this.input.value = '';
		this.#showError('');
		this.#suggest();
		this.input.focus();
	}

	#showError(text) {
		this.error.textContent = text;
		this.error.hidden = text === '';
	}

	#suggest() {
		const text = this.input.value;
		if (this.entry || !text.startsWith('/') || document.activeElement !== this.input) {
			this.list.hidden = true;
			return;
		}
		const query = text.slice(1).toLowerCase().trim();
		const entries = commandEntries(this.context.commands(), this.context.me());
		const starts = entries.filter((entry) => entry.label.slice(1).startsWith(query));
		const contains = entries.filter((entry) => !starts.includes(entry) && entry.label.includes(query));
		this.matches = [...starts, ...contains];
		this.highlighted = Math.min(this.highlighted, Math.max(0, this.matches.length - 1));
		if (this.matches.length === 0) {
			this.list.innerHTML = `<div class="popup-empty">No command matches “${escapeHtml(query)}”.</div>`;
		} else {
			const header = '<div class="popup-header">Midjourney Bot</div>';
			this.list.innerHTML =
				header +
				this.matches
					.map((entry, index) => {
						const required = entry.options.filter((option) => option.required).map((option) => option.name);
						const args = required.map((name) => `<span class="arg">${escapeHtml(name)}</span>`).join(' ');
						return `<div class="popup-item${index === this.highlighted ? ' active' : ''}" role="option" aria-selected="${index === this.highlighted}" data-entry="${index}"><span class="popup-name">${escapeHtml(entry.label)}</span> ${args}<span class="popup-description">${escapeHtml(entry.description ?? '')}</span></div>`;
					})
					.join('');
		}
		this.list.hidden = false;
	}

	#textKey(event) {
		const open = !this.list.hidden && this.matches?.length;
		if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
			event.preventDefault();
			const step = event.key === 'ArrowDown' ? 1 : -1;
			this.highlighted = (this.highlighted + step + this.matches.length) % this.matches.length;
			this.#suggest();
			return;
		}
		if (open && (event.key === 'Enter' || event.key === 'Tab')) {
			event.preventDefault();
			this.#choose(this.matches[this.highlighted]);
			return;
		}
		if (event.key === 'Escape') {
			this.list.hidden = true;
			return;
		}
		if (event.key === 'Enter') {
			event.preventDefault();
			if (this.input.value.trim() !== '') {
				this.#showError('This bot reads no messages: type / and pick one of its commands.');
			}
		}
	}

	#choose(entry) {
		if (!entry) return;
		this.entry = entry;
		this.values.clear();
		for (const option of entry.options.filter((option) => option.required))
			this.values.set(option.name, { option, value: '' });
		this.list.hidden = true;
		this.input.hidden = true;
		this.line.hidden = false;
		this.cancel.hidden = false;
		this.#showError('');
		this.#renderPills();
		this.#focusPill(this.values.keys().next().value);
	}

	#addOption(name) {
		const option = this.entry?.options.find((candidate) => candidate.name === name);
		if (!option || this.values.has(name)) return;
		this.values.set(name, { option, value: '' });
		this.#renderPills();
		this.#focusPill(name);
	}

	#removeOption(name) {
		this.values.delete(name);
		this.#renderPills();
	}

	#focusPill(name) {
		if (name === undefined) {
			this.line.querySelector('.command-chip')?.focus();
			return;
		}
		this.line.querySelector(`[data-option="${CSS.escape(name)}"] .option-control`)?.focus();
	}

	#renderPills() {
		const entry = this.entry;
		const pills = [...this.values.values()].map((state) => this.#pill(state)).join('');
		this.line.innerHTML = `<span class="command-chip" tabindex="-1">${escapeHtml(entry.label)}</span>${pills}`;
		const left = entry.options.filter((option) => !this.values.has(option.name));
		this.picker.hidden = left.length === 0;
		this.picker.innerHTML = `<div class="popup-header">Optional — click to add</div><div class="option-chips">${left
			.map(
				(option) =>
					`<button type="button" class="option-chip" data-add-option="${escapeHtml(option.name)}" title="${escapeHtml(option.description ?? '')}">+ ${escapeHtml(option.name)}</button>`,
			)
			.join('')}</div>`;
	}

	#pill(state) {
		const { option } = state;
		const name = escapeHtml(option.name);
		const remove = option.required
			? ''
			: `<button type="button" class="remove-option" data-remove-option="${name}" aria-label="Remove ${name}">✕</button>`;
		return `<div class="option-pill${option.type === TYPE.STRING && !option.choices ? ' wide' : ''}" data-option="${name}"><span class="option-name" title="${escapeHtml(option.description ?? '')}">${name}</span>${this.#control(state)}${remove}</div>`;
	}

	#control(state) {
		const { option, value } = state;
		const label = `aria-label="${escapeHtml(option.name)}"`;
		const select = (choices) =>
			`<select class="option-control" ${label}><option value="">Choose…</option>${choices
				.map(
					(choice) =>
						`<option value="${escapeHtml(String(choice.value))}"${String(choice.value) === String(value) ? ' selected' : ''}>${escapeHtml(choice.name)}</option>`,
				)
				.join('')}</select>`;
		if (option.choices?.length) return select(option.choices);
		switch (option.type) {
			case TYPE.BOOLEAN:
				return select([
					{ name: 'True', value: 'true' },
					{ name: 'False', value: 'false' },
				]);
			case TYPE.USER:
				return select(this.context.members().map((member) => ({ name: member.name, value: member.id })));
			case TYPE.CHANNEL:
				return select(this.context.channels().map((channel) => ({ name: `#${channel.name}`, value: channel.id })));
			case TYPE.ROLE:
				return select(this.context.roles().map((role) => ({ name: `@${role.name}`, value: role.id })));
			case TYPE.MENTIONABLE:
				return select([
					...this.context.members().map((member) => ({ name: member.name, value: member.id })),
					...this.context.roles().map((role) => ({ name: `@${role.name}`, value: role.id })),
				]);
			case TYPE.INTEGER:
			case TYPE.NUMBER: {
				const bounds = `${option.min_value === undefined ? '' : ` min="${option.min_value}"`}${option.max_value === undefined ? '' : ` max="${option.max_value}"`}`;
				const hint =
					option.min_value !== undefined && option.max_value !== undefined
						? `${option.min_value}–${option.max_value}`
						: '';
				return `<input class="option-control" type="number" step="${option.type === TYPE.INTEGER ? 1 : 'any'}"${bounds} placeholder="${hint}" value="${escapeHtml(String(value))}" ${label}>`;
			}
			case TYPE.ATTACHMENT: {
				const status = state.uploading
					? '<span class="upload-status">uploading…</span>'
					: state.attachment
						? `<span class="upload-status done"><img src="${escapeHtml(state.attachment.url)}" alt="">${escapeHtml(state.attachment.filename)}</span>`
						: '';
				return `<label class="file-button">Upload<input class="option-control" type="file" accept="image/*" ${label}></label><input class="attachment-url" type="url" placeholder="…or an image URL" aria-label="${escapeHtml(option.name)} URL">${status}`;
			}
			default: {
				const bounds = `${option.max_length ? ` maxlength="${option.max_length}"` : ''}`;
				return `<input class="option-control" type="text" autocomplete="off"${bounds} placeholder="${escapeHtml(option.description ?? '')}" value="${escapeHtml(String(value))}" ${label}>`;
			}
		}
	}

	#stateOf(control) {
		const name = control.closest('[data-option]')?.dataset.option;
		return name === undefined ? undefined : this.values.get(name);
	}

	#remember(control) {
		const state = this.#stateOf(control);
		if (state && control.classList.contains('option-control') && control.type !== 'file') state.value = control.value;
	}

	async #changed(control) {
		const state = this.#stateOf(control);
		if (!state) return;
		if (control.type === 'file' && control.files?.[0])
			await this.#upload(state, () => this.context.upload(control.files[0]));
		else if (control.classList.contains('attachment-url') && control.value.trim() !== '') {
			await this.#upload(state, () => this.context.uploadUrl(control.value.trim()));
		} else this.#remember(control);
	}

	async #upload(state, how) {
		state.uploading = true;
		state.attachment = undefined;
		this.#renderPills();
		try {
			state.attachment = await how();
			this.#showError('');
		} catch (error) {
			this.#showError(`${state.option.name}: ${error.message}`);
		} finally {
			state.uploading = false;
			this.#renderPills();
		}
	}

	#pillKey(event) {
		if (event.key === 'Escape') {
			event.preventDefault();
			this.reset();
			return;
		}
		if (event.key !== 'Enter') return;
		event.preventDefault();
		if (event.target.classList.contains('attachment-url')) {
			void this.#changed(event.target);
			return;
		}
		this.#remember(event.target);
		void this.submit();
	}

	/** The options as Discord sends them, or the first problem Discord's client would point out. */
	#collect() {
		const options = [];
		const attachments = [];
		for (const { option, value, attachment, uploading } of this.values.values()) {
			const name = option.name;
			if (option.type === TYPE.ATTACHMENT) {
				if (uploading) return { problem: `${name}: wait for the upload to finish.` };
				if (!attachment) {
					if (option.required) return { problem: `${name}: this option is required.` };
					continue;
				}
				attachments.push(attachment);
				options.push({ name, type: option.type, value: attachment.id });
				continue;
			}
			const text = String(value ?? '');
			if (text.trim() === '') {
				if (option.required) return { problem: `${name}: this option is required.` };
				continue;
			}
			if (option.type === TYPE.INTEGER || option.type === TYPE.NUMBER) {
				const number = Number(text);
				if (!Number.isFinite(number) || (option.type === TYPE.INTEGER && !Number.isInteger(number))) {
					return { problem: `${name}: must be ${option.type === TYPE.INTEGER ? 'a whole number' : 'a number'}.` };
				}
				if (
					(option.min_value !== undefined && number < option.min_value) ||
					(option.max_value !== undefined && number > option.max_value)
				) {
					return { problem: `${name}: must be between ${option.min_value} and ${option.max_value}.` };
				}
				options.push({ name, type: option.type, value: number });
				continue;
			}
			if (option.type === TYPE.BOOLEAN) {
				options.push({ name, type: option.type, value: text === 'true' });
				continue;
			}
			if (option.type === TYPE.STRING) {
				if (option.min_length !== undefined && text.length < option.min_length)
					return { problem: `${name}: at least ${option.min_length} characters.` };
				if (option.max_length !== undefined && text.length > option.max_length)
					return { problem: `${name}: at most ${option.max_length} characters.` };
			}
			options.push({ name, type: option.type, value: text });
		}
		const [first, second] = this.entry.path;
		if (first === undefined) return { options, attachments };
		if (second === undefined) return { options: [{ name: first, type: TYPE.SUB, options }], attachments };
		return {
			options: [{ name: first, type: TYPE.GROUP, options: [{ name: second, type: TYPE.SUB, options }] }],
			attachments,
		};
	}

	async submit() {
		if (!this.entry) return;
		for (const control of this.line.querySelectorAll('.option-control')) this.#remember(control);
		const collected = this.#collect();
		if (collected.problem) {
			this.#showError(collected.problem);
			return;
		}
		try {
			await this.context.send({
				name: this.entry.command.name,
				options: collected.options,
				attachments: collected.attachments,
			});
			this.reset();
		} catch (error) {
			this.#showError(error.message);
		}
	}
}
