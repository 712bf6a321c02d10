import { time, TimestampStyles } from 'discord.js';

/** A moment Discord shows in each reader's own locale and time zone; relative ("in 3 hours") by default. */
export function discordTimestamp(
	at: number,
	style: (typeof TimestampStyles)[keyof typeof TimestampStyles] = TimestampStyles.RelativeTime,
): string {
	return time(Math.floor(at / 1000), style);
}
