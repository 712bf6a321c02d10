/**
 * The provider's limits kept per key: each key (a server's own, or the operator's default) has its own submit and
 * query windows, locally and across processes, so one server's burst never delays another's. The default key keeps
 * the windows' names of a single-key bot (`submit`, `query`), so processes of both versions share them during an
 * upgrade; every other key's windows are named after its key id, never the key.
 */
import type { ProviderKeyId } from '../api/keyId.js';
import type { Claims } from '../store/claims.js';
import { providerLimits, type ProviderLimits } from './providerLimits.js';

export interface KeyedLimitsOptions {
	submitLimit: { limit: number; windowMs: number };
	queryRatePerSecond: number;
	/** Claims shared with the other processes, when there are any. */
	sharedThrough?: Pick<Claims, 'claim'>;
	/** The operator's default key, whose windows keep their single-key names. */
	defaultKeyId?: ProviderKeyId;
}

export class KeyedProviderLimits {
	private readonly byKey = new Map<ProviderKeyId, ProviderLimits>();

	public constructor(private readonly options: KeyedLimitsOptions) {}

	/** The limits of one key, made on first use. */
	public for(keyId: ProviderKeyId): ProviderLimits {
		let limits = this.byKey.get(keyId);
		if (!limits) {
			const { submitLimit, queryRatePerSecond, sharedThrough, defaultKeyId } = this.options;
			limits = providerLimits({
				submitLimit,
				queryRatePerSecond,
				...(sharedThrough ? { sharedThrough } : {}),
				...(keyId === defaultKeyId ? {} : { windowSuffix: keyId }),
			});
			this.byKey.set(keyId, limits);
		}
		return limits;
	}

	/** How many keys have limits in memory. */
	public get size(): number {
		return this.byKey.size;
	}

	/**
	 * Forgets the limits of keys with no grant inside their windows: made again on next use, they start where the
	 * forgotten ones stood (nothing to wait for). Keeps memory bounded by the keys in use, not every key ever seen.
	 */
	public sweep(keep: (keyId: ProviderKeyId) => boolean = () => false): number {
		let dropped = 0;
		for (const [keyId, limits] of this.byKey) {
			if (keep(keyId)) continue;
			const idle =
				limits.submits.available() === limits.submits.limit && limits.queries.available() === limits.queries.limit;
			if (idle) {
				this.byKey.delete(keyId);
				dropped += 1;
			}
		}
		return dropped;
	}
}
