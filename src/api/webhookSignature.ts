import { createHmac, timingSafeEqual } from 'node:crypto';

export const PROVIDER_SIGNATURE_HEADERS = {
	timestamp: 'x-webhook-timestamp',
	signature: 'x-webhook-signature',
} as const;

/** Retries are not documented to re-sign, and the last retry comes ~21 minutes after the first try. */
export const PROVIDER_SIGNATURE_WINDOW_SECONDS = 30 * 60;

/**
 * Checks the provider's optional webhook signing: base64(HMAC-SHA256(`${taskId}.${timestamp}`, key)).
 * Only the task id and timestamp are signed, never the body, which is why results are confirmed with task details.
 */
export function verifyProviderSignature(input: {
	key: string;
	taskId: string;
	timestamp: string | undefined;
	signature: string | undefined;
	nowSeconds: number;
}): boolean {
	const { key, taskId, timestamp, signature, nowSeconds } = input;
	if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
	if (Math.abs(nowSeconds - Number(timestamp)) > PROVIDER_SIGNATURE_WINDOW_SECONDS) return false;
	// Compare the canonical base64 text: Buffer.from(…, 'base64') would silently skip junk characters.
	const expected = Buffer.from(signProviderWebhook(key, taskId, timestamp));
	const given = Buffer.from(signature.trim());
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Produces a signature the way the provider does; used by the tests' fake provider. */
export function signProviderWebhook(key: string, taskId: string, timestamp: string): string {
	return createHmac('sha256', key).update(`${taskId}.${timestamp}`).digest('base64');
}
