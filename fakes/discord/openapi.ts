import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { PathMatcher } from './paths.js';
import { isRecord } from './util.js';

/** Discord's official document, kept in the repository beside this file (see `spec/README.md` for its source). */
export const DEFAULT_OPENAPI_PATH = fileURLToPath(new URL('./spec/openapi.json', import.meta.url));

const DOC_ID = 'https://fake-discord.local/openapi.json';

/**
 * Places where the OpenAPI document is narrower than the API Discord documents and accepts. Each is kept as small
 * as possible and names its source; delete an entry to validate strictly against the document again.
 */
/**
 * Corrections to the official document, each with its reason. (The bot sends attachment ids as strings, which the
 * document accepts; Discord's prose also allows numbers, which the document does not.)
 */
const PERMISSIONS_BIT_SET = {
	oneOf: [{ type: 'string', pattern: '^[0-9]{1,20}$' }, { type: 'integer', minimum: 0 }, { type: 'null' }],
};
const PERMISSIONS_REASON =
	'The document types `default_member_permissions` as an integer; Discord documents a string (the bit set, as every ' +
	'permission field), which is what @discordjs/builders sends. Discord: "Our API accepts ints in string fields and ' +
	'strings in int fields (as long as they can be parsed as ints)" (discord/discord-api-spec#11).';
export const SCHEMA_OVERRIDES: ReadonlyArray<{ pointer: string[]; schema: unknown; reason: string }> = [
	'ApplicationCommandCreateRequest',
	'ApplicationCommandUpdateRequest',
	'ApplicationCommandPatchRequestPartial',
].map((schema) => ({
	pointer: ['components', 'schemas', schema, 'properties', 'default_member_permissions'],
	schema: PERMISSIONS_BIT_SET,
	reason: PERMISSIONS_REASON,
}));
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** Timings of the validator, for the curious (and for the report). */
export interface OpenApiTimings {
	loadMs: number;
	compiles: Array<{ operation: string; ms: number }>;
}

export interface OperationInfo {
	template: string;
	operationId: string;
	hasRequestBody: boolean;
}

interface CachedOperation extends OperationInfo {
	pointer: string[];
	pathParams: Array<{ name: string; key: string; pointer: string[] }>;
}

function pointerRef(segments: ReadonlyArray<string | number>): string {
	const escaped = segments.map((segment) =>
		encodeURIComponent(String(segment).replaceAll('~', '~0').replaceAll('/', '~1')),
	);
	return `${DOC_ID}#/${escaped.join('/')}`;
}

