import { ApplicationCommandPermissionType, PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
	allChannelsId,
	decideCommandAccess,
	type CommandAccessInput,
	type CommandPermissionEntry,
} from '../../src/actions/commandPermissions.js';

const GUILD = '200000000000000000';
const USER = '300000000000000001';
const ROLE_A = '400000000000000001';
const ROLE_B = '400000000000000002';
const CHANNEL = '500000000000000001';
const OTHER_CHANNEL = '500000000000000002';
const P = PermissionFlagsBits;
const MEMBER = P.ViewChannel | P.SendMessages | P.UseApplicationCommands;

const user = (permission: boolean, id = USER): CommandPermissionEntry => ({
	id,
	type: ApplicationCommandPermissionType.User,
	permission,
});
const role = (id: string, permission: boolean): CommandPermissionEntry => ({
	id,
	type: ApplicationCommandPermissionType.Role,
	permission,
});
const everyone = (permission: boolean) => role(GUILD, permission);
const channel = (id: string, permission: boolean): CommandPermissionEntry => ({
	id,
	type: ApplicationCommandPermissionType.Channel,
	permission,
});
const allChannels = (permission: boolean) => channel(allChannelsId(GUILD), permission);

function decide(input: Partial<CommandAccessInput> = {}) {
	return decideCommandAccess({
		guildId: GUILD,
		userId: USER,
		roleIds: [GUILD, ROLE_A],
		channelId: CHANNEL,
		memberPermissions: MEMBER,
		commandEntries: [],
		appEntries: [],
		defaultMemberPermissions: null,
		...input,
	});
}
const allowed = { ok: true };
const denied = (denial: string) => ({ ok: false, denial });

