/**
 * A fake Discord for tests: REST under `/api/v10` (every request body and path parameter checked against
 * Discord's OpenAPI document), the gateway at `/gateway`, and a CDN for attachments, on one loopback port.
 * A real discord.js `Client` logs in to it:
 *
 * ```ts
 * const fake = await startFakeDiscord();
 * const client = new Client({ intents, partials, rest: { api: fake.apiUrl } });
 * client.on(Events.Error, …); // always
 * await client.login('any-token');
 * const { token } = fake.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a cat' }] });
 * const edit = await fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`));
 * expect(fake.violations).toEqual([]);
 * ```
 *
 * The implementation lives in `discord/`: `server.ts` (HTTP, recording, failure injection), `gateway.ts`,
 * `*Routes.ts` (REST behaviour), `messages.ts` (how Discord builds and checks messages), `openapi.ts` (validation).
 */
export { startFakeDiscord } from './discord/server.js';
export { DEFAULT_OPENAPI_PATH, SCHEMA_OVERRIDES, openApiValidator } from './discord/openapi.js';
export type { OpenApiTimings } from './discord/openapi.js';
export { FAKE_IDS, shardOf } from './discord/ids.js';
export type {
	AttachmentInput,
	CommandOptionInput,
	FailureSpec,
	FakeDiscord,
	FakeDiscordOptions,
	FakeIds,
	GatewaySession,
	HostedAttachment,
	InteractionHandle,
	RecordedFile,
	RecordedRequest,
	SendCommandInput,
	SendComponentInput,
	SendModalSubmitInput,
	SendReactionInput,
	StoredMessage,
} from './discord/types.js';
