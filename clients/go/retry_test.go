package aerostack_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	aerostack "github.com/aerostack/aerostack-oss/clients/go"
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

func newFlakyServer(t *testing.T, responses ...scripted) (*flakyServer, *httptest.Server) {
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
	return f, srv
}

func (f *flakyServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

var (
	retryIn1s = scripted{503, map[string]string{"Content-Type": "application/problem+json", "Retry-After": "1"}, unavailable}
	healthy   = scripted{200, map[string]string{"Content-Type": "application/json"}, `{"status":"ok","version":"test"}`}
	created   = scripted{201, map[string]string{"Content-Type": "application/json"}, `{"project":{"id":"prj_x","name":"x","createdAt":"2026-01-01T00:00:00Z"},` +
		`"secretKey":{"id":"key_s","type":"secret","projectId":"prj_x","hint":"sk_…","createdAt":"2026-01-01T00:00:00Z","revokedAt":null,"key":"sk_x"},` +
		`"publishableKey":{"id":"key_p","type":"publishable","projectId":"prj_x","hint":"pk_…","createdAt":"2026-01-01T00:00:00Z","revokedAt":null,"key":"pk_x"}}`}
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	f, srv := newFlakyServer(t, retryIn1s, healthy)
	started := time.Now()
	health, err := aerostack.New(srv.URL).Health.Check(context.Background())
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

func TestPostWithoutIdempotencyKeyIsNotRetried(t *testing.T) {
	f, srv := newFlakyServer(t, retryIn1s, created)
	client := aerostack.New(srv.URL, aerostack.WithCredential("ak_test"))
	_, err := client.Projects.Create(context.Background(), aerostack.ProjectCreate{Name: "x"}, nil)
	apiErr := apiError(t, err, "internal/unexpected", 503)
	if apiErr.RequestID != "req_1" || f.count() != 1 {
		t.Fatalf("error %+v after %d requests", apiErr, f.count())
	}
	if got := f.requests[0].Header.Get("Authorization"); got != "Bearer ak_test" {
		t.Fatalf("Authorization %q", got)
	}
}

func TestPostWithIdempotencyKeyIsRetried(t *testing.T) {
	f, srv := newFlakyServer(t, retryIn1s, created)
	client := aerostack.New(srv.URL, aerostack.WithCredential("ak_test"))
	res, err := client.Projects.Create(context.Background(), aerostack.ProjectCreate{Name: "x"},
		&aerostack.ProjectsCreateParams{IdempotencyKey: "same"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Project.ID != "prj_x" || f.count() != 2 {
		t.Fatalf("got %+v after %d requests", res, f.count())
	}
	for _, r := range f.requests {
		if r.Header.Get("Idempotency-Key") != "same" {
			t.Fatalf("Idempotency-Key %q", r.Header.Get("Idempotency-Key"))
		}
	}
}

func TestRetriesStopAtMaxRetries(t *testing.T) {
	quick := scripted{503, map[string]string{"Retry-After": "0"}, unavailable}
	f, srv := newFlakyServer(t, quick, quick, quick)
	_, err := aerostack.New(srv.URL, aerostack.WithMaxRetries(2)).Health.Check(context.Background())
	apiError(t, err, "internal/unexpected", 503)
	if f.count() != 3 {
		t.Fatalf("%d requests, want 3", f.count())
	}
}

func TestConnectionErrorsAreErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	client := aerostack.New(srv.URL, aerostack.WithMaxRetries(1), aerostack.WithBackoff(time.Millisecond, time.Millisecond))
	_, err := client.Health.Check(context.Background())
	apiErr := apiError(t, err, aerostack.CodeConnectionError, 0)
	if apiErr.Unwrap() == nil {
		t.Fatal("no underlying error")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()
	_, err = aerostack.New(slow.URL).Health.Check(ctx)
	apiError(t, err, aerostack.CodeTimeout, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded inside, got %v", err)
	}
}
