/**
 * Lists the longest functions under a folder (default `src`), by lines from signature to closing brace:
 * `npx tsx scripts/functionLengths.ts [dir] [count]`. Keeps "no function over ~50 lines" checkable.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

interface Measured {
	readonly where: string;
	readonly name: string;
	readonly lines: number;
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((entry) => {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) return filesUnder(path);
		return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
	});
}

function nameOf(node: ts.Node): string {
	if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) {
		const owner = ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : '';
		return owner + node.name.getText();
	}
	if (ts.isConstructorDeclaration(node))
		return `${ts.isClassLike(node.parent) ? node.parent.name?.text : ''}.constructor`;
	const parent = node.parent;
	if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
		return parent.name.getText();
	}
	if (ts.isCallExpression(parent))
		return `(callback of ${parent.expression.getText().replace(/\s+/g, ' ').slice(0, 40)})`;
	return '(anonymous)';
}

function measure(path: string): Measured[] {
	const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
	const found: Measured[] = [];
	const visit = (node: ts.Node): void => {
		if (ts.isFunctionLike(node) && 'body' in node && node.body) {
			const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
			const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
			found.push({ where: `${path}:${start + 1}`, name: nameOf(node), lines: end - start + 1 });
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
	return found;
}

const [dir = 'src', count = '10'] = process.argv.slice(2);
const all = filesUnder(dir)
	.flatMap(measure)
	.sort((a, b) => b.lines - a.lines);
for (const fn of all.slice(0, Number(count))) console.log(`${String(fn.lines).padStart(4)}  ${fn.name}  ${fn.where}`);
console.log(`functions over 50 lines: ${all.filter((fn) => fn.lines > 50).length}`);
