// Package scenariotest runs the cross-language scenarios of scenarios/*.json (format in
// scenarios/README.md) through a generated dispatch table that calls a client's public API.
// Only tests import it.
package scenariotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aerostack/aerostack-oss/clients/go/internal/apierror"
	"github.com/aerostack/aerostack-oss/clients/go/internal/requestconfig"
	"github.com/aerostack/aerostack-oss/clients/go/internal/ssestream"
	"github.com/aerostack/aerostack-oss/clients/go/option"
)

// Args are a step's arguments by wire name, after variable substitution.
type Args struct {
	Path    map[string]any
	Query   map[string]any
	Headers map[string]any
	// Body is the JSON body (nil when the step has none).
	Body any
	// PageSize is the `limit` of a `pages` expectation.
	PageSize int
}

// Op is one entry of the dispatch table: Call makes the call; Pages, for cursor lists,
// iterates every page through the client's auto-paging iterator.
type Op struct {
	Call  func(ctx context.Context, a Args) (any, error)
	Pages func(ctx context.Context, a Args) ([]any, error)
}

// Header returns the value of a header argument, by case-insensitive name.
func (a Args) Header(name string) (any, bool) {
	for k, v := range a.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// ExtraHeaders turns the header arguments the operation does not declare into options.
func (a Args) ExtraHeaders(declared ...string) []option.RequestOption {
	var opts []option.RequestOption
	names := make([]string, 0, len(a.Headers))
	for k := range a.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
next:
	for _, k := range names {
		for _, d := range declared {
			if strings.EqualFold(k, d) {
				continue next
			}
		}
		opts = append(opts, option.WithHeader(k, requestconfig.Format(Decode[any](a.Headers[k]))))
	}
	return opts
}

// Field returns a member of an object body (multipart forms).
func (a Args) Field(name string) (any, bool) {
	m, ok := a.Body.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := m[name]
	return v, ok
}

// Upload is the body as bytes: a `{"$bytes": {size, seed}}` body, or a string's UTF-8.
func (a Args) Upload() io.Reader { return bytesOf(a.Body) }

// File is a multipart file field: `{"$bytes": …}` or `{"$file": {"name", "contentType", "bytes" | "text"}}`.
func (a Args) File(name string) requestconfig.File {
	v, _ := a.Field(name)
	if m, ok := v.(map[string]any); ok {
		if f, ok := m["$file"].(map[string]any); ok {
			file := requestconfig.File{Name: str(f["name"]), ContentType: str(f["contentType"])}
			if text, ok := f["text"].(string); ok {
				file.Reader = strings.NewReader(text)
			} else {
				file.Reader = bytesOf(f["bytes"])
			}
			return file
		}
	}
	return requestconfig.File{Reader: bytesOf(v), Name: name}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// bytesOf reads `{"$bytes": {"size", "seed"}}` (byte i is (i×31 + seedSum) mod 251) or a string.
func bytesOf(v any) io.Reader {
	m, ok := v.(map[string]any)
	if ok {
		if spec, ok := m["$bytes"].(map[string]any); ok {
			return bytes.NewReader(SeededBytes(int(num(spec["size"])), str(spec["seed"])))
		}
		if _, ok := m["size"]; ok {
			return bytes.NewReader(SeededBytes(int(num(m["size"])), str(m["seed"])))
		}
	}
	if s, ok := v.(string); ok {
		return strings.NewReader(s)
	}
	data, _ := json.Marshal(v)
	return bytes.NewReader(data)
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// SeededBytes is the scenario format's deterministic content.
func SeededBytes(size int, seed string) []byte {
	sum := 0
	for _, b := range []byte(seed) {
		sum += int(b)
	}
	out := make([]byte, size)
	for i := range out {
		out[i] = byte((i*31 + sum) % 251)
	}
	return out
}

// Decode converts a JSON-decoded value into T through JSON; a value that does not fit panics
// (the runner reports it as the step's failure).
func Decode[T any](v any) T {
	var out T
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if err != nil {
		panic(fmt.Sprintf("argument %v does not fit %T: %v", v, out, err))
	}
	return out
}

// Event is one event of a stream as the scenario format sees it.
type Event struct {
	Event string
	ID    string
	Data  any
}

// Events is an event stream the runner takes events from.
type Events struct {
	take func(n int) ([]any, error)
}

// EventsOf wraps a client's stream; conv gives an event's name, id and typed data.
func EventsOf[E any](s *ssestream.Stream[E], conv func(E) Event) *Events {
	return &Events{take: func(n int) ([]any, error) {
		defer func() { _ = s.Close() }()
		var out []any
		for len(out) < n && s.Next() {
			ev := conv(s.Current())
			item := map[string]any{"event": ev.Event, "data": normal(ev.Data)}
			if ev.ID != "" {
				item["id"] = ev.ID
			} else {
				item["id"] = nil
			}
			out = append(out, item)
		}
		return out, s.Err()
	}}
}

// normal is v as encoding/json sees it: maps, slices, float64, string, bool, nil.
func normal(v any) any {
	if raw, ok := v.(json.RawMessage); ok {
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

type file struct {
	Name       string `json:"name"`
	Credential string `json:"credential"`
	Steps      []step `json:"steps"`
}

type step struct {
	Name       string                     `json:"name"`
	Call       string                     `json:"call"`
	Credential string                     `json:"credential"`
	Path       map[string]any             `json:"path"`
	Query      map[string]any             `json:"query"`
	Headers    map[string]any             `json:"headers"`
	Body       json.RawMessage            `json:"body"`
	Expect     map[string]json.RawMessage `json:"expect"`
	Save       map[string]string          `json:"save"`
}

// Credentials maps the scenario credential names to environment variables.
var Credentials = map[string]string{
	"secretKey":      "AEROSTACK_SECRET_KEY",
	"accountKey":     "AEROSTACK_ACCOUNT_KEY",
	"publishableKey": "AEROSTACK_PUBLISHABLE_KEY",
}

// Files lists the scenario files of dir (not its subfolders), sorted.
func Files(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// Run runs every step of the scenario file at path; ops returns the dispatch table of a
// client sending credential ("" for none).
func Run(t *testing.T, path string, ops func(credential string) map[string]Op) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	vars := map[string]any{"unique": unique()}
	for i, s := range f.Steps {
		label := fmt.Sprintf("%s step %d (%s: %s)", filepath.Base(path), i+1, s.Call, s.Name)
		if err := runStep(s, f.Credential, vars, ops); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
}

func unique() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func runStep(s step, fileCredential string, vars map[string]any, ops func(string) map[string]Op) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	credential := fileCredential
	if s.Credential != "" {
		credential = s.Credential
	}
	// A named credential is one of the platform's first keys; any other value is a credential
	// itself once its variables are replaced ("${oldSecretKey}").
	key := ""
	if name, ok := Credentials[credential]; ok {
		key = os.Getenv(name)
	} else if credential != "none" && credential != "" {
		key = fmt.Sprint(subst(credential, vars))
	}
	op, ok := ops(key)[s.Call]
	if !ok {
		return fmt.Errorf("no operation %q in the dispatch table", s.Call)
	}
	a := Args{
		Path:    substMap(s.Path, vars),
		Query:   substMap(s.Query, vars),
		Headers: substMap(s.Headers, vars),
	}
	if len(s.Body) > 0 {
		var body any
		if err := json.Unmarshal(s.Body, &body); err != nil {
			return err
		}
		a.Body = subst(body, vars)
	}
	if len(s.Expect) != 1 {
		return fmt.Errorf("expect must have exactly one key, has %d", len(s.Expect))
	}
	ctx := context.Background()
	for kind, raw := range s.Expect {
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			return err
		}
		want = subst(want, vars)
		switch kind {
		case "pages":
			spec, _ := want.(map[string]any)
			if op.Pages == nil {
				return errors.New("not a paginated operation")
			}
			a.PageSize = int(num(spec["pageSize"]))
			items, err := op.Pages(ctx, a)
			if err != nil {
				return fmt.Errorf("paging failed: %w", err)
			}
			return Match(spec["items"], normal(items), "items")
		case "error":
			res, err := op.Call(ctx, a)
			if events, ok := res.(*Events); ok && err == nil {
				_, err = events.take(1) // a stream fails when it is first read
			}
			if body, ok := res.(io.Closer); ok && err == nil {
				_ = body.Close()
			}
			var apiErr *apierror.Error
			if !errors.As(err, &apiErr) {
				return fmt.Errorf("want an *Error %v, got %v", want, err)
			}
			got := map[string]any{"status": float64(apiErr.StatusCode), "code": apiErr.Code, "title": apiErr.Title,
				"detail": apiErr.Detail, "requestId": apiErr.RequestID}
			return Match(want, got, "error")
		}
		res, err := op.Call(ctx, a)
		if err != nil {
			return fmt.Errorf("call failed: %w", err)
		}
		switch kind {
		case "result":
			got := normal(res)
			if err := Match(want, got, "result"); err != nil {
				return err
			}
			for name, path := range s.Save {
				v, err := dig(got, path)
				if err != nil {
					return err
				}
				vars[name] = v
			}
			return nil
		case "empty":
			if res != nil {
				return fmt.Errorf("want no result, got %v", res)
			}
			return nil
		case "events":
			spec, _ := want.(map[string]any)
			events, ok := res.(*Events)
			if !ok {
				return fmt.Errorf("not an event stream: %T", res)
			}
			take := int(num(spec["take"]))
			last, toEnd := spec["last"]
			n := take
			if toEnd {
				n = math.MaxInt // read to the stream's end, for its last event
			}
			got, err := events.take(n)
			if err != nil {
				return fmt.Errorf("stream failed after %d events: %w", len(got), err)
			}
			if len(got) < take {
				return fmt.Errorf("the stream ended after %d events, want %d: %v", len(got), take, got)
			}
			if err := Match(spec["match"], got[:min(take, len(asList(spec["match"])))], "events"); err != nil {
				return err
			}
			if toEnd {
				return Match(last, got[len(got)-1], "the last event")
			}
			return nil
		case "bytes":
			spec, _ := want.(map[string]any)
			body, ok := res.(io.ReadCloser)
			if !ok {
				return fmt.Errorf("not a download: %T", res)
			}
			defer func() { _ = body.Close() }()
			h := sha256.New()
			n, err := io.Copy(h, body)
			if err != nil {
				return fmt.Errorf("reading the download: %w", err)
			}
			got := map[string]any{"length": float64(n), "sha256": hex.EncodeToString(h.Sum(nil))}
			if download, ok := res.(*requestconfig.BinaryResponse); ok {
				got["status"] = float64(download.StatusCode)
			}
			return Match(spec, got, "bytes")
		}
		return fmt.Errorf("unknown expectation %q", kind)
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

var variable = regexp.MustCompile(`\$\{([^}]+)\}`)

func lookup(name string, vars map[string]any) any {
	if env, ok := strings.CutPrefix(name, "env."); ok {
		return os.Getenv(env)
	}
	if v, ok := vars[name]; ok {
		return v
	}
	panic(fmt.Sprintf("unknown variable ${%s}", name))
}

func subst(v any, vars map[string]any) any {
	switch x := v.(type) {
	case string:
		if m := variable.FindStringSubmatch(x); m != nil && m[0] == x {
			return lookup(m[1], vars)
		}
		return variable.ReplaceAllStringFunc(x, func(s string) string {
			v := lookup(s[2:len(s)-1], vars)
			if str, ok := v.(string); ok {
				return str
			}
			data, _ := json.Marshal(v)
			return string(data)
		})
	case map[string]any:
		return substMap(x, vars)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = subst(item, vars)
		}
		return out
	}
	return v
}

func substMap(m map[string]any, vars map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = subst(v, vars)
	}
	return out
}

// dig follows a dot path (`data.0.id`) into a JSON value.
func dig(v any, path string) (any, error) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, fmt.Errorf("save: no %q in %v", part, x)
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("save: no item %q", part)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("save: cannot follow %q into %v", part, v)
		}
	}
	return v, nil
}

// Match checks got (a JSON value) against the matcher want (scenarios/README.md).
func Match(want, got any, at string) error {
	switch w := want.(type) {
	case map[string]any:
		if len(w) == 1 {
			for k, arg := range w {
				if strings.HasPrefix(k, "$") {
					return special(k, arg, got, at)
				}
			}
		}
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", at, show(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, present := g[k]
			if m, ok := w[k].(map[string]any); ok && len(m) == 1 && m["$absent"] == true {
				if present {
					return fmt.Errorf("%s.%s: want absent, got %v", at, k, show(v))
				}
				continue
			}
			if !present {
				return fmt.Errorf("%s.%s: missing (got %v)", at, k, show(got))
			}
			if err := Match(w[k], v, at+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want an array of %d, got %v", at, len(w), show(got))
		}
		for i := range w {
			if err := Match(w[i], g[i], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if !equal(want, got) {
		return fmt.Errorf("%s: want %v, got %v", at, show(want), show(got))
	}
	return nil
}

func equal(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func special(key string, arg, got any, at string) error {
	switch key {
	case "$type":
		if typeOf(got, arg) {
			return nil
		}
		return fmt.Errorf("%s: want a %v, got %v", at, arg, show(got))
	case "$match":
		s, ok := got.(string)
		re, err := regexp.Compile(str(arg))
		if err != nil {
			return err
		}
		if !ok || !re.MatchString(s) {
			return fmt.Errorf("%s: want a string matching %v, got %v", at, arg, show(got))
		}
		return nil
	case "$absent":
		return fmt.Errorf("%s: $absent only applies to an object member", at)
	case "$length":
		n := -1
		switch g := got.(type) {
		case string:
			n = len([]rune(g))
		case []any:
			n = len(g)
		}
		if float64(n) != num(arg) {
			return fmt.Errorf("%s: want length %v, got %v", at, arg, show(got))
		}
		return nil
	case "$contains":
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %v", at, show(got))
		}
		for _, item := range g {
			if Match(arg, item, at) == nil {
				return nil
			}
		}
		return fmt.Errorf("%s: no item matches %v in %v", at, show(arg), show(got))
	}
	return fmt.Errorf("%s: unknown matcher %s", at, key)
}

func typeOf(v any, name any) bool {
	switch name {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
