import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
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

/** One shared validator: it compiles and caches each schema (the SDK's Ajv, draft-07 and formats). */
export const schemaValidator = new AjvJsonSchemaValidator();

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
    schemaValidator.getValidator(schema);
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
