/**
 * Prometheus metrics (served at `GET /metrics`). One registry per bot, so tests and several bots in one process
 * don't mix their counts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
	registry: Registry;
	jobsSubmitted: Counter<'task_type'>;
	jobsFinished: Counter<'task_type' | 'outcome'>;
	queueLength: Gauge;
	callbacks: Counter<'result'>;
	providerErrors: Counter<'code'>;
	deliveries: Counter<'via'>;
	deliveryFailures: Counter<'kind'>;
	polls: Counter;
	deliveryLatency: Histogram;
}

export function createMetrics(): Metrics {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry, prefix: 'mjbot_process_' });
	const registers = [registry];
	return {
		registry,
		jobsSubmitted: new Counter({
			name: 'mjbot_jobs_submitted_total',
			help: 'Jobs accepted by the provider, by task type',
			labelNames: ['task_type'],
			registers,
		}),
		jobsFinished: new Counter({
			name: 'mjbot_jobs_finished_total',
			help: 'Jobs finished, by task type and outcome (succeeded or failed)',
			labelNames: ['task_type', 'outcome'],
			registers,
		}),
		queueLength: new Gauge({ name: 'mjbot_submit_queue_length', help: 'Jobs waiting to be submitted', registers }),
		callbacks: new Counter({
			name: 'mjbot_callbacks_total',
			help: 'Callbacks received, by result (accepted, duplicate, or the reason they were rejected)',
			labelNames: ['result'],
			registers,
		}),
		providerErrors: new Counter({
			name: 'mjbot_provider_errors_total',
			help: 'Failed calls to the provider, by code (API code, network, timeout, invalid-response)',
			labelNames: ['code'],
			registers,
		}),
		polls: new Counter({ name: 'mjbot_polls_total', help: 'Task-detail queries made', registers }),
		...deliveryMetrics(registers),
	};
}

/** How results reach Discord: by which route, how often not, and how long after the outcome was known. */
function deliveryMetrics(registers: Registry[]): Pick<Metrics, 'deliveries' | 'deliveryFailures' | 'deliveryLatency'> {
	return {
		deliveries: new Counter({
			name: 'mjbot_deliveries_total',
			help: 'Results delivered to Discord, by route (interaction, channel-edit, channel-message, dm)',
			labelNames: ['via'],
			registers,
		}),
		deliveryFailures: new Counter({
			name: 'mjbot_delivery_failures_total',
			help: 'Deliveries that failed, by kind (transient = retried, final)',
			labelNames: ['kind'],
			registers,
		}),
		deliveryLatency: new Histogram({
			name: 'mjbot_delivery_latency_seconds',
			help: 'From the job being finished (outcome known) to the result landing on Discord',
			buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
			registers,
		}),
	};
}
