package ssestream_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aerostack/aerostack-oss/clients/go/internal/apierror"
	"github.com/aerostack/aerostack-oss/clients/go/internal/requestconfig"
	"github.com/aerostack/aerostack-oss/clients/go/internal/ssestream"
)

// server answers each connection with the next script, recording its Last-Event-ID.
type server struct {
	mu      sync.Mutex
	scripts []func(w http.ResponseWriter)
	resumes []string
}

func (s *server) start(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.resumes = append(s.resumes, r.Header.Get("Last-Event-ID"))
		next := s.scripts[0]
		s.scripts = s.scripts[1:]
		s.mu.Unlock()
		next(w)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sse(body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(body))
	}
}

func status(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func open(srv *httptest.Server, maxQuiet int) *ssestream.Stream[ssestream.Event] {
	opts := []requestconfig.Option{func(c *requestconfig.Config) error {
		c.BaseURL, c.MaxRetryDelay, c.MaxRetries = srv.URL, time.Millisecond, maxQuiet
		return nil
	}}
	connect := func(ctx context.Context, last string) (*http.Response, error) {
		r := &requestconfig.Request{Method: http.MethodGet, Path: "/events", Header: http.Header{}, Accept: "text/event-stream"}
		if last != "" {
			r.Header.Set("Last-Event-ID", last)
		}
		return requestconfig.Open(ctx, r, opts...)
	}
	decode := func(ev ssestream.Event) (ssestream.Event, error) { return ev, nil }
	return ssestream.New(context.Background(), "", opts, connect, decode)
}

func collect(s *ssestream.Stream[ssestream.Event]) []string {
	var out []string
	for s.Next() {
		ev := s.Current()
		out = append(out, fmt.Sprintf("%s/%s/%s", ev.Event, ev.ID, ev.Data))
	}
	return out
}

func TestParsesEvents(t *testing.T) {
	s := &server{scripts: []func(http.ResponseWriter){
		sse(": heartbeat\nretry: 1\n\nid: 1\nevent: tick\ndata: {\"n\":1}\n\n" +
			"data: line one\r\ndata: line two\r\n\r\nid: 2\nevent: tick\ndata: {\"n\":2}\n\nid: 3\ndata: cut off"),
		status(204, ""),
	}}
	stream := open(s.start(t), 2)
	defer stream.Close()
	got := collect(stream)
	want := []string{`tick/1/{"n":1}`, "message//line one\nline two", `tick/2/{"n":2}`}
	if strings.Join(got, "|") != strings.Join(want, "|") || stream.Err() != nil {
		t.Fatalf("events %q, err %v", got, stream.Err())
	}
	// The cut-off event is dropped; the stream resumed after id 2 and the 204 ended it.
	if strings.Join(s.resumes, ",") != ",2" || stream.LastEventID() != "2" {
		t.Fatalf("resumes %q", s.resumes)
	}
}

func TestAStreamThatCannotResumeEndsWhenTheServerClosesIt(t *testing.T) {
	s := &server{scripts: []func(http.ResponseWriter){
		sse("id: 1\nevent: start\ndata: {}\n\nid: 2\nevent: done\ndata: {}\n\n"),
		sse("id: 1\nevent: start\ndata: {}\n\n"), // a second generation, never asked for
		status(204, ""),
	}}
	stream := open(s.start(t), 2).Once()
	defer stream.Close()
	got := collect(stream)
	if strings.Join(got, "|") != "start/1/{}|done/2/{}" || stream.Err() != nil {
		t.Fatalf("events %q, err %v", got, stream.Err())
	}
	if len(s.resumes) != 1 {
		t.Fatalf("connected %d times, want once: %q", len(s.resumes), s.resumes)
	}
}

func TestReconnectsAfterA503AndAnErrorEvent(t *testing.T) {
	problem := `{"status":503,"code":"internal/unavailable","title":"Unavailable"}`
	s := &server{scripts: []func(http.ResponseWriter){
		sse("id: 1\ndata: 1\n\nevent: error\ndata: " + problem + "\n\n"),
		status(503, problem),
		sse("id: 2\ndata: 2\n\n"),
		status(204, ""),
	}}
	stream := open(s.start(t), 2)
	defer stream.Close()
	got := collect(stream)
	if strings.Join(got, "|") != "message/1/1|message/2/2" || stream.Err() != nil {
		t.Fatalf("events %q, err %v", got, stream.Err())
	}
}

func TestAFinalErrorEndsTheStream(t *testing.T) {
	s := &server{scripts: []func(http.ResponseWriter){
		sse("id: 1\ndata: 1\n\nevent: error\ndata: {\"status\":400,\"code\":\"request/bad\",\"title\":\"Bad\"}\n\n"),
	}}
	stream := open(s.start(t), 2)
	defer stream.Close()
	got := collect(stream)
	var apiErr *apierror.Error
	if len(got) != 1 || !errors.As(stream.Err(), &apiErr) || apiErr.Code != "request/bad" || apiErr.StatusCode != 400 {
		t.Fatalf("events %q, err %v", got, stream.Err())
	}
}

func TestAnUnauthorizedStreamFailsOnFirstRead(t *testing.T) {
	s := &server{scripts: []func(http.ResponseWriter){
		status(401, `{"status":401,"code":"auth/missing-credentials","title":"No"}`),
	}}
	stream := open(s.start(t), 2)
	defer stream.Close()
	var apiErr *apierror.Error
	if stream.Next() || !errors.As(stream.Err(), &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("err %v", stream.Err())
	}
}

func TestNotAnEventStreamIsInvalid(t *testing.T) {
	s := &server{scripts: []func(http.ResponseWriter){
		func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{}"))
		},
	}}
	stream := open(s.start(t), 2)
	defer stream.Close()
	var apiErr *apierror.Error
	if stream.Next() || !errors.As(stream.Err(), &apiErr) || apiErr.Code != "client/invalid-response" {
		t.Fatalf("err %v", stream.Err())
	}
}

func TestAllRangesAndCloses(t *testing.T) {
	s := &server{scripts: []func(http.ResponseWriter){
		sse("id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\ndata: 3\n\n"),
	}}
	stream := open(s.start(t), 2)
	var ids []string
	for ev, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
		if len(ids) == 2 {
			break
		}
	}
	if strings.Join(ids, ",") != "1,2" || stream.Next() {
		t.Fatalf("ids %v, or the stream went on after the loop", ids)
	}
}
