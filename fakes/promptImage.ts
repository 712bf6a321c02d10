/**
 * Pictures for a prompt, so a fake result looks like the request it answers: the prompt's words drawn with a small
 * built-in bitmap font on a coloured tile, one pattern per variant. Deterministic (the same prompt and variant give
 * the same bytes) and real PNGs, since the bot keeps only files whose bytes are images.
 */
import { encodePng } from './midjourney.js';

type Rgb = readonly [number, number, number];

/** A 5×7 font: each glyph is seven rows of five pixels, `#` lit. Letters are drawn upper-case. */
const FONT_SOURCE: Record<string, string> = {
	A: '.###. #...# #...# ##### #...# #...# #...#',
	B: '####. #...# #...# ####. #...# #...# ####.',
	C: '.###. #...# #.... #.... #.... #...# .###.',
	D: '####. #...# #...# #...# #...# #...# ####.',
	E: '##### #.... #.... ####. #.... #.... #####',
	F: '##### #.... #.... ####. #.... #.... #....',
	G: '.###. #...# #.... #.### #...# #...# .####',
	H: '#...# #...# #...# ##### #...# #...# #...#',
	I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
	J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
	K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
	L: '#.... #.... #.... #.... #.... #.... #####',
	M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
	N: '#...# #...# ##..# #.#.# #..## #...# #...#',
	O: '.###. #...# #...# #...# #...# #...# .###.',
	P: '####. #...# #...# ####. #.... #.... #....',
	Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
	R: '####. #...# #...# ####. #.#.. #..#. #...#',
	S: '.#### #.... #.... .###. ....# ....# ####.',
	T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
	U: '#...# #...# #...# #...# #...# #...# .###.',
	V: '#...# #...# #...# #...# #...# .#.#. ..#..',
	W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
	X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
	Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
	Z: '##### ....# ...#. ..#.. .#... #.... #####',
	'0': '.###. #...# #..## #.#.# ##..# #...# .###.',
	'1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
	'2': '.###. #...# ....# ...#. ..#.. .#... #####',
	'3': '##### ...#. ..#.. ...#. ....# #...# .###.',
	'4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
	'5': '##### #.... ####. ....# ....# #...# .###.',
	'6': '..##. .#... #.... ####. #...# #...# .###.',
	'7': '##### ....# ...#. ..#.. .#... .#... .#...',
	'8': '.###. #...# #...# .###. #...# #...# .###.',
	'9': '.###. #...# #...# .#### ....# ...#. .##..',
	' ': '..... ..... ..... ..... ..... ..... .....',
	'.': '..... ..... ..... ..... ..... .##.. .##..',
	',': '..... ..... ..... ..... .##.. ..#.. .#...',
	'!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
	'?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
	"'": '..#.. ..#.. .#... ..... ..... ..... .....',
	'"': '.#.#. .#.#. ..... ..... ..... ..... .....',
	'-': '..... ..... ..... ##### ..... ..... .....',
	':': '..... .##.. .##.. ..... .##.. .##.. .....',
	';': '..... .##.. .##.. ..... .##.. ..#.. .#...',
	'/': '..... ....# ...#. ..#.. .#... #.... .....',
	'(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
	')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
	'&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
	'+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
	'=': '..... ..... ##### ..... ##### ..... .....',
	'#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
	'%': '##... ##..# ...#. ..#.. .#... #..## ...##',
	'*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
	_: '..... ..... ..... ..... ..... ..... #####',
	'@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
	'<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
	'>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
};
/** Drawn for a character the font lacks. */
const MISSING = '##### #...# #...# #...# #...# #...# #####';

const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;
/** Pixels (before scaling) between two characters and between two lines. */
const SPACING = 1;
const LINE_SPACING = 3;

const FONT = new Map(Object.entries(FONT_SOURCE).map(([char, rows]) => [char, parseGlyph(rows)]));

function parseGlyph(rows: string): boolean[][] {
	return rows.split(' ').map((row) => [...row].map((pixel) => pixel === '#'));
}

function glyph(char: string): boolean[][] {
	return FONT.get(char) ?? parseGlyph(MISSING);
}

/** The prompt as the font can draw it: accents dropped, upper-case, emoji and other symbols left out. */
export function drawableText(prompt: string): string {
	return prompt
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.toUpperCase()
		.replace(/[^\x20-\x7e]/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

/** Words wrapped into lines of at most `width` characters; a word longer than a line is cut. */
function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		for (let rest = word; rest !== '';) {
			const room = line === '' ? width : width - line.length - 1;
			if (rest.length <= room) {
				line = line === '' ? rest : `${line} ${rest}`;
				rest = '';
			} else if (line !== '') {
				lines.push(line);
				line = '';
			} else {
				lines.push(rest.slice(0, width));
				rest = rest.slice(width);
			}
		}
	}
	if (line !== '') lines.push(line);
	return lines;
}

class Canvas {
	readonly pixels: Buffer;

	constructor(
		readonly width: number,
		readonly height: number,
	) {
		this.pixels = Buffer.alloc(width * height * 3);
	}

	set(column: number, row: number, rgb: Rgb): void {
		const x = Math.floor(column);
		const y = Math.floor(row);
		if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
		this.pixels.set(rgb, (y * this.width + x) * 3);
	}

	rect(x: number, y: number, width: number, height: number, rgb: Rgb): void {
		for (let row = y; row < y + height; row++) for (let col = x; col < x + width; col++) this.set(col, row, rgb);
	}

