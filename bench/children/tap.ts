/**
 * A TCP tap in front of a fake, in a process of its own: it pipes bytes both ways and notes the epoch time (ms,
 * `performance.timeOrigin + performance.now()`, comparable across processes) at which each HTTP request line arrived,
 * and, for the latest exchanges, when the answer's last byte so far left for the client.
 *
 * Why a process: the fakes share the bench's event loop, and under a burst (50 defers at once) their own handling
 * would delay the arrival time-stamps; the tap does no HTTP work, so what it notes is when the bot's request reached
 * the fake's door, not when the fake got round to it.
 */
import net from 'node:net';
import { epochNow, reportFatal, reportReady, serveCalls, type TapExchange, type TapMark } from '../protocol.js';

const REQUEST_LINE = /^(GET|POST|PATCH|PUT|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/;

const targetPort = Number(process.env['TAP_TARGET_PORT']);
let marks: TapMark[] = [];
/** The latest exchanges (bounded: figures ask about the last few jobs only). */
const exchanges: TapExchange[] = [];
const MAX_EXCHANGES = 2_000;

const server = net.createServer((client) => {
	const upstream = net.connect(targetPort, '127.0.0.1');
	client.setNoDelay(true);
	upstream.setNoDelay(true);
	/** The exchange in progress on this connection: answers come in order (no pipelining). */
	let current: TapExchange | undefined;
	client.on('data', (chunk: Buffer) => {
		const at = epochNow();
		// A request starts a chunk (no pipelining); its first line is all we look at.
		const match = REQUEST_LINE.exec(chunk.subarray(0, 2048).toString('latin1'));
		if (!match) return;
		const line = `${match[1] ?? ''} ${match[2] ?? ''}`;
		marks.push([at, line]);
		current = [at, Number.NaN, line];
		exchanges.push(current);
		if (exchanges.length > MAX_EXCHANGES) exchanges.splice(0, exchanges.length - MAX_EXCHANGES);
	});
	upstream.on('data', () => {
		if (current) current[1] = epochNow();
	});
	client.pipe(upstream);
	upstream.pipe(client);
	const close = (): void => {
		client.destroy();
		upstream.destroy();
	};
	client.on('error', close);
	upstream.on('error', close);
	client.on('close', close);
	upstream.on('close', close);
});

server.on('error', reportFatal);
server.listen(0, '127.0.0.1', () => {
	serveCalls({
		drain: () => {
			const taken = marks;
			marks = [];
			return taken;
		},
		exchanges: () => exchanges,
		stop: () => {
			setImmediate(() => process.exit(0));
			return true;
		},
	});
	reportReady((server.address() as net.AddressInfo).port);
});
