// The fake Midjourney's switches: how long a task takes, and what goes wrong. Each change applies to the next
// call (a task's outcome is fixed when it is created), for every member.
import { escapeHtml } from './markdown.js';

const TOGGLES = [
	{ key: 'failure', label: 'Tasks fail', hint: () => 'the provider calls back with a failure' },
	{ key: 'noCredits', label: 'No credits', hint: () => 'generate answers 402' },
	{ key: 'slowApi', label: 'Slow API', hint: (s) => `every call takes ${s.slowApiSeconds} s` },
	{
		key: 'lostCallback',
		label: 'Lost callback',
		hint: (s) => `no callback: the bot polls after ${s.callbackGraceSeconds} s`,
	},
];

const OUTAGES = [
	{ value: 'off', label: 'No outage', hint: () => '' },
	{
		value: 'maintenance',
		label: 'Maintenance (455 to every call)',
		hint: () => 'The bot tries again a few times, backing off (half a minute or so), then tells the member.',
	},
	{
		value: 'dropped',
		label: 'Connections cut before an answer',
		hint: (s) =>
			`A job may have started: the bot never sends it again, waits ${s.adoptionWindowSeconds} s for a callback naming it, then says the outcome is unknown.`,
	},
];

/** How the playground runs the bot (for the hints), as the last snapshot said. */
let shownSettings;

/** Draws the switches (their values come with `showSwitches`). */
export function renderControls(root, settings) {
	shownSettings = settings;
	root.innerHTML = `
<h2 class="sidebar-heading">Fake Midjourney</h2>
<label class="control slider"><span>Generation time <output data-output="generationSeconds"></output></span>
	<input type="range" min="0" max="30" step="1" data-switch="generationSeconds" aria-label="Generation time in seconds"></label>
${TOGGLES.map(
	(toggle) => `<label class="control toggle"><input type="checkbox" role="switch" data-switch="${toggle.key}">
	<span class="toggle-track" aria-hidden="true"></span><span class="toggle-text">${escapeHtml(toggle.label)}<small>${escapeHtml(toggle.hint(settings))}</small></span></label>`,
).join('')}
<label class="control"><span>Outage</span><select data-switch="outage" aria-label="Outage">${OUTAGES.map(
		(outage) => `<option value="${outage.value}">${escapeHtml(outage.label)}</option>`,
	).join('')}</select><small class="outage-hint"></small></label>
<p class="controls-note">At most ${settings.submitLimit} jobs per ${settings.submitWindowSeconds} s reach the provider: send more to see the queue.</p>`;
}

/** Sends each change the visitor makes (once per page: the switches are redrawn, the listeners stay). */
export function bindControls(root, onChange) {
	root.addEventListener('change', (event) => {
		const input = event.target.closest('[data-switch]');
		if (!input) return;
		const key = input.dataset.switch;
		const value =
			input.type === 'checkbox' ? input.checked : input.type === 'range' ? Number(input.value) : input.value;
		onChange({ [key]: value });
	});
	root.addEventListener('input', (event) => {
		const input = event.target.closest('[data-switch="generationSeconds"]');
		if (input) root.querySelector('[data-output="generationSeconds"]').textContent = `${input.value} s`;
	});
}

export function showSwitches(root, switches) {
	for (const input of root.querySelectorAll('[data-switch]')) {
		const value = switches[input.dataset.switch];
		if (input.type === 'checkbox') input.checked = Boolean(value);
		else input.value = String(value);
	}
	const output = root.querySelector('[data-output="generationSeconds"]');
	if (output) output.textContent = `${switches.generationSeconds} s`;
	const hint = root.querySelector('.outage-hint');
	if (hint) hint.textContent = OUTAGES.find((outage) => outage.value === switches.outage)?.hint(shownSettings) ?? '';
}
