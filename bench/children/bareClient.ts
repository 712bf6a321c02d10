/**
 * Baseline: a bare discord.js client, logged in to the fake Discord, that defers every interaction at once and does
 * nothing else: the floor of "dispatch → interaction callback" for discord.js on this machine.
 */
import { Client, GatewayIntentBits } from 'discord.js';
import { reportFatal, reportReady, serveCalls } from '../protocol.js';

async function main(): Promise<void> {
	const api = process.env['DISCORD_API_URL'];
	if (!api) throw new Error('DISCORD_API_URL is required');
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api } });
	client.on('error', () => undefined);
	client.on('interactionCreate', (interaction) => {
		if (interaction.isRepliable()) interaction.deferReply().catch(() => undefined);
	});
	const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
	await client.login(process.env['DISCORD_TOKEN'] ?? 'bench-token');
	await ready;
	serveCalls({
		stop: async () => {
			await client.destroy();
			setImmediate(() => process.exit(0));
			return true;
		},
	});
	reportReady(0);
}

main().catch(reportFatal);
