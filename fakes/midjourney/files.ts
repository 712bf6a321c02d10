import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(data: Buffer): number {
	let crc = 0xffffffff;
	for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typeAndData));
	return Buffer.concat([length, typeAndData, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid, solid-colour 8-bit RGB PNG. */
export function createPng(width: number, height: number, rgb: readonly [number, number, number]): Buffer {
	const pixels = Buffer.alloc(width * height * 3);
	for (let offset = 0; offset < pixels.length; offset += 3) pixels.set(rgb, offset);
	return encodePng(width, height, pixels);
}

/** An 8-bit RGB PNG of `pixels`: `width × height` RGB triples, row by row. */
export function encodePng(width: number, height: number, pixels: Buffer): Buffer {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.writeUInt8(8, 8); // bit depth
	header.writeUInt8(2, 9); // colour type: RGB
	// compression, filter and interlace methods: 0
	const stride = width * 3;
	const rows = Buffer.alloc(height * (1 + stride)); // each row: filter byte 0, then its pixels
	for (let y = 0; y < height; y++) pixels.copy(rows, y * (1 + stride) + 1, y * stride, (y + 1) * stride);
	return Buffer.concat([
		PNG_SIGNATURE,
		pngChunk('IHDR', header),
		pngChunk('IDAT', deflateSync(rows)),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

/** An ISO BMFF header (`ftyp` + an empty `mdat`): enough for anything that sniffs an mp4. */
export function createMp4(): Buffer {
	const ftyp = Buffer.concat([
		Buffer.from([0, 0, 0, 0x18]),
		Buffer.from('ftypisom', 'ascii'),
		Buffer.from([0, 0, 2, 0]),
		Buffer.from('isommp41', 'ascii'),
	]);
	const mdat = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('mdat', 'ascii')]);
	return Buffer.concat([ftyp, mdat]);
}

/** One distinct colour per result index, so a test can tell which file it got. */
export const RESULT_COLOURS: readonly (readonly [number, number, number])[] = [
	[220, 40, 40],
	[40, 180, 60],
	[40, 80, 220],
	[230, 200, 30],
];

// ---------------------------------------------------------------------------------------------------------------
