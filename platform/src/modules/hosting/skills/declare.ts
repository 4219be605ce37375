import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isTable, kindOf, type LayoutIssues, stringAt, type Table, warnUnknown } from '../layout/issues.js';

/** A skill's one tool, as `aerostack.json` declares it (decision 0053). */
export interface SkillTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  /** An external URL the platform calls instead of the worker's own `fetch`. */
  url?: string;
}

/** MCP's tool names: letters, digits, `_`, `-` and `.`, at most 128. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const ANNOTATION_FLAGS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];
/** A schema larger than this is not a skill's input (and is stored with every deployment). */
const MAX_SCHEMA_CHARS = 16_384;

/** Compiled input schemas kept (the least recently used one is dropped past this). */
const MAX_COMPILED = 1_000;

// ajv-formats is CJS with a default export; normalise its shape under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule.default;

// The SDK's settings (draft-07, formats, every error), except that a schema's `$id` is never
// registered: two projects' skills may use the same `$id` for different schemas.
const ajv = new Ajv({
  strict: false,
  validateFormats: true,
  validateSchema: false,
  allErrors: true,
  addUsedSchema: false,
});
addFormats(ajv);

/** What the skill's SDK Server is given (it validates only elicitation answers, never asked for). */
export const serverValidator = new AjvJsonSchemaValidator(ajv);

// Ajv keeps every schema it compiled: compiled ones are kept here by their text, bounded, and a
// dropped one is removed from Ajv too, so redeploys and reloads do not grow memory.
const compiled = new Map<string, { schema: object; validate: ValidateFunction }>();

/** The validator of `schema`, compiled once while it is in use; throws when it does not compile. */
export function validatorOf(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit.validate;
  }
  const own = structuredClone(schema);
  const validate = ajv.compile(own);
  compiled.set(key, { schema: own, validate });
  if (compiled.size > MAX_COMPILED) {
    const [oldest, entry] = compiled.entries().next().value as [string, { schema: object }];
    compiled.delete(oldest);
    ajv.removeSchema(entry.schema);
  }
  return validate;
}

/** Why `value` fails `validate` (after a failed call), as the SDK words it. */
export const failureOf = (validate: ValidateFunction): string => ajv.errorsText(validate.errors);

function inputSchemaAt(issues: LayoutIssues, tool: Table): Record<string, unknown> | undefined {
  const where = 'tool.inputSchema';
  const schema = tool.inputSchema;
  if (schema === undefined) {
    issues.error('tool', `\`${where}\` is required (a JSON Schema of type object).`);
    return undefined;
  }
  if (!isTable(schema) || schema.type !== 'object') {
    issues.error(where, `\`${where}\` must be a JSON Schema whose type is "object", not ${kindOf(schema)}.`);
    return undefined;
  }
  if (JSON.stringify(schema).length > MAX_SCHEMA_CHARS) {
    issues.error(where, `\`${where}\` is longer than ${MAX_SCHEMA_CHARS} characters.`);
    return undefined;
  }
  try {
    validatorOf(schema);
  } catch (error) {
    issues.error(where, `\`${where}\` is not a valid JSON Schema: ${(error as Error).message}.`);
    return undefined;
  }
  return schema;
}

function annotationsAt(issues: LayoutIssues, tool: Table): Record<string, unknown> | undefined {
  const annotations = tool.annotations;
  if (annotations === undefined) return undefined;
  if (!isTable(annotations)) {
    issues.error('tool.annotations', `\`tool.annotations\` must be a table, not ${kindOf(annotations)}.`);
    return undefined;
  }
  warnUnknown(issues, annotations, 'tool.annotations', ['title', ...ANNOTATION_FLAGS]);
  stringAt(issues, annotations, 'tool.annotations', 'title', { maxLength: 200 });
  for (const flag of ANNOTATION_FLAGS) {
    const value = annotations[flag];
    if (value !== undefined && typeof value !== 'boolean')
      issues.error(
        `tool.annotations.${flag}`,
        `\`tool.annotations.${flag}\` must be a boolean, not ${kindOf(value)}.`,
      );
  }
  return Object.fromEntries(
    Object.entries(annotations).filter(([key]) => key === 'title' || ANNOTATION_FLAGS.includes(key)),
  );
}

/**
 * `tool` of a skill's `aerostack.json`: required for kind `skill`, refused for the others (their
 * tools are their own code's). Problems go to `issues`, located at their key.
 */
export function readSkillTool(issues: LayoutIssues, doc: Table, isSkill: boolean): SkillTool | undefined {
  const tool = doc.tool;
  if (!isSkill) {
    if (tool !== undefined)
      issues.error('tool', '`tool` declares a skill\'s tool: set `"kind": "skill"` or remove it.');
    return undefined;
  }
  if (!isTable(tool)) {
    issues.error(
      tool === undefined ? '' : 'tool',
      tool === undefined
        ? 'A skill needs `tool` (its name, description and inputSchema).'
        : `\`tool\` must be a table, not ${kindOf(tool)}.`,
    );
    return undefined;
  }
  warnUnknown(issues, tool, 'tool', ['name', 'description', 'inputSchema', 'annotations', 'url']);
  const name = stringAt(issues, tool, 'tool', 'name', {
    required: true,
    pattern: TOOL_NAME,
    expect: 'must be letters, digits, _, - or ., at most 128',
  });
  const description = stringAt(issues, tool, 'tool', 'description', { maxLength: 1000 });
  const url = stringAt(issues, tool, 'tool', 'url', {
    pattern: /^https?:\/\/[^\s]+$/,
    expect: 'must be an http or https URL',
    maxLength: 2048,
  });
  const inputSchema = inputSchemaAt(issues, tool);
  const annotations = annotationsAt(issues, tool);
  if (name === undefined || inputSchema === undefined) return undefined;
  return {
    name,
    inputSchema,
    ...(description === undefined ? {} : { description }),
    ...(annotations === undefined ? {} : { annotations }),
    ...(url === undefined ? {} : { url }),
  };
}
