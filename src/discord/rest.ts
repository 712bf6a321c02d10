/**
 * The Discord REST manager the bot uses: discord.js's own, with interaction-webhook requests sent through a second
 * manager of their own.
 *
 * discord.js counts every request against one global limit (50 per second), interaction webhooks included, and
 * queues whatever goes over. Discord does not: interaction endpoints are not bound to the bot's global rate limit,
 * only to their own per-token buckets (which discord.js still honours, per route, in either manager). Under a burst
 * of commands, each with a "working" edit or two of its reply, the global queue was what held submissions back.
 *
 * Each interaction token also gets a rate-limit handler of its own (about 1 KB), kept until a sweep finds it idle: at
 * a few hundred commands a second, a sweep every minute still kept ten thousand of them. The webhook manager sweeps
 * every few seconds; a swept handler only forgets a bucket that had nothing queued and was not limited, and the next
 * request to that token learns it again from Discord's headers.
 */
import { REST, type InternalRequest, type RESTOptions, type ResponseLike } from 'discord.js';

/** How often the webhook manager drops idle per-token handlers. */
export const WEBHOOK_HANDLER_SWEEP_MS = 5_000;

/** `/webhooks/{id}/{token}` and everything under it: a webhook addressed by its token, not as the bot. */
const TOKEN_WEBHOOK_ROUTE = /^\/webhooks\/\d+\/[^/?]+/;

/** Whether a request goes to an interaction (or other token) webhook, and so is outside the bot's global limit. */
export function isTokenWebhookRequest(request: Pick<InternalRequest, 'fullRoute' | 'auth'>): boolean {
	// A request made as the bot (auth) counts against its global limit whatever the route.
	return request.auth === false && TOKEN_WEBHOOK_ROUTE.test(request.fullRoute);
}

export class BotRest extends REST {
	/** Interaction-webhook requests: same options, no global limit, idle handlers swept quickly. */
	public readonly webhooks: REST;

	public constructor(options: Partial<RESTOptions> = {}) {
		super(options);
		this.webhooks = new REST({
			...options,
			globalRequestsPerSecond: Number.POSITIVE_INFINITY,
			handlerSweepInterval: WEBHOOK_HANDLER_SWEEP_MS,
		});
	}

	public override async queueRequest(request: InternalRequest): Promise<ResponseLike> {
		return isTokenWebhookRequest(request) ? this.webhooks.queueRequest(request) : super.queueRequest(request);
	}

	public override setToken(token: string): this {
		// Webhook requests carry their token in the route; the bot token is kept in step for any that do not.
		this.webhooks.setToken(token);
		return super.setToken(token);
	}

	public override clearHashSweeper(): void {
		super.clearHashSweeper();
		this.webhooks.clearHashSweeper();
	}

	public override clearHandlerSweeper(): void {
		super.clearHandlerSweeper();
		this.webhooks.clearHandlerSweeper();
	}
}
