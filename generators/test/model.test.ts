import { describe, expect, it } from 'vitest';
import {
  type ApiModel,
  buildModel,
  type NamedType,
  type Namespace,
  type Operation,
} from '../src/model/index.js';
import { loadBehaviour, loadFixturesSpec, type OpenApiDocument } from '../src/spec.js';
import { fixtureSpec } from './fixture-spec.js';
import { loadTestSpec, TEST_SPECS } from './specs/index.js';

function tree(ns: Namespace): unknown {
  return {
    [ns.path.join('.') || '(client)']: {
      operations: ns.operations.map((op) => op.name),
      children: ns.children.map(tree),
    },
  };
}

function withOperation(operationId: string, tag: string): OpenApiDocument {
  return {
    ...fixtureSpec,
    paths: { '/x': { get: { operationId, tags: [tag], responses: { '204': { description: 'ok' } } } } },
  };
}

describe('buildModel', () => {
  const model = buildModel(fixtureSpec);

  it('groups operations into namespaces by operationId', () => {
    expect(tree(model.root)).toEqual({
      '(client)': {
        operations: [],
        children: [
          { system: { operations: ['ping'], children: [] } },
          {
            widgets: {
              operations: ['list', 'create', 'delete', 'update'],
              children: [
                {
                  'widgets.parts': {
                    operations: ['replace'],
                    children: [{ 'widgets.parts.colors': { operations: ['paint'], children: [] } }],
                  },
                },
              ],
            },
          },
        ],
      },
    });
  });

  it('maps nullable unions, aliases and JsonValue', () => {
    const widget = model.types.find((t) => t.name === 'Widget');
    if (widget?.kind !== 'object') throw new Error('no Widget');
    const field = (name: string) => widget.fields.find((f) => f.wireName === name);
    expect(field('createdAt')?.type).toEqual({ kind: 'datetime' });
    expect(field('updatedAt')?.type).toEqual({ kind: 'nullable', inner: { kind: 'datetime' } });
    expect(field('meta')?.type).toEqual({ kind: 'any' });
    expect(field('parts')?.type).toEqual({ kind: 'map', values: { kind: 'named', name: 'Part' } });
    expect(field('owner')?.type).toEqual({ kind: 'named', name: 'WidgetOwner' });
    const list = model.types.find((t) => t.name === 'WidgetList');
    if (list?.kind !== 'object') throw new Error('no WidgetList');
    expect(list.fields[1]?.type).toEqual({ kind: 'nullable', inner: { kind: 'string' } });
  });

  it('hoists inline objects and enums under names from where they appear', () => {
    const names = model.types.map((t) => t.name);
    expect(names).toContain('WidgetOwner');
    expect(names).toContain('PartKind');
    expect(names).toContain('WidgetsPartsColorsPaintRequest');
    expect(names).toContain('WidgetsPartsColorsPaintRequestColor');
  });

  it('reads parameters, bodies, auth and pagination', () => {
    const op = (id: string) => model.operations.find((o) => o.id === id);
    expect(op('widgets.list')?.pagination).toEqual({ item: { kind: 'named', name: 'Widget' } });
    expect(op('widgets.create')?.pagination).toBeUndefined();
    expect(op('system.ping')?.auth).toBe(false);
    expect(op('system.ping')?.response).toEqual({ kind: 'empty' });
    expect(op('widgets.update')?.response).toEqual({ kind: 'empty' });
    expect(op('widgets.update')?.body?.mediaType).toBe('application/merge-patch+json');
    expect(op('widgets.create')?.response).toEqual({ kind: 'json', type: { kind: 'named', name: 'Widget' } });
    expect(op('widgets.delete')?.params.map((p) => [p.location, p.wireName])).toEqual([
      ['path', 'widgetNumber'],
    ]);
    expect(op('widgets.parts.colors.paint')?.params.map((p) => p.wireName)).toEqual([
      'widgetNumber',
      'partId',
      'dryRun',
    ]);
    expect(op('widgets.parts.colors.paint')?.body?.required).toBe(false);
    expect(op('widgets.create')?.params[0]).toMatchObject({
      location: 'header',
      wireName: 'Idempotency-Key',
    });
  });

  it('rejects operationIds that break the convention', () => {
    expect(() => buildModel(withOperation('getThing', 'things'))).toThrow(/area\.verb/);
    expect(() => buildModel(withOperation('things.get', 'stuff'))).toThrow(/tag stuff/);
  });

  it('sorts error codes', () => {
    expect(model.errorCodes).toEqual([{ code: 'widgets/not-found', status: 404, title: 'Widget not found' }]);
  });
});

