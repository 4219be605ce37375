// Package ssestream reads server-sent event streams: typed events, reconnection with
// Last-Event-ID, the platform's `error` event.
package ssestream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aerostack/aerostack-oss/clients/go/internal/apierror"
	"github.com/aerostack/aerostack-oss/clients/go/internal/behaviour"
	"github.com/aerostack/aerostack-oss/clients/go/internal/requestconfig"
)

// Event is one raw event: its `event:` name ("message" when none), `id:` and `data:`.
type Event struct {
	Event string
	ID    string
	Data  []byte
}

// Connect opens the stream, resuming after lastEventID when it is not "".
type Connect func(ctx context.Context, lastEventID string) (*http.Response, error)

// Decode turns a raw event into the stream's typed event.
type Decode[E any] func(Event) (E, error)

// Stream is a server-sent event stream of typed events. It connects on the first Next; after
// a dropped connection — or the server closing the stream — it reconnects with
// Last-Event-ID and carries on, until the server answers 204 (nothing after that id), the
// context ends or Close is called. Always Close it.
//
//	stream := client.Fixtures.Events(ctx, nil)
//	defer stream.Close()
//	for stream.Next() {
//		ev := stream.Current()
//		fmt.Println(ev.ID, ev.Event)
//	}
//	if err := stream.Err(); err != nil { … }
type Stream[E any] struct {
	ctx        context.Context
	cancel     context.CancelFunc
	connect    Connect
	decode     Decode[E]
	maxQuiet   int
	maxDelay   time.Duration
	body       io.ReadCloser
	reader     *bufio.Reader
	response   *http.Response
	current    E
	err        error
	lastID     string
	done       bool
	quiet      int
	retryAfter time.Duration
}

// New returns a stream that connects with connect on its first Next. The call's options give
// its reconnection budget: at most MaxRetries reconnections in a row that bring no event, each
// after a backoff (or the server's `retry:`) capped by MaxRetryDelay when set.
func New[E any](ctx context.Context, lastEventID string, opts []requestconfig.Option, connect Connect, decode Decode[E]) *Stream[E] {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream[E]{ctx: ctx, cancel: cancel, connect: connect, decode: decode, lastID: lastEventID}
	if cfg, err := requestconfig.NewConfig(opts); err == nil {
		s.maxQuiet, s.maxDelay = cfg.MaxRetries, cfg.MaxRetryDelay
	}
	return s
}

// Once makes s a stream that is never reconnected: for an operation that cannot resume (it takes
// no Last-Event-ID, like an AI generation, which a new request would start over), the server
// closing the stream ends it and a dropped connection is an error.
func (s *Stream[E]) Once() *Stream[E] {
	s.maxQuiet = 0
	return s
}

// Next advances to the next event; false when the stream has ended, failed or was closed.
func (s *Stream[E]) Next() bool {
	for {
		if s.done || s.err != nil {
			return false
		}
		if s.ctx.Err() != nil {
			s.finish()
			return false
		}
		if s.body == nil {
			res, err := s.connect(s.ctx, s.lastID)
			if err != nil {
				if s.ctx.Err() != nil {
					s.finish()
					return false
				}
				if !reconnectable(err) || !s.wait() {
					s.err = err
					return false
				}
				continue
			}
			s.response = res
			if res.StatusCode == http.StatusNoContent {
				_ = res.Body.Close()
				s.done = true
				return false
			}
			if !strings.Contains(res.Header.Get("Content-Type"), "text/event-stream") {
				_ = res.Body.Close()
				s.err = apierror.Invalid(res, nil, errors.New("the answer is not a text/event-stream"))
				return false
			}
			s.body, s.reader = res.Body, bufio.NewReader(res.Body)
		}
		ev, err := s.read()
		if err != nil {
			_ = s.body.Close()
			s.body = nil
			if s.ctx.Err() != nil {
				s.finish()
				return false
			}
			if !s.wait() {
				if !errors.Is(err, io.EOF) {
					s.err = apierror.NoAnswer(behaviour.CodeNetwork, err)
				}
				s.done = true
				return false
			}
			continue
		}
		if ev.Event == "error" {
			failure := streamFailure(ev, s.response)
			_ = s.body.Close()
			s.body = nil
			if !reconnectable(failure) || !s.wait() {
				s.err = failure
				return false
			}
			continue
		}
		typed, err := s.decode(ev)
		if err != nil {
			s.err = apierror.Invalid(s.response, ev.Data, err)
			return false
		}
		s.quiet = 0
		if ev.ID != "" {
			s.lastID = ev.ID
		}
		s.current = typed
		return true
	}
}

