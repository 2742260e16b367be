/**
 * Checks HTTP responses against docs/openapi.yaml: the status must be listed for the operation the
 * method and path select (or, for requests no operation matches, by `x-default-route`), every
 * required header must be there and every documented header must match its schema, and the body
 * must be of a documented media type and match its schema. Schemas are validated by Ajv (JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1) against the document itself, so the check cannot
 * drift from the contract clients generate their code from.
 *
 * The document leaves response objects open (clients must ignore unknown fields, so a field can be
 * added without breaking an app already in the stores); the check closes them, so the service
 * cannot grow a field the document does not list.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url));

/** What a client saw; `path` is the request's path without the query. */
export interface ObservedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers | Readonly<Record<string, string>>;
  /** The body as received; empty when there was none. */
  readonly body: string;
}

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

export interface Contract {
  /** Throws a {@link ContractViolation} naming every way the response departs from the document. */
  check(response: ObservedResponse): void;
  /** Fetches, checks the response, and returns it with its body read (JSON parsed when it is JSON). */
  fetch(url: string, init?: RequestInit): Promise<CheckedResponse>;
  /** A fetch for clients that take one (openapi-fetch): checks each response, then hands it on unread. */
  checkingFetch(request: Request): Promise<Response>;
}

export interface CheckedResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever fields the document promised.
  readonly body: any;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// ajv-formats is CommonJS with a default export that NodeNext sees as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'openapi.json';
/** Where the document lists the Django-era trailing-slash spellings, outside `paths` (generators skip them). */
const TRAILING_SLASH_PATHS = 'x-trailing-slash-paths';

export interface ContractOptions {
  /**
   * Checks bodies as if every object schema of `components.schemas` that does not set
   * `additionalProperties` set it to `false`: a field the document does not list is a violation.
   * @default true
   */
  readonly closeObjects?: boolean;
}

export function loadContract(file: string = OPENAPI_FILE, options: ContractOptions = {}): Contract {
  return createContract(parse(readFileSync(file, 'utf8')) as JsonObject, options);
}

/**
 * A copy of the document whose named object schemas refuse properties they do not list, unless they
 * say `additionalProperties` themselves (the OpenAPI document served at /openapi.json does).
 * Fragments inside `allOf` that narrow one property are left as they are.
 */
export function closeObjectSchemas(document: JsonObject): JsonObject {
  const copy = structuredClone(document);
  const schemas = ((copy.components as JsonObject | undefined)?.schemas ?? {}) as JsonObject;
  for (const schema of Object.values(schemas)) {
    if (schema && typeof schema === 'object' && !Array.isArray(schema) && 'properties' in schema) {
      if (!('additionalProperties' in schema)) schema.additionalProperties = false;
    }
  }
  return copy;
}

export function createContract(original: JsonObject, options: ContractOptions = {}): Contract {
  const document = options.closeObjects === false ? original : closeObjectSchemas(original);
  const bodies = new Ajv2020({ allErrors: true, strict: true });
  // Header values are strings on the wire; `Retry-After: 5` must satisfy `type: integer`.
  const headers = new Ajv2020({ allErrors: true, strict: true, coerceTypes: true });
  for (const ajv of [bodies, headers]) {
    addFormats(ajv);
    // The document's top-level fields are not schema keywords; only fragments of it are compiled.
    ajv.addVocabulary([
      'openapi',
      'info',
      'servers',
      'tags',
      'paths',
      'components',
      'x-default-route',
      TRAILING_SLASH_PATHS,
    ]);
    ajv.addSchema(document, DOCUMENT_ID);
  }
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ajv: Ajv2020, key: string, schema: object): ValidateFunction => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    return validate;
  };

  const check = (response: ObservedResponse): void => {
    const where = `${response.method.toUpperCase()} ${response.path} -> ${response.status}`;
    const found = responseFor(document, response.method, response.path, response.status);
    if ('problem' in found) throw new ContractViolation(`${where}: ${found.problem}`);
    const { pointer, object } = found;
    const problems: string[] = [];
    const received = lowerCaseHeaders(response.headers);

    const headerSpecs = resolveEach(document, pointer, object, 'headers');
    if (headerSpecs.length > 0) {
      const schema = {
        type: 'object',
        required: headerSpecs.filter((h) => h.object.required === true).map((h) => h.name.toLowerCase()),
        properties: Object.fromEntries(
          headerSpecs.map((h) => [h.name.toLowerCase(), { $ref: `${DOCUMENT_ID}#${h.pointer}/schema` }]),
        ),
      };
      const validate = validator(headers, `headers ${pointer}`, schema);
      const subject = Object.fromEntries(headerSpecs.flatMap((h) => entry(received, h.name.toLowerCase())));
      if (!validate(subject)) problems.push(headers.errorsText(validate.errors, { dataVar: 'headers' }));
    }

    const content = object.content as JsonObject | undefined;
    if (!content) {
      if (response.body !== '') problems.push(`a body where the document lists none: ${response.body.slice(0, 200)}`);
    } else {
      const mediaType = (received['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!(mediaType in content)) {
        problems.push(`content type "${mediaType}" is not one of ${Object.keys(content).join(', ')}`);
      } else {
        const body = parseBody(mediaType, response.body);
        if ('problem' in body) problems.push(body.problem);
        else {
          const ref = `${DOCUMENT_ID}#${pointer}/content/${pointerToken(mediaType)}/schema`;
          const validate = validator(bodies, ref, { $ref: ref });
          if (!validate(body.value)) problems.push(bodies.errorsText(validate.errors, { dataVar: 'body' }));
        }
      }
    }
    if (problems.length > 0) {
      throw new ContractViolation(`${where} departs from docs/openapi.yaml:\n- ${problems.join('\n- ')}`);
    }
  };

  return {
    check,
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      const text = await response.text();
      check({
        method: init?.method ?? 'GET',
        path: new URL(url).pathname,
        status: response.status,
        headers: response.headers,
        body: text,
      });
      const json = /^application\/(.+\+)?json\b/.test(response.headers.get('content-type') ?? '');
      return { status: response.status, headers: response.headers, text, body: text && json ? JSON.parse(text) : {} };
    },
    checkingFetch: async (request) => {
      const { method, url } = request;
      const response = await fetch(request);
      const body = await response.clone().text();
      check({ method, path: new URL(url).pathname, status: response.status, headers: response.headers, body });
      return response;
    },
  };
}

