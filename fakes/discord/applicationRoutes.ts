import { commandProblems } from './commands.js';
import type { FakeState, RouteContext, RouteTable } from './state.js';
import { param } from './state.js';
import { ERRORS, fieldError, isRecord, json, noContent } from './util.js';
import type { FakeResponse } from './util.js';

/** Gateway discovery, the bot's user and application, application commands, and guild reads. */
export function addApplicationRoutes(routes: RouteTable, state: FakeState): void {
	const { world } = state;
	const gatewayUrl = (): string => `${state.baseUrl().replace(/^http/, 'ws')}/gateway`;

	routes.add('/gateway', { auth: 'none', handlers: { GET: () => json(200, { url: gatewayUrl() }) } });
	routes.add('/gateway/bot', {
		auth: 'bot',
		handlers: {
			GET: () =>
				json(200, {
					url: gatewayUrl(),
					shards: state.gatewayBot.shards,
					session_start_limit: {
						total: 1000,
						remaining: 1000,
						reset_after: 86_400_000,
						max_concurrency: state.gatewayBot.maxConcurrency,
					},
				}),
		},
	});

	const botUser = (): Record<string, unknown> => ({
		...world.user(world.ids.bot),
		verified: true,
		mfa_enabled: true,
		email: null,
		locale: 'en-US',
		premium_type: 0,
	});
	routes.add('/users/@me', { auth: 'bot', handlers: { GET: () => json(200, botUser()) } });
	routes.add('/users/{user_id}', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const user = world.user(param(context, 'user_id'));
				return user ? json(200, user) : ERRORS.unknownUser();
			},
		},
	});
	routes.add('/applications/@me', {
		auth: 'bot',
		handlers: {
			GET: () =>
				json(200, {
					id: world.ids.application,
					name: 'Fake Midjourney',
					icon: null,
					description: 'A fake application for tests',
					summary: '',
					type: null,
					bot_public: true,
					bot_require_code_grant: false,
					verify_key: '0'.repeat(64),
					flags: 0,
					team: null,
					owner: world.userOrStranger(world.ids.owner),
					bot: world.user(world.ids.bot),
					guild_id: null,
					hook: true,
					is_monetized: false,
					redirect_uris: [],
					interactions_endpoint_url: null,
					integration_types_config: { '0': {} },
					approximate_guild_count: world.guildIds().length,
					tags: [],
				}),
		},
	});

	const checkApplication = (context: RouteContext): FakeResponse | undefined =>
		param(context, 'application_id') === world.ids.application ? undefined : ERRORS.unknownApplication();
	const checkGuild = (context: RouteContext): FakeResponse | undefined =>
		context.params['guild_id'] === undefined || world.hasGuild(context.params['guild_id'])
			? undefined
			: ERRORS.unknownGuild();
	const rejectCommands = (problems: string[]): FakeResponse | undefined => {
		if (!problems.length) return undefined;
		state.violations.push(...problems);
		return ERRORS.invalidFormBody(fieldError(['options'], 'APPLICATION_COMMAND_INVALID', problems.join('; ')));
	};

	const commandRoutes = (guildScoped: boolean): void => {
		const prefix = guildScoped
			? '/applications/{application_id}/guilds/{guild_id}/commands'
			: '/applications/{application_id}/commands';
		const guildOf = (context: RouteContext): string | undefined =>
			guildScoped ? param(context, 'guild_id') : undefined;
		const guard = (context: RouteContext): FakeResponse | undefined => checkApplication(context) ?? checkGuild(context);
		routes.add(prefix, {
			auth: 'bot',
			handlers: {
				GET: (context) => guard(context) ?? json(200, state.commands.list(guildOf(context))),
				PUT: (context) => {
					const failed = guard(context);
					if (failed) return failed;
					const bodies = Array.isArray(context.body) ? context.body : [];
					const problems = bodies.flatMap((body, index) => commandProblems(body, `PUT ${context.path} [${index}]`));
					const seen = new Set<string>();
					for (const body of bodies) {
						if (!isRecord(body)) continue;
						const key = `${String(body['type'] ?? 1)}:${String(body['name'])}`;
						if (seen.has(key)) problems.push(`PUT ${context.path}: duplicate command ${String(body['name'])}`);
						seen.add(key);
					}
					return rejectCommands(problems) ?? json(200, state.commands.overwrite(bodies, guildOf(context)));
				},
				POST: (context) => {
					const failed = guard(context) ?? rejectCommands(commandProblems(context.body, `POST ${context.path}`));
					if (failed) return failed;
					const { command, created } = state.commands.upsert(
						isRecord(context.body) ? context.body : {},
						guildOf(context),
					);
					return json(created ? 201 : 200, command);
				},
			},
		});
		routes.add(`${prefix}/{command_id}`, {
			auth: 'bot',
			handlers: {
				GET: (context) => {
					const command = state.commands
						.list(guildOf(context))
						.find((entry) => entry.id === param(context, 'command_id'));
					return guard(context) ?? (command ? json(200, command) : ERRORS.unknownCommand());
				},
				PATCH: (context) => {
					const failed = guard(context);
					if (failed) return failed;
					const body = isRecord(context.body) ? context.body : {};
					const command = state.commands.edit(param(context, 'command_id'), body, guildOf(context));
					return command ? json(200, command) : ERRORS.unknownCommand();
				},
				DELETE: (context) =>
					guard(context) ??
					(state.commands.remove(param(context, 'command_id'), guildOf(context))
						? noContent()
						: ERRORS.unknownCommand()),
			},
		});
	};
	commandRoutes(false);
	commandRoutes(true);

	// Server Settings → Integrations, as the bot token may read them (only a user's Bearer token may change them).
	const permissionsOf = (context: RouteContext) =>
		state.commandPermissions.get(param(context, 'guild_id')) ?? new Map<string, never>();
	routes.add('/applications/{application_id}/guilds/{guild_id}/commands/permissions', {
		auth: 'bot',
		handlers: {
			GET: (context) =>
				checkApplication(context) ?? checkGuild(context) ?? json(200, [...permissionsOf(context).values()]),
		},
	});
	routes.add('/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const failed = checkApplication(context) ?? checkGuild(context);
				if (failed) return failed;
				const entry = permissionsOf(context).get(param(context, 'command_id'));
				return entry ? json(200, entry) : ERRORS.unknownCommandPermissions();
			},
		},
	});

	routes.add('/guilds/{guild_id}', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const failed = checkGuild(context);
				if (failed) return failed;
				const guild: Record<string, unknown> = { ...world.guild(param(context, 'guild_id')) };
				if (context.query.get('with_counts') === 'true') {
					guild['approximate_member_count'] = world.memberIds().length;
					guild['approximate_presence_count'] = 1;
				}
				return json(200, guild);
			},
		},
	});
	routes.add('/guilds/{guild_id}/members/{user_id}', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const member = world.member(param(context, 'user_id'), param(context, 'guild_id'));
				return checkGuild(context) ?? (member ? json(200, member) : ERRORS.unknownMember());
			},
		},
	});
	routes.add('/guilds/{guild_id}/members', {
		auth: 'bot',
		handlers: {
			GET: (context) => {
				const limit = Number(context.query.get('limit') ?? '1');
				const after = context.query.get('after') ?? '0';
				const members = world
					.memberIds()
					.filter((userId) => BigInt(userId) > BigInt(after))
					.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
					.slice(0, Number.isFinite(limit) ? limit : 1)
					.flatMap((userId) => world.member(userId, param(context, 'guild_id')) ?? []);
				return checkGuild(context) ?? json(200, members);
			},
		},
	});
	routes.add('/guilds/{guild_id}/roles', {
		auth: 'bot',
		handlers: { GET: (context) => checkGuild(context) ?? json(200, world.rolesOf(param(context, 'guild_id'))) },
	});
	routes.add('/guilds/{guild_id}/channels', {
		auth: 'bot',
		handlers: {
			GET: (context) => checkGuild(context) ?? json(200, world.textChannels(param(context, 'guild_id'))),
		},
	});
}
