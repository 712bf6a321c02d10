import type { APIGuildApplicationCommandPermissions } from 'discord-api-types/v10';
import type { CommandStore } from './commands.js';
import type { Interactions } from './interactions.js';
import type { MessageStore } from './messages.js';
import type { PathMatcher } from './paths.js';
import type { RecordedFile } from './types.js';
import type { FakeResponse } from './util.js';
import type { World } from './world.js';

/** Everything route handlers share. */
export interface FakeState {
	world: World;
	store: MessageStore;
	interactions: Interactions;
	commands: CommandStore;
	newId: () => string;
	baseUrl: () => string;
	warnings: string[];
	/** Problems Discord would reject, beyond what the OpenAPI schema expresses. */
	violations: string[];
	/** What `GET /gateway/bot` recommends: the shard count, and how many shards may identify at once. */
	gatewayBot: { shards: number; maxConcurrency: number };
	/**
	 * Application command permissions (Server Settings → Integrations) per guild, by command id, or by the
	 * application's id for the app-wide entries.
	 */
	commandPermissions: Map<string, Map<string, APIGuildApplicationCommandPermissions>>;
	/** How long a nonce sent with `enforce_nonce` is remembered (`FakeDiscordOptions.nonceWindowMs`). */
	nonceWindowMs: number;
	/** Reaction users per message and emoji key. */
	reactions: Map<string, Map<string, { emoji: { id: string | null; name: string }; users: Set<string> }>>;
}

export interface RouteContext {
	method: string;
	path: string;
	params: Record<string, string>;
	query: URLSearchParams;
	auth: string | undefined;
	body: unknown;
	files: RecordedFile[];
}

export type Handler = (context: RouteContext) => FakeResponse;

export interface RouteDefinition {
	/** `bot`: needs `Authorization: Bot …`; `webhook`: authorised by the token in the path. */
	auth: 'bot' | 'webhook' | 'none';
	handlers: Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;
}

export type RouteTable = PathMatcher<RouteDefinition>;

/** A param that the matcher guarantees for the template it matched. */
export function param(context: RouteContext, name: string): string {
	const value = context.params[name];
	if (value === undefined) throw new Error(`route parameter ${name} missing`);
	return value;
}
