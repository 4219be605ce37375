package aerostack_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	aerostack "github.com/aerostack/aerostack-oss/clients/go"
	"github.com/aerostack/aerostack-oss/clients/go/option"
)

// flakyServer is a local stand-in for a platform that fails transiently: it answers the
// scripted responses in order and records the requests it saw.
type flakyServer struct {
	mu        sync.Mutex
	responses []scripted
	requests  []*http.Request
}

type scripted struct {
	status int
	header map[string]string
	body   string
}

const unavailable = `{"type":"about:blank","title":"Unavailable","status":503,"code":"internal/unexpected","requestId":"req_1"}`

func newFlakyServer(t *testing.T, responses ...scripted) (*flakyServer, *aerostack.Client) {
	f := &flakyServer{responses: responses}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, r)
		next := f.responses[0]
		f.responses = f.responses[1:]
		f.mu.Unlock()
		for name, value := range next.header {
			w.Header().Set(name, value)
		}
		w.WriteHeader(next.status)
		_, _ = io.WriteString(w, next.body)
	}))
	t.Cleanup(srv.Close)
	return f, aerostack.NewClient(option.WithBaseURL(srv.URL), option.WithAccountKey("ak_test"))
}

func (f *flakyServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

var (
	retryIn1s = scripted{503, map[string]string{"Content-Type": "application/problem+json", "Retry-After": "1"}, unavailable}
	quick503  = scripted{503, map[string]string{"Content-Type": "application/problem+json", "Retry-After": "0"}, unavailable}
	healthy   = scripted{200, map[string]string{"Content-Type": "application/json"}, `{"status":"ok","version":"test"}`}
	counter   = scripted{200, map[string]string{"Content-Type": "application/json"}, `{"key":"k","value":1,"expiresAt":null}`}
	created   = scripted{201, map[string]string{"Content-Type": "application/json"}, `{"project":{"id":"prj_x","name":"x","createdAt":"2026-01-01T00:00:00Z"},` +
		`"secretKey":{"id":"key_s","type":"secret","projectId":"prj_x","hint":"sk_…","createdAt":"2026-01-01T00:00:00Z","revokedAt":null,"key":"sk_x"},` +
		`"publishableKey":{"id":"key_p","type":"publishable","projectId":"prj_x","hint":"pk_…","createdAt":"2026-01-01T00:00:00Z","revokedAt":null,"key":"pk_x"}}`}
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	f, client := newFlakyServer(t, retryIn1s, healthy)
	started := time.Now()
	health, err := client.Health.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if health.Version != "test" || f.count() != 2 {
		t.Fatalf("got %+v after %d requests", health, f.count())
	}
	if elapsed := time.Since(started); elapsed < 950*time.Millisecond {
		t.Fatalf("retried after %v, before Retry-After", elapsed)
	}
}

// projects.create declares Idempotency-Key: without one from the caller, the client sends a
// generated idk_ key and the same key on the retry.
func TestGeneratedIdempotencyKeyIsReusedOnRetry(t *testing.T) {
	f, client := newFlakyServer(t, quick503, created)
	res, err := client.Projects.Create(context.Background(), aerostack.ProjectCreate{Name: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Project.ID != "prj_x" || f.count() != 2 {
		t.Fatalf("got %+v after %d requests", res, f.count())
	}
	first, second := f.requests[0].Header.Get("Idempotency-Key"), f.requests[1].Header.Get("Idempotency-Key")
	if !regexp.MustCompile(`^idk_[0-9a-f]{32}$`).MatchString(first) || first != second {
		t.Fatalf("keys %q then %q", first, second)
	}
	if got := f.requests[0].Header.Get("Authorization"); got != "Bearer ak_test" {
		t.Fatalf("Authorization %q", got)
	}
	// A new call gets a new key.
	f.responses = append(f.responses, created)
	if _, err := client.Projects.Create(context.Background(), aerostack.ProjectCreate{Name: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if f.requests[2].Header.Get("Idempotency-Key") == first {
		t.Fatal("a second call reused the first call's key")
	}
}

func TestCallerIdempotencyKeyWins(t *testing.T) {
	f, client := newFlakyServer(t, quick503, created, created)
	if _, err := client.Projects.Create(context.Background(), aerostack.ProjectCreate{Name: "x"},
		&aerostack.ProjectsCreateParams{IdempotencyKey: aerostack.String("same")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Projects.Create(context.Background(), aerostack.ProjectCreate{Name: "x"}, nil,
		option.WithIdempotencyKey("other")); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range f.requests {
		got = append(got, r.Header.Get("Idempotency-Key"))
	}
	if len(got) != 3 || got[0] != "same" || got[1] != "same" || got[2] != "other" {
		t.Fatalf("keys %q", got)
	}
}

// cache.increment does not declare Idempotency-Key: a 503 is not retried.
func TestPostWithoutIdempotencyKeyIsNotRetried(t *testing.T) {
	f, client := newFlakyServer(t, quick503, counter)
	_, err := client.Cache.Increment(context.Background(), "k", nil)
	apiErr := apiError(t, err, "internal/unexpected", 503)
	if apiErr.RequestID != "req_1" || f.count() != 1 || f.requests[0].Header.Get("Idempotency-Key") != "" {
		t.Fatalf("error %+v after %d requests", apiErr, f.count())
	}
}

func TestRetriesStopAtMaxRetries(t *testing.T) {
	f, client := newFlakyServer(t, quick503, quick503, quick503, quick503)
	_, err := client.Health.Check(context.Background())
	apiError(t, err, "internal/unexpected", 503)
	if f.count() != 3 {
		t.Fatalf("%d requests, want 3 (behaviour's maxRetries 2)", f.count())
	}
	// Per call: no retries.
	_, err = client.Health.Check(context.Background(), option.WithMaxRetries(0))
	apiError(t, err, "internal/unexpected", 503)
	if f.count() != 4 {
		t.Fatalf("%d requests, want 4", f.count())
	}
}

func TestNonProblemBodyIsInvalidResponse(t *testing.T) {
	_, client := newFlakyServer(t, scripted{502, map[string]string{"Content-Type": "text/html", "X-Request-Id": "req_proxy"}, "<html>bad gateway</html>"})
	_, err := client.Cache.Increment(context.Background(), "k", nil)
	apiErr := apiError(t, err, aerostack.CodeClientInvalidResponse, 502)
	if apiErr.RequestID != "req_proxy" {
		t.Fatalf("request id %q", apiErr.RequestID)
	}
	_, client = newFlakyServer(t, scripted{200, map[string]string{"Content-Type": "application/json"}, `{"key":`})
	_, err = client.Cache.Increment(context.Background(), "k", nil)
	apiError(t, err, aerostack.CodeClientInvalidResponse, 200)
}

func TestResponseInto(t *testing.T) {
	_, client := newFlakyServer(t, scripted{200, map[string]string{"Content-Type": "application/json", "X-Request-Id": "req_raw"}, `{"status":"ok","version":"v"}`})
	var res *http.Response
	if _, err := client.Health.Check(context.Background(), option.WithResponseInto(&res)); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("X-Request-Id") != "req_raw" || string(body) != `{"status":"ok","version":"v"}` {
		t.Fatalf("raw response %d %v %s", res.StatusCode, res.Header, body)
	}
}

func TestNoAnswerErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	client := aerostack.NewClient(option.WithBaseURL(srv.URL), option.WithMaxRetries(1), option.WithMaxRetryDelay(time.Millisecond))
	_, err := client.Health.Check(context.Background())
	apiErr := apiError(t, err, aerostack.CodeClientNetwork, 0)
	if apiErr.Unwrap() == nil {
		t.Fatal("no underlying error")
	}

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()
	slowClient := aerostack.NewClient(option.WithBaseURL(slow.URL))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = slowClient.Health.Check(ctx)
	apiError(t, err, aerostack.CodeClientTimeout, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded inside, got %v", err)
	}

	// The per-attempt timeout, retried on a GET.
	started := time.Now()
	_, err = slowClient.Health.Check(context.Background(), option.WithTimeout(20*time.Millisecond), option.WithMaxRetryDelay(time.Millisecond))
	apiError(t, err, aerostack.CodeClientTimeout, 0)
	if time.Since(started) < 60*time.Millisecond {
		t.Fatal("the timeout was not retried twice")
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = slowClient.Health.Check(ctx)
	apiError(t, err, aerostack.CodeClientAborted, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled inside, got %v", err)
	}
}

func TestExecuteCallsAnyEndpoint(t *testing.T) {
	f, client := newFlakyServer(t, quick503, healthy)
	var out map[string]any
	if err := client.Execute(context.Background(), http.MethodGet, "/healthz", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out["version"] != "test" || f.count() != 2 || f.requests[1].URL.Path != "/healthz" {
		t.Fatalf("got %v after %d requests", out, f.count())
	}
}
