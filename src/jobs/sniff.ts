/**
 * What a result file is, from its first bytes: the formats Midjourney produces and Discord shows. A server's
 * Content-Type is not trusted: an HTML page served as image/png is still an HTML page.
 */

export interface MediaType {
	contentType: string;
	extension: string;
}

/** Enough of a file's start to recognise every format below. */
export const SNIFF_BYTES = 64;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const EBML = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

function ascii(head: Buffer, start: number, end: number): string {
	return head.subarray(start, end).toString('latin1');
}

/** The media type `head` (a file's first bytes, up to {@link SNIFF_BYTES}) starts, or undefined for anything else. */
export function sniffMedia(head: Buffer): MediaType | undefined {
	if (head.subarray(0, PNG.length).equals(PNG)) return { contentType: 'image/png', extension: 'png' };
	if (head.subarray(0, JPEG.length).equals(JPEG)) return { contentType: 'image/jpeg', extension: 'jpg' };
	if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP')
		return { contentType: 'image/webp', extension: 'webp' };
	if (/^GIF8[79]a$/.test(ascii(head, 0, 6))) return { contentType: 'image/gif', extension: 'gif' };
	// ISO BMFF: a box size, then `ftyp` and the major brand. QuickTime's brand is "qt  ".
	if (ascii(head, 4, 8) === 'ftyp')
		return ascii(head, 8, 12) === 'qt  '
			? { contentType: 'video/quicktime', extension: 'mov' }
			: { contentType: 'video/mp4', extension: 'mp4' };
	// Matroska's EBML header names its DocType near the start: "webm" for WebM.
	if (head.subarray(0, EBML.length).equals(EBML))
		return head.includes('webm', 0, 'latin1')
			? { contentType: 'video/webm', extension: 'webm' }
			: { contentType: 'video/x-matroska', extension: 'mkv' };
	return undefined;
}
