/**
 * Who is who in the playground's server: the fake Discord's members, with the names, colours and one-line roles the
 * page shows. The bot checks permissions and roles itself; these words only help a visitor pick whom to act as.
 */
import type { FakeDiscord } from '../fakes/discord.js';

export interface Member {
	id: string;
	name: string;
	/** What this member can do, in a few words (shown in the member switcher). */
	about: string;
	bot: boolean;
	/** The avatar's colour. */
	color: string;
	roleIds: string[];
	/** Guild-level permissions (a bit set, as a decimal string): Discord hides the commands a member may not use. */
	permissions: string;
}

export interface Role {
	id: string;
	name: string;
	color: string;
}

interface Persona {
	name: string;
	about: string;
	color: string;
}

/** A friendlier face for each of the fake's users, by their role in the fake's world. */
function personas(discord: FakeDiscord): Map<string, Persona> {
	const { ids } = discord;
	return new Map<string, Persona>([
		[ids.bot, { name: 'Midjourney Bot', about: 'the bot under test', color: '#5865f2' }],
		[ids.user, { name: 'Alice', about: 'member, no roles', color: '#eb459e' }],
		[ids.admin, { name: 'Bob', about: 'admin: Manage Server', color: '#ed4245' }],
		[ids.moderator, { name: 'Carol', about: 'moderator: Manage Messages', color: '#3ba55c' }],
		[ids.owner, { name: 'Dave', about: 'server owner', color: '#faa61a' }],
		[ids.otherBot, { name: 'Another Bot', about: 'another bot', color: '#747f8d' }],
	]);
}

const ROLE_COLORS: Record<string, string> = { admin: '#ed4245', moderator: '#3ba55c', fakebot: '#5865f2' };

export function membersOf(discord: FakeDiscord): Member[] {
	const faces = personas(discord);
	return discord.members().map((member) => {
		const face = faces.get(member.user.id);
		return {
			id: member.user.id,
			name: face?.name ?? member.user.global_name ?? member.user.username,
			about: face?.about ?? 'member',
			bot: member.user.bot === true,
			color: face?.color ?? '#747f8d',
			roleIds: member.roles,
			permissions: discord.permissionsOf(member.user.id).toString(),
		};
	});
}

export function rolesOf(discord: FakeDiscord): Role[] {
	return discord
		.guild()
		.roles.filter((role) => role.id !== discord.ids.guild)
		.sort((a, b) => b.position - a.position)
		.map((role) => ({ id: role.id, name: role.name, color: ROLE_COLORS[role.name] ?? '#b5bac1' }));
}
