import { VIDEO_OPTION_NAMES } from '../jobs/options.js';
import { generationCommand } from './builders.js';
import { runGeneration } from './runGeneration.js';
import type { Command } from './types.js';

export default {
	data: generationCommand('animate', 'Turn an image into a short video', { image: true, options: VIDEO_OPTION_NAMES }),
	async execute(interaction, context) {
		await runGeneration(interaction, context, 'animate', VIDEO_OPTION_NAMES);
	},
} satisfies Command;
