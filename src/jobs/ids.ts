import { randomBytes } from 'node:crypto';

/** A fresh job id: 96 random bits, URL-safe (it appears in callback URLs and custom ids). */
export function newJobId(): string {
	return randomBytes(12).toString('base64url');
}
