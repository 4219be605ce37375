// The Python emitter, construct by construct, over the snapshot specs (specs/README.md): what a
// user of the generated client sees for each construct. The snapshots pin whole files; these
// say which lines matter and why.
import { describe, expect, it } from 'vitest';
import { generateLanguage } from '../src/generate.js';
import { buildModel } from '../src/model/index.js';
import { renderBehaviour } from '../src/python/client.js';
import { loadTestSpec, type TestSpec } from './specs/index.js';

function file(spec: TestSpec, path: string): string {
  const found = generateLanguage('python', loadTestSpec(spec)).find(
    (f) => f.path === `python/aerostack/${path}`,
  );
  if (!found) throw new Error(`no ${path} for ${spec}`);
  return found.content;
}

describe('Python emitter', () => {
  it('keeps omitted and null apart: optional arguments default to NOT_GIVEN, nullable ones admit None', () => {
    const notes = file('nullables', 'resources/notes.py');
    expect(notes).toContain('title: Union[str, NotGiven] = NOT_GIVEN,');
    expect(notes).toContain('archived_at: Union[Optional[datetime], NotGiven] = NOT_GIVEN,');
    expect(notes).toContain('json=strip_not_given(');
    const models = file('nullables', 'models.py');
    // required and nullable: no default; optional: None when absent (model_fields_set tells).
    expect(models).toMatch(/archived_at: Optional\[datetime\] = Field\(alias="archivedAt"\)/);
  });

  it('renders enums as Literal aliases and discriminated unions as annotated Unions', () => {
    expect(file('enums', 'models.py')).toMatch(/^TaskStatus = Literal\[/m);
    const unions = file('unions', 'models.py');
    expect(unions).toContain('Discriminator(discriminate("kind", {"circle": "Circle", "square": "Square"}))');
    expect(unions).toContain('Annotated[Circle, Tag("Circle")]');
    expect(unions).toMatch(/kind: Literal\["circle"\]/);
    expect(unions).toContain('Field(union_mode="left_to_right")');
  });

  it('adds an auto-paging list_all beside a cursor list, sync and async', () => {
    const items = file('pagination', 'resources/items.py');
    expect(items).toMatch(/def list_all\([\s\S]*?\) -> SyncPager\[Item\]:/);
    expect(items).toMatch(/def list_all\([\s\S]*?\) -> AsyncPager\[Item\]:/);
    expect(items).toContain('cursor=NOT_GIVEN if cursor is None else cursor');
    expect(items).toContain('tag: Union[Sequence[str], NotGiven] = NOT_GIVEN,');
  });

  it('returns typed event streams and resumes them with Last-Event-ID', () => {
    const jobs = file('streams', 'resources/jobs.py');
    expect(jobs).toMatch(/def watch\([\s\S]*?last_event_id: Union\[str, NotGiven\][\s\S]*?\) -> Stream\[/);
    expect(jobs).toMatch(/async def watch\([\s\S]*?\) -> AsyncStream\[/);
    expect(jobs).toContain('self._client.request_events(');
    expect(jobs).toContain('idempotency_key=True,');
  });

  it('takes uploads as content (bytes, files, iterators) and multipart files as FileTypes', () => {
    const files = file('uploads', 'resources/files.py');
    expect(files).toMatch(/def put\([\s\S]*?content: SyncContent,/);
    expect(files).toMatch(/async def put\([\s\S]*?content: AsyncContent,/);
    expect(files).toContain('content_type="text/plain"');
    expect(files).toMatch(/: FileTypes,/);
    expect(files).toContain('multipart={');
  });

  it('streams downloads with their statuses (206, 304)', () => {
    const files = file('downloads', 'resources/files.py');
    expect(files).toMatch(/def download\([\s\S]*?\) -> BinaryResponse:/);
    expect(files).toMatch(/def download\([\s\S]*?\) -> AsyncBinaryResponse:/);
    expect(files).toContain('statuses=(200, 206, 304)');
  });

  it('offers raw responses on the client and on each namespace', () => {
    const client = file('enums', '_client.py');
    expect(client).toContain('def with_raw_response(self) -> AerostackWithRawResponse:');
    expect(client).toContain('def with_raw_response(self) -> AsyncAerostackWithRawResponse:');
    expect(file('enums', 'resources/tasks.py')).toMatch(
      /self\.\w+ = to_raw_response_wrapper\(resource\.\w+\)/,
    );
  });

  it('emits behaviour.json as constants', () => {
    const behaviour = renderBehaviour(buildModel(loadTestSpec('enums')));
    expect(behaviour).toContain('RETRY_MAX_RETRIES: int = 2');
    expect(behaviour).toContain('RETRY_BACKOFF_JITTER: float = 0.25');
    expect(behaviour).toContain('RETRY_RETRY_STATUSES: Tuple[int, ...] = (408, 409, 429)');
    expect(behaviour).toContain('IDEMPOTENCY_KEY_PREFIX: str = "idk_"');
    expect(behaviour).toContain('CLIENT_ERRORS_INVALID_RESPONSE: str = "client/invalid-response"');
  });
});
