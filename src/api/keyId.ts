/**
 * A provider key's public name: the first 16 hex digits of its SHA-256. It tells keys apart in the store (rate windows
 * shared across processes, queues, key records) and in logs, without the key itself ever being written anywhere.
 */
import { createHash } from 'node:crypto';

export type ProviderKeyId = string;

export function providerKeyId(apiKey: string): ProviderKeyId {
	return createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 16);
}
