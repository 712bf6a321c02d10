/**
 * Jain's fairness index of what each party got (or suffered: waiting times): (Σx)² / (n·Σx²). 1 when all are equal,
 * 1/n when one party takes everything. Used by the queue's tests and the benchmark.
 */
export function jainIndex(values: readonly number[]): number {
	if (values.length === 0) throw new RangeError('Jain’s index needs at least one value');
	let sum = 0;
	let squares = 0;
	for (const value of values) {
		if (!Number.isFinite(value) || value < 0) throw new RangeError('Jain’s index takes finite values ≥ 0');
		sum += value;
		squares += value * value;
	}
	// All zero: nobody waited, which is equal.
	return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}
