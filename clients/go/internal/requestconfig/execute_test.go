package requestconfig

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder answers 503 (quick retry) until `fails` requests have failed, then 200, keeping bodies.
type recorder struct {
	mu     sync.Mutex
	fails  int
	bodies []string
	types  []string
}

func (rec *recorder) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, string(data))
		rec.types = append(rec.types, r.Header.Get("Content-Type"))
		fail := len(rec.bodies) <= rec.fails
		rec.mu.Unlock()
		if fail {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func base(url string) Option {
	return func(c *Config) error {
		c.BaseURL = url
		return nil
	}
}

func TestSeekableUploadsAreReplayed(t *testing.T) {
	rec := &recorder{fails: 1}
	srv := rec.server(t)
	r := &Request{Method: http.MethodPut, Path: "/blob", Reader: strings.NewReader("hello")}
	if err := Do(context.Background(), r, nil, base(srv.URL)); err != nil {
		t.Fatal(err)
	}
	if len(rec.bodies) != 2 || rec.bodies[0] != "hello" || rec.bodies[1] != "hello" || rec.types[0] != "application/octet-stream" {
		t.Fatalf("bodies %q types %q", rec.bodies, rec.types)
	}
}

func TestOneShotUploadsAreNotRetried(t *testing.T) {
	rec := &recorder{fails: 1}
	srv := rec.server(t)
	r := &Request{Method: http.MethodPut, Path: "/blob", Reader: io.MultiReader(strings.NewReader("hello"))}
	if err := Do(context.Background(), r, nil, base(srv.URL)); err == nil {
		t.Fatal("a 503 on a one-shot body succeeded")
	}
	if len(rec.bodies) != 1 {
		t.Fatalf("%d attempts", len(rec.bodies))
	}
}

func TestMultipartForm(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t)
	r := &Request{Method: http.MethodPost, Path: "/form", Form: []Part{
		{Name: "title", Value: "T"},
		{Name: "file", Reader: bytes.NewReader([]byte("abc")), FileName: "a.txt", ContentType: "text/plain"},
	}}
	if err := Do(context.Background(), r, nil, base(srv.URL)); err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(rec.types[0])
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(strings.NewReader(rec.bodies[0]), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if form.Value["title"][0] != "T" || form.File["file"][0].Filename != "a.txt" || form.File["file"][0].Size != 3 {
		t.Fatalf("form %+v", form)
	}
}

func TestTheAttemptTimeoutStopsAtTheHeadersOfAStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		time.Sleep(80 * time.Millisecond)
		_, _ = w.Write([]byte("late"))
	}))
	defer srv.Close()
	timeout := func(c *Config) error {
		c.Timeout = 30 * time.Millisecond
		return nil
	}
	res, err := Open(context.Background(), &Request{Method: http.MethodGet, Path: "/"}, base(srv.URL), timeout)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil || string(data) != "late" {
		t.Fatalf("%q, %v", data, err)
	}
	// A JSON answer is read within the attempt: the same server times out.
	err = Do(context.Background(), &Request{Method: http.MethodGet, Path: "/"}, nil, base(srv.URL), timeout, func(c *Config) error {
		c.MaxRetries = 0
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "client/timeout") {
		t.Fatalf("want client/timeout, got %v", err)
	}
}

func TestAFileIsRewoundAndLeftOpen(t *testing.T) {
	rec := &recorder{fails: 1}
	srv := rec.server(t)
	f, err := os.CreateTemp(t.TempDir(), "upload")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, _ = f.WriteString("file content")
	_, _ = f.Seek(0, io.SeekStart)
	if err := Do(context.Background(), &Request{Method: http.MethodPut, Path: "/f", Reader: f}, nil, base(srv.URL)); err != nil {
		t.Fatal(err)
	}
	if len(rec.bodies) != 2 || rec.bodies[1] != "file content" {
		t.Fatalf("bodies %q", rec.bodies)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("the client closed the caller's file: %v", err)
	}
}
