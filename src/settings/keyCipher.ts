/**
 * Seals a server's provider key with AES-256-GCM under the operator's encryption key, and opens it again. The sealed
 * form names the encryption key by a fingerprint, so that during a rotation a record under the previous key is found
 * and opened with it. GCM authenticates what it seals and the context it is bound to (the server's id): a changed
 * byte, or a record copied to another server, fails to open with {@link KeyTamperedError} instead of yielding garbage.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface EncryptionKeys {
	/** Seals every new record, and opens those under it. */
	current: Buffer;
	/** Opens records sealed before a rotation. */
	previous?: Buffer;
}

/** What is stored: base64 fields, and the fingerprint of the encryption key that sealed them. */
export interface SealedSecret {
	ciphertext: string;
	iv: string;
	tag: string;
	keyFingerprint: string;
}

const ALGORITHM = 'aes-256-gcm';
/** GCM's recommended nonce: 96 bits, random for every seal. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed key could not be opened. Names the record's context and fingerprint only, never a key. */
export class KeyVaultError extends Error {
	public constructor(
		public readonly code: 'tampered' | 'unknown-encryption-key',
		message: string,
	) {
		super(message);
		this.name = 'KeyVaultError';
	}
}

/** The record was altered, truncated or moved: it does not authenticate under the key its fingerprint names. */
export class KeyTamperedError extends KeyVaultError {
	public constructor(context: string) {
		super('tampered', `The stored key of ${context} does not authenticate: it was altered or moved. Set it again.`);
		this.name = 'KeyTamperedError';
	}
}

/** The record was sealed under an encryption key this process does not have (neither current nor previous). */
export class UnknownEncryptionKeyError extends KeyVaultError {
	public constructor(context: string, fingerprint: string) {
		super(
			'unknown-encryption-key',
			`The stored key of ${context} was encrypted under a key with fingerprint ${fingerprint}, which is neither ` +
				'KEY_ENCRYPTION_KEY nor KEY_ENCRYPTION_KEY_PREVIOUS',
		);
		this.name = 'UnknownEncryptionKeyError';
	}
}

/** Names an encryption key without revealing it: 16 hex digits of a hash of it, apart from every other use. */
export function encryptionKeyFingerprint(key: Buffer): string {
	return createHash('sha256').update('server-key-encryption:').update(key).digest('hex').slice(0, 16);
}

export class KeyCipher {
	private readonly byFingerprint: ReadonlyMap<string, Buffer>;
	public readonly currentFingerprint: string;

	public constructor(keys: EncryptionKeys) {
		for (const key of [keys.current, keys.previous]) {
			if (key !== undefined && key.length !== 32) throw new RangeError('An encryption key must be 32 bytes');
		}
		this.currentFingerprint = encryptionKeyFingerprint(keys.current);
		const entries: Array<[string, Buffer]> = [[this.currentFingerprint, keys.current]];
		if (keys.previous) entries.push([encryptionKeyFingerprint(keys.previous), keys.previous]);
		this.byFingerprint = new Map(entries);
	}

	/** Seals `secret`, bound to `context` (authenticated, not stored: opening needs the same context). */
	public seal(secret: string, context: string): SealedSecret {
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv(ALGORITHM, this.byFingerprint.get(this.currentFingerprint)!, iv);
		cipher.setAAD(Buffer.from(context, 'utf8'));
		const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
		return {
			ciphertext: ciphertext.toString('base64'),
			iv: iv.toString('base64'),
			tag: cipher.getAuthTag().toString('base64'),
			keyFingerprint: this.currentFingerprint,
		};
	}

	/**
	 * Opens a sealed secret. `stale`: it was sealed under the previous key, and should be sealed again. Throws
	 * {@link UnknownEncryptionKeyError} or {@link KeyTamperedError}; never anything else for a bad record.
	 */
	public open(sealed: SealedSecret, context: string): { secret: string; stale: boolean } {
		const key = this.byFingerprint.get(sealed.keyFingerprint);
		if (!key) throw new UnknownEncryptionKeyError(context, String(sealed.keyFingerprint));
		const iv = Buffer.from(String(sealed.iv), 'base64');
		const tag = Buffer.from(String(sealed.tag), 'base64');
		if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new KeyTamperedError(context);
		try {
			const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
			decipher.setAAD(Buffer.from(context, 'utf8'));
			decipher.setAuthTag(tag);
			const plain = Buffer.concat([
				decipher.update(Buffer.from(String(sealed.ciphertext), 'base64')),
				decipher.final(),
			]);
			return { secret: plain.toString('utf8'), stale: sealed.keyFingerprint !== this.currentFingerprint };
		} catch {
			// OpenSSL's own message says only "Unsupported state or unable to authenticate data".
			throw new KeyTamperedError(context);
		}
	}
}
