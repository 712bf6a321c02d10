import { IMAGE_OPTION_NAMES } from '../jobs/options.js';
import { generationCommand } from './builders.js';
import { runGeneration } from './runGeneration.js';
import type { Command } from './types.js';

export default {
	data: generationCommand('imagine', 'Create four images from a text prompt', {
		image: false,
		options: IMAGE_OPTION_NAMES,
	}),
	async execute(interaction, context) {
		await runGeneration(interaction, context, 'imagine', IMAGE_OPTION_NAMES);
	},
} satisfies Command;
