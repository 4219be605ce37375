import { describe, expect, it } from 'vitest';
import { buildModel, type Namespace } from '../src/model/index.js';
import type { OpenApiDocument } from '../src/spec.js';
import { fixtureSpec } from './fixture-spec.js';

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