/** Lookups into a model that fail the test when the thing is missing. */
function lookup(model: ApiModel) {
  const type = (name: string): NamedType => {
    const found = model.types.find((t) => t.name === name);
    if (!found) throw new Error(`no type ${name}`);
    return found;
  };
  const op = (id: string): Operation => {
    const found = model.operations.find((o) => o.id === id);
    if (!found) throw new Error(`no operation ${id}`);
    return found;
  };
  const field = (typeName: string, wireName: string) => {
    const object = type(typeName);
    if (object.kind !== 'object') throw new Error(`${typeName} is a ${object.kind}`);
    return object.fields.find((f) => f.wireName === wireName);
  };
  return { type, op, field };
}

const named = (name: string) => ({ kind: 'named', name });

describe('the snapshot specs', () => {
  it.each(TEST_SPECS)('%s builds the same model every time', (name) => {
    expect(JSON.stringify(buildModel(loadTestSpec(name)))).toBe(
      JSON.stringify(buildModel(loadTestSpec(name))),
    );
  });

  it('unions: named unions, hoisted variants, literals and discriminator mappings', () => {
    const model = buildModel(loadTestSpec('unions'));
    const { type, field, op } = lookup(model);
    expect(model.types.map((t) => `${t.kind} ${t.name}`)).toEqual([
      'union Shape',
      'object Circle',
      'object Square',
      'union ShapeCreate',
      'object ShapeCreateCircle',
      'object ShapeCreateSquare',
      'object ShapeEvent',
      'union ShapeEventChange',
      'object ShapeEventChangeVariant1',
      'object ShapeEventChangeMoved',
      'union ShapeEventPrevious',
      'union Owner',
      'object User',
      'object Team',
      'object ShapesListResponse',
    ]);
    expect(type('Shape')).toEqual({
      kind: 'union',
      name: 'Shape',
      description: 'A shape, by its kind.',
      variants: [named('Circle'), named('Square')],
      discriminator: { property: 'kind', mapping: { circle: 'Circle', square: 'Square' } },
    });
    // const and a one-value enum on a variant are literals.
    expect(field('Circle', 'kind')?.type).toEqual({ kind: 'literal', value: 'circle' });
    expect(field('Square', 'kind')?.type).toEqual({ kind: 'literal', value: 'square' });
    // Inline variants are named by their discriminator value; the mapping comes from the literals.
    expect(type('ShapeCreate')).toMatchObject({
      variants: [named('ShapeCreateCircle'), named('ShapeCreateSquare')],
      discriminator: {
        property: 'kind',
        mapping: { circle: 'ShapeCreateCircle', square: 'ShapeCreateSquare' },
      },
    });
    expect(field('ShapeCreateSquare', 'kind')?.type).toEqual({ kind: 'literal', value: 'square' });
    // Without a discriminator: by title, else by position; clients try the variants in order.
    expect(type('ShapeEventChange')).toEqual({
      kind: 'union',
      name: 'ShapeEventChange',
      variants: [named('ShapeEventChangeVariant1'), named('ShapeEventChangeMoved')],
    });
    expect(field('ShapeEvent', 'change')?.type).toEqual(named('ShapeEventChange'));
    expect(field('ShapeEvent', 'previous')?.type).toEqual({
      kind: 'nullable',
      inner: named('ShapeEventPrevious'),
    });
    expect(type('ShapeEventPrevious')).toMatchObject({ variants: [named('Circle'), named('Square')] });
    // oneOf [X, null] is a nullable X; anyOf with a discriminator maps by schema name.
    expect(field('ShapeEvent', 'owner')?.type).toEqual({ kind: 'nullable', inner: named('Owner') });
    expect(type('Owner')).toMatchObject({
      discriminator: { property: 'type', mapping: { User: 'User', Team: 'Team' } },
    });
    expect(field('User', 'type')?.type).toEqual({ kind: 'string' });
    // A const outside a union keeps its type.
    expect(field('ShapeEvent', 'label')?.type).toEqual({ kind: 'string' });
    expect(op('shapes.create').body).toEqual({
      kind: 'json',
      mediaType: 'application/json',
      type: named('ShapeCreate'),
      required: true,
      fields: [],
    });
  });

  it('unions: variants that would share a name are named by position', () => {
    const variant = (field: string) => ({
      type: 'object',
      properties: { version: { const: 'v1' }, [field]: { type: 'string' } },
    });
    const doc: OpenApiDocument = {
      ...fixtureSpec,
      components: {
        ...fixtureSpec.components,
        schemas: { ...fixtureSpec.components?.schemas, Pick: { oneOf: [variant('a'), variant('b')] } },
      },
    };
    const { type, field } = lookup(buildModel(doc));
    expect(type('Pick')).toMatchObject({ variants: [named('PickVariant1'), named('PickVariant2')] });
    expect(field('PickVariant2', 'version')?.type).toEqual({ kind: 'literal', value: 'v1' });
  });

  it('nullables: absent, null and present are three states', () => {
    const { field, op } = lookup(buildModel(loadTestSpec('nullables')));
    const state = (name: string) => {
      const f = field('Note', name);
      return [f?.required, f?.type.kind === 'nullable'];
    };
    expect(state('id')).toEqual([true, false]);
    expect(state('archivedAt')).toEqual([true, true]);
    expect(state('color')).toEqual([true, true]);
    expect(state('body')).toEqual([false, false]);
    expect(state('dueAt')).toEqual([false, true]);
    expect(state('attachment')).toEqual([false, true]);
    expect(field('Note', 'color')?.type).toEqual({ kind: 'nullable', inner: named('NoteColor') });
    expect(field('Note', 'attachment')?.type).toEqual({ kind: 'nullable', inner: named('NoteAttachment') });
    expect(field('Note', 'tags')?.type).toEqual({
      kind: 'array',
      items: { kind: 'nullable', inner: { kind: 'string' } },
    });
    const body = op('notes.update').body;
    expect(body?.kind === 'json' && body.mediaType).toBe('application/merge-patch+json');
    expect(body?.kind === 'json' && body.fields.map((f) => [f.wireName, f.required, f.type.kind])).toEqual([
      ['title', false, 'string'],
      ['archivedAt', false, 'nullable'],
      ['body', false, 'nullable'],
    ]);
  });

  it('enums: component, hoisted and parameter enums; one-value enums and consts outside unions', () => {
    const model = buildModel(loadTestSpec('enums'));
    const { type, field, op } = lookup(model);
    expect(type('TaskStatus')).toEqual({
      kind: 'enum',
      name: 'TaskStatus',
      description: 'Where a task is.',
      values: ['todo', 'in-progress', 'done'],
    });
    expect(type('TaskPriority')).toMatchObject({ kind: 'enum', values: ['low', 'normal', 'high'] });
    expect(type('TaskKind')).toMatchObject({ kind: 'enum', values: ['task'] });
    expect(field('Task', 'version')?.type).toEqual({ kind: 'string' });
    expect(field('Task', 'weight')?.type).toEqual({ kind: 'integer' });
    expect(field('Task', 'previousStatus')?.type).toEqual({ kind: 'nullable', inner: named('TaskStatus') });
    expect(op('tasks.list').params.map((p) => p.type)).toEqual([
      named('TaskStatus'),
      named('TasksListOrder'),
    ]);
  });

  it('pagination: only a cursor list answering {data, nextCursor}', () => {
    const { op } = lookup(buildModel(loadTestSpec('pagination')));
    expect(op('items.list').pagination).toEqual({ item: named('Item') });
    expect(op('items.recent').pagination).toBeUndefined();
    expect(op('items.list').params.find((p) => p.wireName === 'tag')?.type).toEqual({
      kind: 'array',
      items: { kind: 'string' },
    });
  });

  it('streams: events by name with their types, a 204 as an ended stream', () => {
    const { type, op } = lookup(buildModel(loadTestSpec('streams')));
    expect(op('jobs.watch').response).toEqual({
      kind: 'events',
      events: [
        { name: 'progress', type: named('Progress') },
        { name: 'done', type: named('JobsWatchDoneEvent') },
      ],
      emptyStatuses: [204],
    });
    expect(type('JobsWatchDoneEvent')).toMatchObject({ kind: 'object' });
    expect(op('jobs.watch').params.map((p) => p.wireName)).toEqual(['jobId', 'Last-Event-ID']);
    expect(op('jobs.run').response).toEqual({
      kind: 'events',
      events: [{ name: 'line', type: { kind: 'string' } }],
      emptyStatuses: [],
    });
    expect(op('jobs.run').idempotencyKey).toBe(true);
    expect(op('jobs.watch').idempotencyKey).toBe(false);
  });

  it('uploads: bytes and multipart bodies, file parts, an idempotency key through a $ref', () => {
    const { op } = lookup(buildModel(loadTestSpec('uploads')));
    expect(op('files.put').body).toEqual({
      kind: 'bytes',
      mediaType: 'application/octet-stream',
      required: true,
    });
    expect(op('files.append').body).toEqual({ kind: 'bytes', mediaType: 'text/plain', required: false });
    expect(op('files.append').response).toEqual({ kind: 'empty' });
    const form = op('files.submit').body;
    expect(form).toMatchObject({ kind: 'multipart', mediaType: 'multipart/form-data', required: true });
    expect(form?.kind === 'multipart' && form.fields.map((f) => [f.wireName, f.type, f.required])).toEqual([
      ['title', { kind: 'string' }, true],
      ['visibility', named('FilesSubmitRequestVisibility'), false],
      ['pages', { kind: 'integer' }, false],
      ['document', { kind: 'file' }, true],
      ['thumbnail', { kind: 'file' }, false],
    ]);
    expect(op('files.submit').idempotencyKey).toBe(true);
  });

  it('downloads: media types and every 2xx and 3xx status', () => {
    const { op } = lookup(buildModel(loadTestSpec('downloads')));
    expect(op('files.download').response).toEqual({
      kind: 'bytes',
      mediaTypes: ['application/octet-stream'],
      statuses: [200, 206, 304],
    });
    expect(op('files.image').response).toEqual({
      kind: 'bytes',
      mediaTypes: ['image/png', 'image/jpeg'],
      statuses: [200],
    });
  });
});