// finish ends the stream after its context ended: quietly when closed or cancelled.
func (s *Stream[E]) finish() {
	if s.body != nil {
		_ = s.body.Close()
		s.body = nil
	}
	s.done = true
}

// wait sleeps before a reconnection; false when the reconnections in a row are used up or
// the context ended.
func (s *Stream[E]) wait() bool {
	if s.quiet >= s.maxQuiet {
		return false
	}
	delay := time.Duration(requestconfig.RetryDelayMs(s.quiet, nil, time.Now().UnixMilli(), rand.Float64())) * time.Millisecond
	delay = max(delay, s.retryAfter)
	if s.maxDelay > 0 {
		delay = min(delay, s.maxDelay)
	}
	s.quiet++
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// read parses the next complete event; comments are skipped, `retry:` is remembered, and an
// event cut off by the end of the body is dropped.
func (s *Stream[E]) read() (Event, error) {
	var ev Event
	var data [][]byte
	seen := false
	for {
		line, err := s.reader.ReadBytes('\n')
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return Event{}, io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if !seen {
				ev = Event{}
				continue
			}
			if ev.Event == "" {
				ev.Event = "message"
			}
			ev.Data = bytes.Join(data, []byte("\n"))
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			ev.Event = string(value)
		case "data":
			// Only a block with data is an event (a lone `retry:` block is not).
			seen = true
			data = append(data, bytes.Clone(value))
		case "id":
			ev.ID = string(value)
		case "retry":
			if ms, err := strconv.Atoi(string(value)); err == nil {
				s.retryAfter = time.Duration(ms) * time.Millisecond
			}
		}
	}
}

// Current is the event Next advanced to.
func (s *Stream[E]) Current() E { return s.current }

// All ranges over the remaining events and closes the stream at the end of the loop; an error
// ends the loop as its last pair.
//
//	for ev, err := range client.Fixtures.Events(ctx, nil).All() {
//		if err != nil {
//			return err
//		}
//		fmt.Println(ev.ID)
//	}
func (s *Stream[E]) All() iter.Seq2[E, error] {
	return func(yield func(E, error) bool) {
		defer func() { _ = s.Close() }()
		for s.Next() {
			if !yield(s.current, nil) {
				return
			}
		}
		if s.err != nil {
			var zero E
			yield(zero, s.err)
		}
	}
}

// Err is the error that ended the stream; nil when it ended normally or was closed.
func (s *Stream[E]) Err() error { return s.err }

// LastEventID is the id of the last event received: pass it as Last-Event-ID to resume later.
func (s *Stream[E]) LastEventID() string { return s.lastID }

// Response is the HTTP response of the current (or last) connection.
func (s *Stream[E]) Response() *http.Response { return s.response }

// Close ends the stream and its connection; Next returns false afterwards.
func (s *Stream[E]) Close() error {
	s.cancel()
	s.finish()
	return nil
}

// reconnectable: a dropped connection, a timeout, or a status worth trying again.
func reconnectable(err error) bool {
	var apiErr *apierror.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	if apiErr.Code == behaviour.CodeNetwork || apiErr.Code == behaviour.CodeTimeout {
		return true
	}
	return requestconfig.IsRetryable(http.MethodGet, false, requestconfig.OutcomeStatus, apiErr.StatusCode) && apiErr.StatusCode != 0
}

// streamFailure is the platform's report of a failure after the stream started: an `error`
// event whose data is a problem document.
func streamFailure(ev Event, res *http.Response) *apierror.Error {
	var problem struct {
		Status int `json:"status"`
	}
	_ = json.Unmarshal(ev.Data, &problem)
	status := problem.Status
	if status < 400 || status > 599 {
		status = 500
	}
	header := http.Header{}
	if res != nil {
		header = res.Header
	}
	return apierror.FromResponse(status, header, ev.Data)
}
