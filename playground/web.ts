/**
 * The page and its API: the static files in `web/`, a server-sent event stream of the world's changes, and one route
 * for each thing a member can do. Bound to 127.0.0.1 only: it acts as any member of the playground's server.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { FakeDiscord } from '../fakes/discord.js';
import { MAX_UPLOAD_BYTES, UploadError, hostFromUrl, hostUpload } from './attachments.js';
import type { Hub, PageEvent } from './hub.js';
import type { LiveView } from './liveView.js';
import type { MemberActions } from './memberActions.js';
import { switchesSchema, type ProviderAutopilot } from './provider.js';

const WEB_DIR = fileURLToPath(new URL('web/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.svg': 'image/svg+xml',
};
/** A comment line now and then keeps proxies and the browser from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

export interface WebDeps {
	discord: FakeDiscord;
	hub: Hub;
	view: LiveView;
	actions: MemberActions;
	provider: ProviderAutopilot;
}

const snowflake = z.string().regex(/^\d{1,20}$/);

/** A command option as the page sends it: a value, or a sub-command with its own options. */
type OptionInput =
	| { name: string; type: number; value: string | number | boolean }
	| { name: string; type: 1 | 2; options?: OptionInput[] };
const optionSchema: z.ZodType<OptionInput> = z.lazy(() =>
	z.union([
		z.object({ name: z.string(), type: z.number().int(), value: z.union([z.string(), z.number(), z.boolean()]) }),
		z.object({
			name: z.string(),
			type: z.union([z.literal(1), z.literal(2)]),
			options: z.array(optionSchema).optional(),
		}),
	]),
);

const attachmentSchema = z.object({
	id: snowflake,
	filename: z.string(),
	content_type: z.string().optional(),
	url: z.string(),
	size: z.number(),
	width: z.number().optional(),
	height: z.number().optional(),
});

const schemas = {
	command: z.object({
		userId: snowflake,
		channelId: snowflake,
		name: z.string().min(1).max(32),
		options: z.array(optionSchema).default([]),
		attachments: z.array(attachmentSchema).default([]),
	}),
	component: z.object({ userId: snowflake, messageId: snowflake, customId: z.string().min(1).max(100) }),
	modal: z.object({
		userId: snowflake,
		channelId: snowflake,
		customId: z.string().min(1).max(100),
		fields: z.record(z.string(), z.string()),
	}),
	reaction: z.object({
		userId: snowflake,
		messageId: snowflake,
		emoji: z.object({ id: snowflake.nullable(), name: z.string().min(1).max(64) }),
		remove: z.boolean().default(false),
	}),
	attachmentUrl: z.object({ url: z.string().min(1).max(2000) }),
};

export function createWebApp(deps: WebDeps): Hono {
	const app = new Hono();

	app.get('/', async (c) => c.html(await readFile(join(WEB_DIR, 'index.html'), 'utf8')));
	app.get('/static/:name{[\\w.-]+}', async (c) => {
		const name = c.req.param('name');
		const type = CONTENT_TYPES[extname(name)];
		if (!type) return c.notFound();
		try {
			const body = await readFile(join(WEB_DIR, name));
			return c.body(body, 200, { 'content-type': type, 'cache-control': 'no-store' });
		} catch {
			return c.notFound();
		}
	});

	app.get('/api/events', (c) =>
		streamSSE(c, async (stream) => {
			const queue: PageEvent[] = [{ name: 'snapshot', data: deps.view.snapshot() }];
			let wake: (() => void) | undefined;
			const stop = deps.hub.listen((event) => {
				queue.push(event);
				wake?.();
			});
			let open = true;
			stream.onAbort(() => {
				open = false;
				wake?.();
			});
			const keepAlive = setInterval(() => {
				queue.push({ name: 'ping', data: {} });
				wake?.();
			}, KEEP_ALIVE_MS);
			try {
				while (open) {
					const event = queue.shift();
					if (event) {
						await stream.writeSSE({ event: event.name, data: JSON.stringify(event.data) });
						continue;
					}
					await new Promise<void>((resolve) => {
						wake = resolve;
					});
					wake = undefined;
				}
			} finally {
				clearInterval(keepAlive);
				stop();
			}
		}),
	);

	const json = bodyLimit({ maxSize: 256 * 1024 });

	app.post('/api/commands', json, async (c) => {
		const input = schemas.command.safeParse(await c.req.json().catch(() => undefined));
		if (!input.success) return c.json({ error: z.prettifyError(input.error) }, 400);
		if (deps.view.status.state !== 'ready') return c.json({ error: 'The bot is not running.' }, 409);
		const handle = deps.actions.command(input.data);
		return c.json({ interactionId: handle.id });
	});

	app.post('/api/components', json, async (c) => {
		const input = schemas.component.safeParse(await c.req.json().catch(() => undefined));
		if (!input.success) return c.json({ error: z.prettifyError(input.error) }, 400);
		try {
			const handle = deps.actions.click(input.data.userId, input.data.messageId, input.data.customId);
			return c.json({ interactionId: handle.id });
		} catch (error) {
			return c.json({ error: String(error instanceof Error ? error.message : error) }, 404);
		}
	});

	app.post('/api/modals', json, async (c) => {
		const input = schemas.modal.safeParse(await c.req.json().catch(() => undefined));
		if (!input.success) return c.json({ error: z.prettifyError(input.error) }, 400);
		const { userId, channelId, customId, fields } = input.data;
		const handle = deps.actions.submitModal(userId, channelId, customId, fields);
		return c.json({ interactionId: handle.id });
	});

	app.post('/api/reactions', json, async (c) => {
		const input = schemas.reaction.safeParse(await c.req.json().catch(() => undefined));
		if (!input.success) return c.json({ error: z.prettifyError(input.error) }, 400);
		try {
			deps.actions.react(input.data.userId, input.data.messageId, input.data.emoji, input.data.remove);
			return c.json({ ok: true });
		} catch (error) {
			return c.json({ error: String(error instanceof Error ? error.message : error) }, 404);
		}
	});

	/** A file for an attachment option: the bytes themselves (`?filename=`), or JSON `{ url }` to fetch. */
	app.post('/api/attachments', bodyLimit({ maxSize: MAX_UPLOAD_BYTES + 1024 }), async (c) => {
		try {
			const type = c.req.header('content-type') ?? '';
			if (type.startsWith('application/json')) {
				const input = schemas.attachmentUrl.safeParse(await c.req.json().catch(() => undefined));
				if (!input.success) return c.json({ error: z.prettifyError(input.error) }, 400);
				return c.json(await hostFromUrl(deps.discord, input.data.url));
			}
			const data = Buffer.from(await c.req.arrayBuffer());
			const filename = c.req.query('filename') ?? 'upload';
			return c.json(hostUpload(deps.discord, { filename, contentType: type, data }));
		} catch (error) {
			if (error instanceof UploadError) return c.json({ error: error.message }, 400);
			throw error;
		}
	});

	app.put('/api/provider', json, async (c) => {
		const input = switchesSchema.partial().safeParse(await c.req.json().catch(() => undefined));
		if (!input.success) return c.json({ error: z.prettifyError(input.error) }, 400);
		const switches = deps.provider.update(input.data);
		deps.hub.emit('switches', switches);
		return c.json(switches);
	});

	return app;
}
