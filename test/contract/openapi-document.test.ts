import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROUTES } from '../../lambdas/http/routes.js';
import { CLIENT_TYPES_FILE } from '../../scripts/generate-openapi.js';
import { closeObjectSchemas, createContract, loadContract, OPENAPI_FILE } from './openapi-contract.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const document = parse(readFileSync(OPENAPI_FILE, 'utf8')) as JsonObject;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function at(pointer: string): Json | undefined {
  let node: Json | undefined = document;
  for (const token of pointer.split('/').slice(1)) {
    node = (node as JsonObject | undefined)?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** Every schema a response body can take, `$ref`s followed, with where it was reached from. */
function responseSchemas(): { where: string; schema: JsonObject }[] {
  const found: { where: string; schema: JsonObject }[] = [];
  const seen = new Set<Json>();
  const visit = (node: Json | undefined, where: string): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${where}/${i}`);
      return;
    }
    if (typeof node.$ref === 'string') {
      visit(at(node.$ref.slice(1)), node.$ref);
      return;
    }
    found.push({ where, schema: node });
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value && typeof value === 'object') {
        for (const [name, property] of Object.entries(value)) visit(property, `${where}/properties/${name}`);
      } else if (['items', 'allOf', 'anyOf', 'oneOf', 'additionalProperties'].includes(key)) {
        visit(value, `${where}/${key}`);
      }
    }
  };
  const responsesOf = (pathItems: JsonObject) =>
    Object.values(pathItems).flatMap((item) =>
      Object.entries(item as JsonObject)
        .filter(([method]) => METHODS.includes(method))
        .flatMap(([, operation]) => Object.values((operation as JsonObject).responses as JsonObject)),
    );
  const responses = [
    ...responsesOf(document.paths as JsonObject),
    ...responsesOf(document['x-trailing-slash-paths'] as JsonObject),
    ...Object.values((document['x-default-route'] as JsonObject).responses as JsonObject),
  ];
  for (const response of responses) {
    const resolved = (
      typeof (response as JsonObject).$ref === 'string'
        ? at(((response as JsonObject).$ref as string).slice(1))
        : response
    ) as JsonObject;
    for (const media of Object.values((resolved.content ?? {}) as JsonObject)) {
      visit((media as JsonObject).schema, 'response');
    }
  }
  return found;
}

describe('docs/openapi.yaml for client generators', () => {
  it('leaves every response schema open, so a client generated today survives a field added tomorrow', () => {
    const schemas = responseSchemas();
    // TokenPair, Me, the errors and the rest: the check must see them to mean anything.
    expect(schemas.length).toBeGreaterThan(20);
    expect(schemas.map((s) => s.where)).toEqual(
      expect.arrayContaining(['#/components/schemas/TokenPair', '#/components/schemas/Me']),
    );
    expect(schemas.filter((s) => s.schema.additionalProperties === false).map((s) => s.where)).toEqual([]);
    expect(document.info).toMatchObject({ description: expect.stringContaining('Clients must ignore unknown fields') });
  });

  it('lists each route once: slash-free spellings in paths, the Django-era trailing-slash ones outside it', () => {
    const listed = (key: string) =>
      Object.entries(document[key] as JsonObject).flatMap(([path, item]) =>
        Object.keys(item as JsonObject)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
    const served = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(listed('paths').sort()).toEqual(served.filter((r) => !r.endsWith('/')).sort());
    expect(listed('x-trailing-slash-paths').sort()).toEqual([
      'POST /logout/',
      'POST /send-otp/',
      'POST /token/refresh/',
      'POST /verify-otp/',
    ]);
    expect(served.filter((r) => r.endsWith('/')).sort()).toEqual(listed('x-trailing-slash-paths').sort());
  });

  it('gives the example client one operation per route: no trailing-slash path in its generated types', () => {
    const types = readFileSync(CLIENT_TYPES_FILE, 'utf8');
    const generatedPaths = [...types.matchAll(/^ {4}"(\/[^"]*)": \{$/gm)].map((m) => m[1]);
    expect(generatedPaths).toContain('/send-otp');
    expect(generatedPaths).toContain('/me/phone-number/verify');
    expect(generatedPaths.filter((p) => p?.endsWith('/'))).toEqual([]);
    expect(types).not.toMatch(/TrailingSlash/);
  });
});

describe('the contract check closes what the document leaves open', () => {
  const undocumentedField = {
    method: 'POST',
    path: '/verify-otp/',
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ access: 'a.b.c', refresh: 'f.s', token_type: 'Bearer', expires_in: 900, id_token: 'x' }),
  };

  it('refuses a field the document does not list, on a trailing-slash spelling too', () => {
    expect(() => loadContract().check(undocumentedField)).toThrow(/body must NOT have additional properties/);
  });

  it('only in the tests: the document itself accepts the same body', () => {
    expect(() => createContract(document, { closeObjects: false }).check(undocumentedField)).not.toThrow();
    // The served document describes only its own top, so it stays open even when closed.
    const closed = closeObjectSchemas(document) as { components: { schemas: Record<string, JsonObject> } };
    expect(closed.components.schemas.OpenApiDocument?.additionalProperties).toBe(true);
    expect(closed.components.schemas.Me?.additionalProperties).toBe(false);
    expect((document.components as { schemas: Record<string, JsonObject> }).schemas.Me).not.toHaveProperty(
      'additionalProperties',
    );
  });
});
