/**
 * `npm run playground [-- --port 5173]`: the real bot against the local fakes, and a page to use it from. No account,
 * token or API key involved. The port also comes from `PLAYGROUND_PORT`; when taken, a free one is used.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, startPlayground } from './playground.js';

function portFrom(value: string | undefined): number {
	if (value === undefined || value === '') return DEFAULT_PORT;
	const port = Number(value);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) {
		process.stderr.write(`Not a port number: ${value}\n`);
		process.exit(2);
	}
	return port;
}

async function main(): Promise<void> {
	const { values } = parseArgs({ options: { port: { type: 'string' } } });
	const port = portFrom(values.port ?? process.env['PLAYGROUND_PORT']);
	const playground = await startPlayground({
		port,
		onProblem: (text) => process.stderr.write(`[bot] ${text}\n`),
	});
	process.stdout.write(`Playground: ${playground.url}  (starting the bot…)\n`);

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		process.stdout.write('Stopping the bot and the fakes…\n');
		playground.close().then(
			() => process.exit(0),
			(error: unknown) => {
				process.stderr.write(`${String(error)}\n`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	try {
		await playground.ready;
		process.stdout.write(`The bot is online. Open ${playground.url} (Ctrl+C stops everything.)\n`);
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`The playground could not start: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
