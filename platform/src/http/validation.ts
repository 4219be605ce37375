import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldProblem } from './problem.js';
import type { JsonSchema, OpenApiDocument, SpecBody, SpecOperation } from './spec.js';

// JSON Schema 2020-12 validation of requests (and, in tests, responses) against the spec,
// compiled once per operation at boot.

const SPEC_ID = 'https://aerostack.dev/openapi.json';
type Location = 'path' | 'query' | 'header' | 'body';

// ajv-formats is CJS with a default export; normalise its shape under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule.default;

function newAjv(document: OpenApiDocument, coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: coerce, useDefaults: true });
  addFormats(ajv);
  // multipart file fields are declared `format: binary`; the router hands them over as files.
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: document.components.schemas } });
  return ajv;
}

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
  /** Validates a JSON (or multipart fields) body, applying schema defaults; returns the problems. */
  body(body: unknown): FieldProblem[];
  /**
   * Checks a response: its status must be declared explicitly (only 500 may fall to `default`),
   * its kind must match the declaration, and a JSON body must match the schema.
   */
  response(status: number, kind: SpecBody['kind'], body?: unknown): FieldProblem[];
  /** Checks one event of an event stream against the declared schema of its name. */
  event(status: number, name: string, data: unknown): FieldProblem[];
}

export interface ValidatorFactory {
  compile(op: SpecOperation): Validators;
}

/** Compiles validators against one spec document (the bundled spec, plus fixtures in tests). */
export function createValidatorFactory(document: OpenApiDocument): ValidatorFactory {
  const paramsAjv = newAjv(document, true); // path, query and header values arrive as strings
  const bodyAjv = newAjv(document, false);

  const NONE: FieldProblem[] = [];

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

  return {
    compile(op) {
      const params = {
        path: compileParams(op, 'path'),
        query: compileParams(op, 'query'),
        header: compileParams(op, 'header'),
      };
      // Most requests of most operations carry no parameter of a kind the operation lacks: skip Ajv.
      const declares = {
        path: op.parameters.some((p) => p.in === 'path'),
        query: op.parameters.some((p) => p.in === 'query'),
        header: op.parameters.some((p) => p.in === 'header'),
      };
      const bodySchema = op.requestBody?.schema;
      const body = bodySchema ? bodyAjv.compile(anchored(bodySchema)) : null;
      const responses = new Map<string, { kind: SpecBody['kind']; validate: ValidateFunction | null }>();
      const events = new Map<string, Map<string, ValidateFunction>>();
      for (const [status, declared] of Object.entries(op.responses)) {
        const validate = declared.schema ? bodyAjv.compile(anchored(declared.schema)) : null;
        responses.set(status, { kind: declared.kind, validate });
        if (declared.events) {
          events.set(
            status,
            new Map(Object.entries(declared.events).map(([name, s]) => [name, bodyAjv.compile(anchored(s))])),
          );
        }
      }
      return {
        params(location, values) {
          if (!declares[location]) {
            let empty = true;
            for (const _ in values) empty = false;
            if (empty) return NONE;
          }
          const validate = params[location];
          return validate(values) ? [] : toFieldProblems(location, validate.errors);
        },
        body(value) {
          if (!body) return [];
          return body(value) ? [] : toFieldProblems('body', body.errors);
        },
        response(status, kind, value) {
          const declared =
            responses.get(String(status)) ?? (status === 500 ? responses.get('default') : undefined);
          if (!declared) return [{ location: 'response', message: `status ${status} is not declared` }];
          if (declared.kind !== kind) {
            return [
              {
                location: 'response',
                message: `status ${status} is declared as ${declared.kind}, sent ${kind}`,
              },
            ];
          }
          if (!declared.validate || declared.validate(value)) return [];
          return toFieldProblems('body', declared.validate.errors);
        },
        event(status, name, data) {
          const validate = events.get(String(status))?.get(name);
          if (!validate) return [{ location: 'event', message: `event "${name}" is not declared` }];
          return validate(data) ? [] : toFieldProblems('body', validate.errors);
        },
      };
    },
  };
}
