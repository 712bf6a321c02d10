import type { GenerateRequest } from '../../src/api/types.js';
import type { DeliveredAttachment, FinishedJob, FinishedOutcome } from '../../src/jobs/types.js';

export const JOB_ID = 'Ab3-_xYz09QwErTy';
export const IMAGINE: GenerateRequest = {
	taskType: 'mj_txt2img',
	prompt: 'a lighthouse at dusk',
	params: { aspectRatio: '16:9', version: '7' },
};
export const VIDEO: GenerateRequest = {
	taskType: 'mj_video',
	prompt: 'waves',
	imageUrl: 'https://example.com/beach.png',
	params: { motion: 'low' },
};

export const providerUrl = (n: number, extension = 'png') => `https://provider.example/files/task_${n}.${extension}`;
export const discordUrl = (n: number, extension = 'png') =>
	`https://cdn.discordapp.com/attachments/1/${n}/${JOB_ID}_${n}.${extension}?ex=1`;

/** A finished job; `count` results, of which `delivered` (1-based numbers) were uploaded to Discord. */
export function finishedJob(
	options: { count?: number; delivered?: number[]; request?: GenerateRequest; outcome?: FinishedOutcome } = {},
): FinishedJob {
	const request = options.request ?? IMAGINE;
	const extension = request.taskType.startsWith('mj_video') ? 'mp4' : 'png';
	const count = options.count ?? 4;
	const numbers = Array.from({ length: count }, (_, index) => index + 1);
	const attachments: DeliveredAttachment[] = (options.delivered ?? numbers).map((n) => ({
		index: n - 1,
		url: discordUrl(n, extension),
		filename: `${JOB_ID}_${n}.${extension}`,
		contentType: extension === 'mp4' ? 'video/mp4' : 'image/png',
	}));
	return {
		id: JOB_ID,
		kind: request.taskType.startsWith('mj_video') ? 'animate' : 'imagine',
		createdAt: 1_700_000_000_000,
		target: { guildId: '100000000000000001', channelId: '100000000000000002', requesterId: '100000000000000003' },
		request,
		state: {
			phase: 'finished',
			taskId: 'task',
			outcome: options.outcome ?? {
				status: 'succeeded',
				resultUrls: numbers.map((n) => providerUrl(n, extension)),
			},
			finishedAt: 1_700_000_100_000,
			delivery: { state: 'delivered', at: 1_700_000_100_500, via: 'interaction', messageId: '5', attachments },
		},
	};
}