function byValue(a: unknown, b: unknown): number {
	return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

/**
 * Ajv's errors for a union (`oneOf`/`anyOf`) list every branch that failed. The useful ones are the deepest: a
 * branch whose discriminator (`type`) matched fails further down, the others fail at `type` or at a required key.
 * Enum errors at the same place are merged into one list of allowed values.
 */
function formatErrors(errors: ErrorObject[] | null | undefined): string {
	if (!errors?.length) return 'invalid';
	const meaningful = errors.filter(
		(error) =>
			error.keyword !== 'oneOf' &&
			error.keyword !== 'anyOf' &&
			!(error.keyword === 'type' && isRecord(error.params) && error.params['type'] === 'null'),
	);
	const pool = meaningful.length ? meaningful : errors;
	const depth = (error: ErrorObject): number => (error.instancePath === '' ? 0 : error.instancePath.split('/').length);
	const deepest = Math.max(...pool.map(depth));
	const allowed = new Map<string, unknown[]>();
	const lines = new Set<string>();
	for (const error of pool.filter((entry) => depth(entry) === deepest)) {
		const values = isRecord(error.params) ? error.params['allowedValues'] : undefined;
		if (error.keyword === 'enum' && Array.isArray(values)) {
			allowed.set(error.instancePath, [...(allowed.get(error.instancePath) ?? []), ...values]);
			continue;
		}
		const extra = error.keyword === 'const' ? ` ${JSON.stringify(error.params)}` : '';
		lines.add(`${error.instancePath} ${error.message ?? error.keyword}${extra}`.trim());
	}
	for (const [path, values] of allowed) {
		lines.add(`${path} must be one of ${JSON.stringify([...new Set(values)].sort(byValue))}`.trim());
	}
	return [...lines].slice(0, 6).join('; ');
}

/**
 * Validates request bodies and path parameters against Discord's OpenAPI 3.1 document. The document is read once
 * per path and process; validators compile lazily, one per operation, and are cached.
 */
export class OpenApiValidator {
	readonly timings: OpenApiTimings = { loadMs: 0, compiles: [] };
	readonly #ajv: Ajv2020;
	readonly #doc: Record<string, unknown>;
	readonly #operations = new PathMatcher<Partial<Record<string, CachedOperation>>>();
	readonly #validators = new Map<string, ValidateFunction>();

	constructor(docPath: string) {
		const start = performance.now();
		let text: string;
		try {
			text = readFileSync(docPath, 'utf8');
		} catch (error) {
			throw new Error(
				`Fake Discord: cannot read the OpenAPI document at ${docPath} (pass openApiPath, or validate: false)`,
				{ cause: error },
			);
		}
		const doc: unknown = JSON.parse(text);
		if (!isRecord(doc) || !isRecord(doc['paths']))
			throw new Error(`Fake Discord: ${docPath} is not an OpenAPI document`);
		this.#doc = doc;
		for (const override of SCHEMA_OVERRIDES) applyOverride(doc, override.pointer, override.schema);
		this.#ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false });
		ajvFormats.default(this.#ajv);
		// Discord-specific format names: their constraints are already expressed by `pattern` and `type`.
		this.#ajv.addFormat('snowflake', true);
		this.#ajv.addFormat('nonce', true);
		this.#ajv.addSchema(doc, DOC_ID);
		for (const [template, item] of Object.entries(doc['paths'])) {
			if (!isRecord(item)) continue;
			const byMethod: Partial<Record<string, CachedOperation>> = {};
			for (const method of METHODS) {
				const operation = item[method];
				if (!isRecord(operation)) continue;
				const pathParams: CachedOperation['pathParams'] = [];
				for (const [source, params] of [
					['', item['parameters']],
					[method, operation['parameters']],
				] as const) {
					if (!Array.isArray(params)) continue;
					for (const [index, param] of params.entries()) {
						if (!isRecord(param) || param['in'] !== 'path' || typeof param['name'] !== 'string') continue;
						const base = source === '' ? ['paths', template] : ['paths', template, method];
						const pointer = [...base, 'parameters', String(index), 'schema'];
						// Most path parameters are a plain `$ref` to SnowflakeType: share one validator between them.
						const ref = isRecord(param['schema']) ? param['schema']['$ref'] : undefined;
						const key = typeof ref === 'string' ? ref : pointer.join('/');
						pathParams.push({ name: param['name'], key, pointer });
					}
				}
				const requestBody = operation['requestBody'];
				const content = isRecord(requestBody) && isRecord(requestBody['content']) ? requestBody['content'] : {};
				// multipart/form-data bodies carry the same JSON in `payload_json`, so the JSON schema applies to both.
				const mediaType = 'application/json' in content ? 'application/json' : Object.keys(content)[0];
				byMethod[method.toUpperCase()] = {
					template,
					operationId:
						typeof operation['operationId'] === 'string' ? operation['operationId'] : `${method} ${template}`,
					hasRequestBody: mediaType !== undefined,
					pointer: ['paths', template, method, 'requestBody', 'content', mediaType ?? 'application/json', 'schema'],
					pathParams,
				};
			}
			this.#operations.add(template, byMethod);
		}
		this.timings.loadMs = performance.now() - start;
	}

	/** The documented operation for a request, or undefined when Discord documents no such route. */
	operation(method: string, path: string): OperationInfo | undefined {
		return this.#find(method, path)?.operation;
	}

	#find(method: string, path: string): { operation: CachedOperation; params: Record<string, string> } | undefined {
		for (const match of this.#operations.matchAll(path)) {
			const operation = match.value[method.toUpperCase()];
			if (operation) return { operation, params: match.params };
		}
		return undefined;
	}

	#validator(key: string, pointer: string[]): ValidateFunction {
		let validate = this.#validators.get(key);
		if (!validate) {
			const start = performance.now();
			try {
				validate = this.#ajv.compile({ $ref: pointerRef(pointer) });
			} catch (error) {
				throw new Error(`Fake Discord: cannot compile the schema for ${key}`, { cause: error });
			}
			this.timings.compiles.push({ operation: key, ms: performance.now() - start });
			this.#validators.set(key, validate);
		}
		return validate;
	}

	/**
	 * Human-readable problems with a request: undocumented route, path parameters that break their schema, a body
	 * where none is expected, or a body that breaks the operation's `application/json` schema.
	 */
	validate(method: string, path: string, body: unknown): string[] {
		const label = `${method} ${path}`;
		const found = this.#find(method, path);
		if (!found) return [`${label}: no operation in the OpenAPI document`];
		const { operation, params } = found;
		const problems: string[] = [];
		for (const param of operation.pathParams) {
			const value = params[param.name];
			if (value === undefined) continue;
			const validate = this.#validator(param.key, param.pointer);
			if (!validate(value)) {
				problems.push(
					`${label}: path parameter ${param.name}=${JSON.stringify(value)}: ${formatErrors(validate.errors)}`,
				);
			}
		}
		if (body === undefined) return problems;
		if (!operation.hasRequestBody) {
			problems.push(`${label}: sent a body, but ${operation.operationId} takes none`);
			return problems;
		}
		const validate = this.#validator(operation.operationId, operation.pointer);
		if (!validate(body)) problems.push(`${label}: ${formatErrors(validate.errors)}`);
		return problems;
	}

	get document(): Record<string, unknown> {
		return this.#doc;
	}
}

function applyOverride(doc: Record<string, unknown>, pointer: string[], schema: unknown): void {
	const parentPath = pointer.slice(0, -1);
	const key = pointer.at(-1);
	let node: unknown = doc;
	for (const segment of parentPath) node = isRecord(node) ? node[segment] : undefined;
	if (!isRecord(node) || key === undefined || !(key in node)) {
		throw new Error(
			`Fake Discord: schema override target /${pointer.join('/')} is missing; the OpenAPI document changed`,
		);
	}
	node[key] = schema;
}

const cache = new Map<string, OpenApiValidator>();

/** One validator per document path and process, so several fakes (and test files in one worker) share compiles. */
export function openApiValidator(docPath: string = DEFAULT_OPENAPI_PATH): OpenApiValidator {
	const key = resolve(docPath);
	let validator = cache.get(key);
	if (!validator) {
		validator = new OpenApiValidator(key);
		cache.set(key, validator);
	}
	return validator;
}
