import { IMAGE_OPTION_NAMES } from '../jobs/options.js';
import { generationCommand } from './builders.js';
import { runGeneration } from './runGeneration.js';
import type { Command } from './types.js';

export default {
	data: generationCommand('remix', 'Create new images from an image and a prompt', {
		image: true,
		options: IMAGE_OPTION_NAMES,
	}),
	async execute(interaction, context) {
		await runGeneration(interaction, context, 'remix', IMAGE_OPTION_NAMES);
	},
} satisfies Command;