/** The response object the document lists for this status of the operation the request selects. */
function responseFor(
  document: JsonObject,
  method: string,
  path: string,
  status: number,
): { pointer: string; object: JsonObject } | { problem: string } {
  // A path the document names, or else one whose parameters it fills (`/me/passkeys/{id}`).
  const named = Object.hasOwn(document.paths as JsonObject, path)
    ? path
    : (Object.keys(document.paths as JsonObject).find((template) => fillsTemplate(template, path)) ?? path);
  const listing = Object.hasOwn(document.paths as JsonObject, named) ? 'paths' : TRAILING_SLASH_PATHS;
  const listed = (document[listing] ?? {}) as JsonObject;
  const key = listing === 'paths' ? named : path;
  const pathItem = Object.hasOwn(listed, key) ? (listed[key] as JsonObject) : undefined;
  const lower = method.toLowerCase();
  let base: string;
  let allowed: (code: string) => boolean = () => true;
  if (pathItem && lower in pathItem && METHODS.includes(lower)) {
    base = `/${listing}/${pointerToken(key)}/${lower}/responses`;
  } else {
    // Unrouted: an unknown path is never 405, a known path with another method never 404.
    base = '/x-default-route/responses';
    allowed = (code) => code !== (pathItem ? '404' : '405');
  }
  const responses = at(document, base) as JsonObject | undefined;
  if (!responses) return { problem: `the document has no responses at #${base}` };
  const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => c in responses && allowed(c));
  if (!code) {
    const listed = Object.keys(responses).filter(allowed).join(', ');
    const operation = base.startsWith('/x-default-route') ? 'a request no operation matches' : 'this operation';
    return { problem: `status ${status} is not documented for ${operation} (documented: ${listed})` };
  }
  return resolve(document, `${base}/${pointerToken(code)}`);
}

/** Whether a request path fills an OpenAPI path template's parameters, each with one non-empty segment. */
function fillsTemplate(template: string, path: string): boolean {
  if (!template.includes('{')) return false;
  const expected = template.split('/');
  const actual = path.split('/');
  return (
    expected.length === actual.length &&
    expected.every((segment, i) => (/^\{\w+\}$/.test(segment) ? actual[i] !== '' : segment === actual[i]))
  );
}

/** Follows `$ref`s (local ones, as the document uses) to the object and its JSON pointer. */
function resolve(document: JsonObject, pointer: string): { pointer: string; object: JsonObject } {
  let current = pointer;
  for (let hops = 0; hops < 10; hops++) {
    const object = at(document, current) as JsonObject | undefined;
    if (!object) throw new ContractViolation(`docs/openapi.yaml has nothing at #${current}`);
    const ref = object.$ref;
    if (typeof ref !== 'string') return { pointer: current, object };
    if (!ref.startsWith('#/')) throw new ContractViolation(`only local references are supported, got ${ref}`);
    current = ref.slice(1);
  }
  throw new ContractViolation(`a $ref cycle at #${pointer}`);
}

function resolveEach(document: JsonObject, pointer: string, object: JsonObject, field: string) {
  const map = (object[field] ?? {}) as JsonObject;
  return Object.keys(map).map((name) => ({ name, ...resolve(document, `${pointer}/${field}/${pointerToken(name)}`) }));
}

function at(document: Json, pointer: string): Json | undefined {
  let node: Json | undefined = document;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as JsonObject)[key];
  }
  return node;
}

function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function lowerCaseHeaders(headers: Headers | Readonly<Record<string, string>>): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.map(([name, value]) => [name.toLowerCase(), value]));
}

function entry(headers: Record<string, string>, name: string): [string, string][] {
  const value = headers[name];
  return value === undefined ? [] : [[name, value]];
}

function parseBody(mediaType: string, text: string): { value: unknown } | { problem: string } {
  if (!/^application\/(.+\+)?json$/.test(mediaType)) return { value: text };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { problem: `the body is not JSON: ${text.slice(0, 200)}` };
  }
}