describe('the fixture spec of the platform', () => {
  const model = buildModel(loadFixturesSpec());
  const { op } = lookup(model);

  it('holds the fixture operations only, with the shared components', () => {
    expect(model.root.children.map((c) => c.path.join('.'))).toEqual(['fixtures']);
    expect(model.errorCodes.map((c) => c.code)).toContain('fixtures/not-found');
    expect(model.errorCodes.map((c) => c.code)).toContain('request/range-not-satisfiable');
  });

  it('reads streams, uploads, downloads, forms and repeated parameters', () => {
    expect(op('fixtures.events').response).toEqual({
      kind: 'events',
      events: [{ name: 'tick', type: named('Tick') }],
      emptyStatuses: [204],
    });
    expect(op('fixtures.upload').body).toEqual({
      kind: 'bytes',
      mediaType: 'application/octet-stream',
      required: true,
    });
    expect(op('fixtures.download').response).toEqual({
      kind: 'bytes',
      mediaTypes: ['application/octet-stream'],
      statuses: [200, 206, 304],
    });
    expect(op('fixtures.form').body?.kind).toBe('multipart');
    expect(op('fixtures.empty').response).toEqual({ kind: 'empty' });
    expect(op('fixtures.tags').params[0]).toMatchObject({ wireName: 'tag', type: { kind: 'array' } });
    expect(op('fixtures.slowCreate').idempotencyKey).toBe(true);
    expect(op('fixtures.upload').idempotencyKey).toBe(false);
  });
});

describe('the real spec', () => {
  it('marks the operations that declare Idempotency-Key', async () => {
    const { loadSpec, REPO_ROOT } = await import('../src/spec.js');
    const model = buildModel(loadSpec(`${REPO_ROOT}/spec/openapi.json`));
    const keyed = model.operations.filter((o) => o.idempotencyKey).map((o) => o.id);
    expect(keyed).toContain('projects.create');
    expect(keyed).not.toContain('cache.increment');
  });

  it('carries spec/clients/behaviour.json', () => {
    expect(buildModel(fixtureSpec).behaviour).toEqual(loadBehaviour());
    expect(loadBehaviour()).toMatchObject({ idempotency: { header: 'Idempotency-Key' } });
    expect(loadBehaviour()).not.toHaveProperty('$comment');
  });
});
