import { PermissionFlagsBits, type APIGuild, type APIGuildMember, type APIRole } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { basePermissions } from '../../src/actions/member.js';

const GUILD = '200000000000000000';
const OWNER = '300000000000000000';
const MEMBER = '300000000000000001';
const P = PermissionFlagsBits;
const role = (id: string, permissions: bigint) => ({ id, permissions: permissions.toString() }) as APIRole;
const guild: Pick<APIGuild, 'id' | 'owner_id' | 'roles'> = {
	id: GUILD,
	owner_id: OWNER,
	roles: [
		role(GUILD, P.ViewChannel | P.UseApplicationCommands),
		role('400000000000000001', P.ManageMessages),
		role('400000000000000002', P.Administrator),
	],
};
const member = (id: string, roles: string[]) =>
	({ user: { id }, roles }) as unknown as Pick<APIGuildMember, 'user' | 'roles'>;

describe('basePermissions', () => {
	it('is @everyone’s permissions and the member’s roles’', () => {
		expect(basePermissions(guild, member(MEMBER, []))).toBe(P.ViewChannel | P.UseApplicationCommands);
		expect(basePermissions(guild, member(MEMBER, ['400000000000000001']))).toBe(
			P.ViewChannel | P.UseApplicationCommands | P.ManageMessages,
		);
	});

	it('is everything for the owner and for Administrator', () => {
		const all = Object.values(P).reduce((sum, bit) => sum | bit, 0n);
		expect(basePermissions(guild, member(OWNER, []))).toBe(all);
		expect(basePermissions(guild, member(MEMBER, ['400000000000000002']))).toBe(all);
	});
});