describe('decideCommandAccess', () => {
	it('allows when the server set nothing and the command asks for no permissions', () => {
		expect(decide()).toEqual(allowed);
	});

	it('the "all channels" constant is the guild id minus one', () => {
		expect(allChannelsId('200000000000000000')).toBe('199999999999999999');
	});

	describe('Administrator', () => {
		it('may use every command, whatever the entries and default permissions say', () => {
			expect(
				decide({
					memberPermissions: P.Administrator,
					commandEntries: [user(false), allChannels(false)],
					appEntries: [everyone(false)],
					defaultMemberPermissions: 0n,
				}),
			).toEqual(allowed);
		});
	});

	it('refuses a member without Use Application Commands there', () => {
		expect(decide({ memberPermissions: P.ViewChannel | P.SendMessages })).toEqual(denied('use-application-commands'));
	});

	describe('levels: the command’s own entries override the app-wide ones', () => {
		it('an app-wide denial applies to a command without entries of its own (synced)', () => {
			expect(decide({ appEntries: [user(false)] })).toEqual(denied('member'));
			expect(decide({ appEntries: [everyone(false)] })).toEqual(denied('member'));
		});

		it('a command-level grant overrides an app-wide denial', () => {
			expect(decide({ commandEntries: [user(true)], appEntries: [user(false)] })).toEqual(allowed);
			expect(decide({ commandEntries: [everyone(true)], appEntries: [user(false)] })).toEqual(allowed);
		});

		it('a command-level denial overrides an app-wide grant', () => {
			expect(decide({ commandEntries: [user(false)], appEntries: [user(true)] })).toEqual(denied('member'));
			expect(decide({ commandEntries: [role(ROLE_A, false)], appEntries: [everyone(true)] })).toEqual(denied('member'));
		});

		it('one kind at a time: command-level channel entries leave the app-wide member entries in force', () => {
			expect(decide({ commandEntries: [channel(CHANNEL, true)], appEntries: [user(false)] })).toEqual(denied('member'));
		});

		it('command entries for other members or roles leave the app-wide ones in force', () => {
			expect(
				decide({ commandEntries: [user(true, '300000000000000009'), role(ROLE_B, true)], appEntries: [user(false)] }),
			).toEqual(denied('member'));
		});
	});

	describe('within a level: user over roles over @everyone', () => {
		it('a user entry overrides their roles’ entries', () => {
			expect(decide({ commandEntries: [user(true), role(ROLE_A, false)] })).toEqual(allowed);
			expect(decide({ commandEntries: [user(false), role(ROLE_A, true)] })).toEqual(denied('member'));
		});

		it('a role entry overrides @everyone', () => {
			expect(decide({ commandEntries: [role(ROLE_A, true), everyone(false)] })).toEqual(allowed);
			expect(decide({ commandEntries: [role(ROLE_A, false), everyone(true)] })).toEqual(denied('member'));
		});

		it('a role the member does not have changes nothing', () => {
			expect(decide({ commandEntries: [role(ROLE_B, true), everyone(false)] })).toEqual(denied('member'));
		});

		it('any role that allows allows, though another of their roles denies', () => {
			expect(decide({ roleIds: [ROLE_A, ROLE_B], commandEntries: [role(ROLE_A, false), role(ROLE_B, true)] })).toEqual(
				allowed,
			);
		});

		it('@everyone applies to a member without user or role entries', () => {
			expect(decide({ commandEntries: [everyone(false)] })).toEqual(denied('member'));
			expect(decide({ roleIds: [], commandEntries: [everyone(false)] })).toEqual(denied('member'));
		});
	});

	describe('channels restrict where', () => {
		it('a channel denied refuses everyone there, even a member granted the command', () => {
			expect(decide({ commandEntries: [channel(CHANNEL, false), user(true)] })).toEqual(denied('channel'));
			expect(decide({ commandEntries: [channel(OTHER_CHANNEL, false)] })).toEqual(allowed);
		});

		it('a channel’s own entry overrides "all channels"', () => {
			expect(decide({ commandEntries: [allChannels(false), channel(CHANNEL, true)] })).toEqual(allowed);
			expect(decide({ commandEntries: [allChannels(true), channel(CHANNEL, false)] })).toEqual(denied('channel'));
			expect(decide({ commandEntries: [allChannels(false), channel(OTHER_CHANNEL, true)] })).toEqual(denied('channel'));
		});

		it('the command’s channel entries override the app-wide ones, "all channels" included', () => {
			expect(decide({ commandEntries: [allChannels(true)], appEntries: [channel(CHANNEL, false)] })).toEqual(allowed);
			expect(decide({ commandEntries: [channel(CHANNEL, false)], appEntries: [allChannels(true)] })).toEqual(
				denied('channel'),
			);
			expect(decide({ appEntries: [allChannels(false)] })).toEqual(denied('channel'));
		});
	});

	describe('default_member_permissions', () => {
		it('applies when no entry decides', () => {
			expect(decide({ defaultMemberPermissions: P.ManageGuild })).toEqual(denied('default-permissions'));
			expect(decide({ memberPermissions: MEMBER | P.ManageGuild, defaultMemberPermissions: P.ManageGuild })).toEqual(
				allowed,
			);
		});

		it('needs every permission it names', () => {
			expect(
				decide({ memberPermissions: MEMBER | P.ManageGuild, defaultMemberPermissions: P.ManageGuild | P.BanMembers }),
			).toEqual(denied('default-permissions'));
		});

		it('"0" keeps the command for administrators and explicit grants', () => {
			expect(decide({ defaultMemberPermissions: 0n })).toEqual(denied('default-permissions'));
			expect(decide({ defaultMemberPermissions: 0n, commandEntries: [user(true)] })).toEqual(allowed);
		});

		it('still applies after an app-wide grant; a command-level grant overrides it', () => {
			expect(decide({ appEntries: [user(true)], defaultMemberPermissions: P.ManageGuild })).toEqual(
				denied('default-permissions'),
			);
			expect(decide({ commandEntries: [role(ROLE_A, true)], defaultMemberPermissions: P.ManageGuild })).toEqual(
				allowed,
			);
		});
	});
});