	/** One line of text, its top-left corner at (x, y), each font pixel drawn as a `scale`-sized square. */
	text(line: string, x: number, y: number, scale: number, rgb: Rgb): void {
		[...line].forEach((char, index) => {
			const left = x + index * (GLYPH_WIDTH + SPACING) * scale;
			glyph(char).forEach((row, rowIndex) =>
				row.forEach((lit, colIndex) => {
					if (lit) this.rect(left + colIndex * scale, y + rowIndex * scale, scale, scale, rgb);
				}),
			);
		});
	}
}

/** FNV-1a: a stable 32-bit hash of the prompt, for its colours. */
function hash(text: string): number {
	let value = 0x811c9dc5;
	for (const byte of Buffer.from(text, 'utf8')) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
	return value;
}

function hsv(hue: number, saturation: number, value: number): Rgb {
	const h = (((hue % 360) + 360) % 360) / 60;
	const c = value * saturation;
	const x = c * (1 - Math.abs((h % 2) - 1));
	const [r, g, b] =
		h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
	const m = value - c;
	return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Width and height for an aspect ratio such as `16:9`, the long side `longSide` pixels. */
export function tileSize(aspectRatio: unknown, longSide = 512): { width: number; height: number } {
	const match = typeof aspectRatio === 'string' ? /^(\d+):(\d+)$/.exec(aspectRatio) : null;
	const w = Number(match?.[1] ?? 1);
	const h = Number(match?.[2] ?? 1);
	if (!(w > 0 && h > 0)) return { width: longSide, height: longSide };
	return w >= h
		? { width: longSide, height: Math.round((longSide * h) / w) }
		: { width: Math.round((longSide * w) / h), height: longSide };
}

/** The background of variant `index`: a gradient, stripes, rings or a checkerboard in the prompt's colours. */
function paintBackground(canvas: Canvas, seed: number, index: number): void {
	const hue = (seed % 360) + index * 90;
	const light = hsv(hue, 0.55, 0.85);
	const dark = hsv(hue + 30, 0.75, 0.45);
	const { width, height } = canvas;
	const mix = (t: number): Rgb => [
		Math.round(dark[0] + (light[0] - dark[0]) * t),
		Math.round(dark[1] + (light[1] - dark[1]) * t),
		Math.round(dark[2] + (light[2] - dark[2]) * t),
	];
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			let t: number;
			switch (index % 4) {
				case 0:
					t = (x + y) / (width + height);
					break;
				case 1:
					t = Math.floor((x + 2 * y) / 32) % 2 === 0 ? 0.85 : 0.55;
					break;
				case 2:
					t = 0.5 + 0.5 * Math.cos(Math.hypot(x - width / 2, y - height / 2) / 14);
					break;
				default:
					t = (Math.floor(x / 48) + Math.floor(y / 48)) % 2 === 0 ? 0.8 : 0.4;
			}
			canvas.set(x, y, mix(t));
		}
	}
}

/**
 * Image `index` (0-based) for `prompt`: a PNG `aspectRatio`-shaped (default square), the prompt's words centred on
 * it as large as they fit, and the variant's number in a corner.
 */
export function promptImage(prompt: string, index: number, aspectRatio?: unknown): Buffer {
	const { width, height } = tileSize(aspectRatio);
	const canvas = new Canvas(width, height);
	paintBackground(canvas, hash(prompt), index);
	const text = drawableText(prompt) || '?';
	const margin = Math.round(Math.min(width, height) * 0.08);
	// The largest scale at which the wrapped text fits; at the smallest, what does not fit is cut with "...".
	let scale = 6;
	let lines: string[] = [];
	for (; scale >= 2; scale--) {
		const perLine = Math.floor((width - 2 * margin) / ((GLYPH_WIDTH + SPACING) * scale));
		const maxLines = Math.floor((height - 2 * margin) / ((GLYPH_HEIGHT + LINE_SPACING) * scale));
		lines = wrap(text, Math.max(1, perLine));
		if (lines.length <= maxLines || scale === 2) {
			if (lines.length > maxLines) {
				lines = lines.slice(0, Math.max(1, maxLines));
				const last = lines.length - 1;
				lines[last] = `${(lines[last] ?? '').slice(0, Math.max(0, perLine - 3))}...`;
			}
			break;
		}
	}
	const lineHeight = (GLYPH_HEIGHT + LINE_SPACING) * scale;
	const top = Math.round((height - (lines.length * lineHeight - LINE_SPACING * scale)) / 2);
	lines.forEach((line, row) => {
		const lineWidth = (line.length * (GLYPH_WIDTH + SPACING) - SPACING) * scale;
		const left = Math.round((width - lineWidth) / 2);
		const y = top + row * lineHeight;
		canvas.text(line, left + Math.max(1, scale / 2), y + Math.max(1, scale / 2), scale, [20, 20, 28]);
		canvas.text(line, left, y, scale, [250, 250, 250]);
	});
	// The variant's number, as Midjourney's grids are read: 1 top-left … 4 bottom-right.
	const badge = 3;
	const size = (GLYPH_WIDTH + 4) * badge;
	canvas.rect(margin / 2, margin / 2, size, (GLYPH_HEIGHT + 4) * badge, [24, 25, 28]);
	canvas.text(String(index + 1), margin / 2 + 2 * badge, margin / 2 + 2 * badge, badge, [250, 250, 250]);
	return encodePng(width, height, canvas.pixels);
}
