import { OMNI_OPTION_NAMES } from '../jobs/options.js';
import { generationCommand } from './builders.js';
import { runGeneration } from './runGeneration.js';
import type { Command } from './types.js';

export default {
	data: generationCommand('omni', 'Put a character or object from a reference image into new images', {
		image: true,
		options: OMNI_OPTION_NAMES,
	}),
	async execute(interaction, context) {
		await runGeneration(interaction, context, 'omni', OMNI_OPTION_NAMES);
	},
} satisfies Command;
