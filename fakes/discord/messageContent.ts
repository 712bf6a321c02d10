import type { APIAttachment, APIMessage } from 'discord-api-types/v10';
import { asString, isRecord } from './util.js';
import type { World } from './world.js';

/**
 * Replaces `attachment://name` URLs (embed images, media gallery items, thumbnails, file components) with the
 * CDN URL and its media fields, as Discord does. Reports names that match no attachment.
 */
export function resolveMedia(
	node: unknown,
	byName: Map<string, APIAttachment>,
	missing: (url: string) => void,
): unknown {
	if (Array.isArray(node)) return node.map((item) => resolveMedia(item, byName, missing));
	if (!isRecord(node)) return node;
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(node)) out[key] = resolveMedia(value, byName, missing);
	const url = asString(node['url']);
	if (!url?.startsWith('attachment://')) return out;
	const attachment = byName.get(url.slice('attachment://'.length));
	if (!attachment) {
		missing(url);
		return out;
	}
	out['url'] = attachment.url;
	out['proxy_url'] = attachment.proxy_url;
	if (attachment.width != null) out['width'] = attachment.width;
	if (attachment.height != null) out['height'] = attachment.height;
	out['content_type'] = attachment.content_type;
	out['attachment_id'] = attachment.id;
	return out;
}

/** Gives every component without one a numeric `id`, in tree order, as Discord does. */
export function numberComponents(node: unknown, counter: { next: number }): unknown {
	if (Array.isArray(node)) return node.map((item) => numberComponents(item, counter));
	if (!isRecord(node)) return node;
	const out: Record<string, unknown> = { ...node };
	if (typeof node['type'] === 'number' && node['id'] == null) out['id'] = counter.next++;
	for (const key of ['components', 'accessory', 'component']) {
		if (key in node) out[key] = numberComponents(node[key], counter);
	}
	return out;
}

/** Fills `mentions`, `mention_roles` and `mention_everyone` from the content, honouring `allowed_mentions`. */
export function applyMentions(message: APIMessage, allowed: unknown, world: World): void {
	const parse = isRecord(allowed) && Array.isArray(allowed['parse']) ? allowed['parse'] : undefined;
	const allowedUsers = isRecord(allowed) && Array.isArray(allowed['users']) ? allowed['users'] : [];
	const allowedRoles = isRecord(allowed) && Array.isArray(allowed['roles']) ? allowed['roles'] : [];
	const mayParse = (kind: string): boolean => allowed == null || (parse?.includes(kind) ?? false);
	const ids = (pattern: RegExp): string[] => [
		...new Set([...message.content.matchAll(pattern)].flatMap((match) => (match[1] ? [match[1]] : []))),
	];
	// A mention escaped with a backslash is text, as in Discord's markdown.
	message.mentions = ids(/(?<!\\)<@!?(\d+)>/g)
		.filter((userId) => mayParse('users') || allowedUsers.includes(userId))
		.map((userId) => world.userOrStranger(userId));
	message.mention_roles = ids(/(?<!\\)<@&(\d+)>/g).filter(
		(roleId) => mayParse('roles') || allowedRoles.includes(roleId),
	);
	message.mention_everyone = /@(everyone|here)\b/.test(message.content) && mayParse('everyone');
}
