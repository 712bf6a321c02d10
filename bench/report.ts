/** Figures as the bench reports them: one table on stdout and bench-results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { round } from './stats.js';

export interface Figure {
	id: string;
	name: string;
	unit: string;
	/** The measured value (the one the target applies to), null when the figure could not be measured. */
	value: number | null;
	/** What the value is compared with, measured in the same run (or the bound it is held to). */
	baseline: number | null;
	baselineLabel: string;
	/** value / baseline. */
	ratio: number | null;
	target: string;
	/** null: not judged (the figure failed to run). */
	pass: boolean | null;
	/** Why it passed or failed, in a few words each. */
	notes: string[];
	details: Record<string, unknown>;
	error?: string;
	seconds: number;
}

export function ratioOf(value: number | null, baseline: number | null): number | null {
	if (value === null || baseline === null || baseline === 0 || !Number.isFinite(value) || !Number.isFinite(baseline))
		return null;
	return round(value / baseline, 3);
}

function show(value: number | null, unit: string): string {
	if (value === null || !Number.isFinite(value)) return '–';
	const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
	return `${value.toFixed(digits)} ${unit}`.trim();
}

export function formatTable(figures: readonly Figure[]): string {
	const rows = figures.map((figure) => [
		figure.name,
		show(figure.value, figure.unit),
		figure.baseline === null ? '–' : `${show(figure.baseline, figure.unit)} (${figure.baselineLabel})`,
		figure.ratio === null ? '–' : `${figure.ratio.toFixed(2)}×`,
		figure.target,
		figure.pass === null ? 'ERROR' : figure.pass ? 'pass' : 'MISS',
	]);
	const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
	const widths = header.map((title, column) =>
		Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
	);
	const line = (cells: string[]): string =>
		`| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
	const out = [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)];
	const notes = figures.flatMap((figure) => [
		...(figure.error ? [`- ${figure.name}: ERROR ${figure.error.split('\n')[0] ?? ''}`] : []),
		...figure.notes.map((note) => `- ${figure.name}: ${note}`),
	]);
	return [...out, '', ...notes].join('\n');
}

export interface RunInfo {
	mode: 'quick' | 'full';
	runId: string;
	startedAt: string;
	seconds: number;
	/** Variables added to the bot's environment with --env (empty: the defaults were measured). */
	botEnv: Record<string, string>;
	/** `bundle`: children ran as plain node on an esbuild bundle; `tsx`: through tsx (more RSS). */
	childRunner: 'bundle' | 'tsx';
	/** 1-minute load average when the run started (other work on a shared machine skews every figure). */
	loadAtStart: number;
}

export function writeResults(info: RunInfo, figures: readonly Figure[], directory: string): string {
	mkdirSync(directory, { recursive: true });
	const file = join(directory, 'latest.json');
	const cpuList = cpus();
	const { loadAtStart: _loadAtStart, ...runInfo } = info;
	const document = {
		...runInfo,
		machine: {
			node: process.version,
			platform: `${process.platform}-${process.arch}`,
			cpus: cpuList.length,
			cpuModel: cpuList[0]?.model ?? 'unknown',
			memoryBytes: totalmem(),
			loadAverage1mAtStart: round(info.loadAtStart, 2),
			loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 2),
		},
		passed: figures.every((figure) => figure.pass === true),
		figures,
	};
	const text = `${JSON.stringify(document, null, '\t')}\n`;
	writeFileSync(file, text);
	writeFileSync(join(directory, `${info.runId}.json`), text);
	return file;
}
