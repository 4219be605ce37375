import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldProblem } from './problem.js';
import { type JsonSchema, type SpecOperation, spec } from './spec.js';

// JSON Schema 2020-12 validation of requests (and, in tests, responses) against the spec,
// compiled once per operation at boot.

const SPEC_ID = 'https://aerostack.dev/openapi.json';
type Location = 'path' | 'query' | 'header' | 'body';

// ajv-formats is CJS with a default export; normalise its shape under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule.default;

function newAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: coerce, useDefaults: true });
  addFormats(ajv);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: spec.components.schemas } });
  return ajv;
}

const paramsAjv = newAjv(true); // path, query and header values arrive as strings
const bodyAjv = newAjv(false);

/** A deep copy of `schema` whose local refs point into the registered spec document. */
function anchored(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema), (key, value) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? SPEC_ID + value : value,
  );
}

function toFieldProblems(location: Location, errors: ErrorObject[] | null | undefined): FieldProblem[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === 'required'
        ? `/${(e.params as { missingProperty: string }).missingProperty}`
        : e.keyword === 'additionalProperties'
          ? `/${(e.params as { additionalProperty: string }).additionalProperty}`
          : '';
    const message =
      e.keyword === 'required'
        ? 'is required'
        : e.keyword === 'additionalProperties'
          ? 'is not allowed'
          : e.message;
    return { location: `${location}${e.instancePath}${extra}`, message: message ?? 'is invalid' };
  });
}

export interface Validators {
  /** Validates and coerces `values` in place; returns the problems, empty when valid. */
  params(location: Exclude<Location, 'body'>, values: Record<string, unknown>): FieldProblem[];
  /** Validates `body` (applying schema defaults); returns the problems, empty when valid. */
  body(body: unknown): FieldProblem[];
  /** Validates a response body against the schema declared for `status`; returns the problems. */
  response(status: number, body: unknown): FieldProblem[];
}

function compileParams(op: SpecOperation, location: Exclude<Location, 'body'>): ValidateFunction {
  const declared = op.parameters.filter((p) => p.in === location);
  // Header names are case-insensitive; the router hands them over lower-cased.
  const name = (n: string) => (location === 'header' ? n.toLowerCase() : n);
  return paramsAjv.compile({
    type: 'object',
    properties: Object.fromEntries(declared.map((p) => [name(p.name), anchored(p.schema)])),
    required: declared.filter((p) => p.required).map((p) => name(p.name)),
    // Unknown query parameters are rejected like unknown body fields; other headers are not ours.
    additionalProperties: location !== 'query',
  });
}

export function compileValidators(op: SpecOperation): Validators {
  const params = {
    path: compileParams(op, 'path'),
    query: compileParams(op, 'query'),
    header: compileParams(op, 'header'),
  };
  const body = op.requestBody ? bodyAjv.compile(anchored(op.requestBody.schema)) : null;
  const responses = new Map<string, ValidateFunction>();
  for (const [status, schema] of Object.entries(op.responses)) {
    if (schema) responses.set(status, bodyAjv.compile(anchored(schema)));
  }
  return {
    params(location, values) {
      const validate = params[location];
      return validate(values) ? [] : toFieldProblems(location, validate.errors);
    },
    body(value) {
      if (!body) return [];
      return body(value) ? [] : toFieldProblems('body', body.errors);
    },
    response(status, value) {
      const validate =
        responses.get(String(status)) ?? (status >= 400 ? responses.get('default') : undefined);
      if (!validate) return [{ location: 'response', message: `status ${status} is not declared` }];
      return validate(value) ? [] : toFieldProblems('body', validate.errors);
    },
  };
}
