import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';

const SECRET_KEY = 'callback-secret';

/** The `sig` of a job's callback URL: hex HMAC-SHA256 of the job id. Only we can make one, so URLs can't be forged. */
export function signJobId(secret: string, jobId: string): string {
	return createHmac('sha256', secret).update(jobId).digest('hex');
}

export function isValidJobSignature(secret: string, jobId: string, signature: string | undefined): boolean {
	if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return false;
	return timingSafeEqual(Buffer.from(signature, 'hex'), Buffer.from(signJobId(secret, jobId), 'hex'));
}

export function callbackUrlFor(publicUrl: string, secret: string, jobId: string): string {
	return `${publicUrl}/callbacks/mj/${encodeURIComponent(jobId)}?sig=${signJobId(secret, jobId)}`;
}

/**
 * The configured secret, else one generated on first run and kept in the store so URLs survive restarts. Created with
 * a set-if-absent and read back, so processes starting together on one store all end with the same secret (with a
 * read, then a write, two of them could each write their own, and one's callback URLs would fail the other's check).
 */
export async function resolveCallbackSecret(configured: string | undefined, store: Store): Promise<string> {
	if (configured) return configured;
	return store.putIfAbsent('meta', SECRET_KEY, randomBytes(32).toString('base64url'));
}
