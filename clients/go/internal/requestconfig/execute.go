package requestconfig

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aerostack/aerostack-oss/clients/go/internal/apierror"
	"github.com/aerostack/aerostack-oss/clients/go/internal/behaviour"
)

// Request is one call of an operation, built by the generated methods.
type Request struct {
	Method string
	// Path is the escaped path below the base URL, e.g. "/v1/cache/a%2Fb".
	Path   string
	Query  url.Values
	Header http.Header
	// Auth: send the client's credential (false for operations with `security: []`).
	Auth bool
	// IdempotencyKey: the operation declares the Idempotency-Key header, so a call without one
	// gets a generated key, reused on every retry.
	IdempotencyKey bool
	// At most one body: JSON (HasJSON), raw bytes (Reader), or a multipart form (Form).
	JSON        any
	HasJSON     bool
	Reader      io.Reader
	Form        []Part
	ContentType string
	// Accept is sent as the Accept header (default JSON and problem+json).
	Accept string
	// Statuses answers that count as success besides 2xx (a download's 304).
	Statuses []int
}

// Part is one part of a multipart form: a text value, or a file when Reader is set.
type Part struct {
	Name        string
	Value       string
	Reader      io.Reader
	FileName    string
	ContentType string
}

var errAttemptTimeout = errors.New("the per-attempt timeout fired")

// NewIdempotencyKey is behaviour's key prefix and 32 lower-case hex digits from crypto/rand.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return behaviour.IdempotencyKeyPrefix + hex.EncodeToString(b)
}

// body is the request body, ready to be sent once per attempt.
type body struct {
	data        []byte
	reader      io.Reader
	contentType string
	length      int64 // -1 when unknown
	replayable  bool
	used        bool
}

func newBody(r *Request) (*body, error) {
	switch {
	case r.HasJSON:
		data, err := json.Marshal(r.JSON)
		if err != nil {
			return nil, fmt.Errorf("aerostack: encoding the request body: %w", err)
		}
		return &body{data: data, contentType: or(r.ContentType, "application/json"), length: int64(len(data)), replayable: true}, nil
	case r.Form != nil:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, p := range r.Form {
			if p.Reader == nil {
				if err := w.WriteField(p.Name, p.Value); err != nil {
					return nil, err
				}
				continue
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.Name, or(p.FileName, p.Name)))
			h.Set("Content-Type", or(p.ContentType, "application/octet-stream"))
			part, err := w.CreatePart(h)
			if err != nil {
				return nil, err
			}
			if _, err := io.Copy(part, p.Reader); err != nil {
				return nil, fmt.Errorf("aerostack: reading the file of form field %s: %w", p.Name, err)
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return &body{data: buf.Bytes(), contentType: w.FormDataContentType(), length: int64(buf.Len()), replayable: true}, nil
	case r.Reader != nil:
		b := &body{reader: r.Reader, contentType: or(r.ContentType, "application/octet-stream"), length: -1}
		switch v := r.Reader.(type) {
		case *bytes.Reader:
			b.length = int64(v.Len())
		case *bytes.Buffer:
			b.length = int64(v.Len())
		case *strings.Reader:
			b.length = int64(v.Len())
		case *os.File:
			if info, err := v.Stat(); err == nil && info.Mode().IsRegular() {
				if pos, err := v.Seek(0, io.SeekCurrent); err == nil {
					b.length = info.Size() - pos
				}
			}
		}
		_, b.replayable = r.Reader.(io.Seeker)
		return b, nil
	}
	return nil, nil
}

// open returns the reader of one attempt; a seekable reader rewinds to where it started.
func (b *body) open(start int64) (io.Reader, error) {
	if b.data != nil {
		return bytes.NewReader(b.data), nil
	}
	if b.used && b.replayable {
		if _, err := b.reader.(io.Seeker).Seek(start, io.SeekStart); err != nil {
			return nil, err
		}
	}
	b.used = true
	// Hidden behind a plain io.Reader so that http.Client does not close the caller's file: a
	// retry rewinds it, and the caller closes it.
	return readerOnly{b.reader}, nil
}

type readerOnly struct{ io.Reader }

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// attempt is one try: its response (if any) and how it ended.
type attempt struct {
	res     *http.Response
	data    []byte // the read body (JSON results and errors)
	outcome Outcome
	err     error
}

// Execute sends r with cfg's retry rules. With stream false the body of the final response
// is read (returned as data, and left readable on the response); with stream true a success
// comes back with its body open — the caller must Close it — and the per-attempt timeout
// stops once the headers have arrived.
func Execute(ctx context.Context, r *Request, stream bool, opts []Option) (*http.Response, []byte, error) {
	cfg, err := NewConfig(opts)
	if err != nil {
		return nil, nil, err
	}
	header := http.Header{}
	for name, values := range r.Header {
		header[name] = slices.Clone(values)
	}
	for name, values := range cfg.Header {
		header[name] = slices.Clone(values)
	}
	if r.IdempotencyKey && header.Get(behaviour.IdempotencyHeader) == "" {
		header.Set(behaviour.IdempotencyHeader, NewIdempotencyKey())
	}
	hasKey := header.Get(behaviour.IdempotencyHeader) != ""
	b, err := newBody(r)
	if err != nil {
		return nil, nil, err
	}
	var start int64
	if b != nil && b.replayable && b.reader != nil {
		start, _ = b.reader.(io.Seeker).Seek(0, io.SeekCurrent)
	}
	query := url.Values{}
	for name, values := range r.Query {
		query[name] = values
	}
	for name, values := range cfg.Query {
		query[name] = values
	}
	target := cfg.BaseURL + r.Path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	for n := 0; ; n++ {
		a := send(ctx, cfg, r, header, b, start, target, stream)
		if cfg.ResponseInto != nil && a.res != nil {
			*cfg.ResponseInto = a.res
		}
		if a.err == nil {
			return a.res, a.data, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, callerEnded(ctx)
		}
		status := 0
		if a.res != nil {
			status = a.res.StatusCode
		}
		replayable := b == nil || b.replayable || a.outcome == OutcomeConnect
		if n >= cfg.MaxRetries || !replayable || !IsRetryable(r.Method, hasKey, a.outcome, status) {
			return a.res, a.data, a.err
		}
		var retryAfter *string
		if a.res != nil {
			if values := a.res.Header.Values("Retry-After"); len(values) > 0 {
				retryAfter = &values[0]
			}
		}
		wait := time.Duration(RetryDelayMs(n, retryAfter, time.Now().UnixMilli(), rand.Float64())) * time.Millisecond
		if cfg.MaxRetryDelay > 0 {
			wait = min(wait, cfg.MaxRetryDelay)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, callerEnded(ctx)
		}
	}
}

// callerEnded is the error of a call whose context ended: a deadline is client/timeout, a
// cancellation client/aborted.
func callerEnded(ctx context.Context) *apierror.Error {
	cause := context.Cause(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apierror.NoAnswer(behaviour.CodeTimeout, cause)
	}
	return apierror.NoAnswer(behaviour.CodeAborted, cause)
}

func send(ctx context.Context, cfg *Config, r *Request, header http.Header, b *body, start int64, target string, stream bool) attempt {
	actx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(cfg.Timeout, func() { cancel(errAttemptTimeout) })
	fail := func(err error) attempt {
		timer.Stop()
		cancel(nil)
		outcome, code := classify(actx, err)
		return attempt{outcome: outcome, err: apierror.NoAnswer(code, err)}
	}
	var reader io.Reader
	if b != nil {
		var err error
		if reader, err = b.open(start); err != nil {
			return fail(err)
		}
	}
	req, err := http.NewRequestWithContext(actx, r.Method, target, reader)
	if err != nil {
		timer.Stop()
		cancel(nil)
		return attempt{outcome: OutcomeConnect, err: fmt.Errorf("aerostack: building the request: %w", err)}
	}
	req.Header = header.Clone()
	if b != nil {
		req.ContentLength = b.length
		if b.length == 0 {
			req.Body = http.NoBody
		}
		req.Header.Set("Content-Type", b.contentType)
	}
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	} else if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, application/problem+json")
	}
	if r.Auth && cfg.Credential != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Credential)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return fail(err)
	}
	success := (res.StatusCode >= 200 && res.StatusCode < 300) || slices.Contains(r.Statuses, res.StatusCode)
	if success && stream {
		timer.Stop()
		res.Body = &cancelOnClose{ReadCloser: res.Body, cancel: cancel}
		return attempt{res: res, outcome: OutcomeStatus}
	}
	data, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	timer.Stop()
	if err != nil {
		cancel(nil)
		a := fail(err)
		if a.outcome == OutcomeConnect {
			a.outcome = OutcomeNetwork
		}
		return a
	}
	cancel(nil)
	res.Body = io.NopCloser(bytes.NewReader(data))
	if success {
		return attempt{res: res, data: data, outcome: OutcomeStatus}
	}
	apiErr := apierror.FromResponse(res.StatusCode, res.Header, data)
	apiErr.Response = res
	return attempt{res: res, data: data, outcome: OutcomeStatus, err: apiErr}
}

// classify tells a per-attempt timeout, a connection that never opened, and a broken one apart.
func classify(actx context.Context, err error) (Outcome, string) {
	if errors.Is(context.Cause(actx), errAttemptTimeout) {
		return OutcomeTimeout, behaviour.CodeTimeout
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if (errors.As(err, &opErr) && opErr.Op == "dial") || errors.As(err, &dnsErr) {
		return OutcomeConnect, behaviour.CodeNetwork
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return OutcomeTimeout, behaviour.CodeTimeout
	}
	return OutcomeNetwork, behaviour.CodeNetwork
}

// cancelOnClose ends the attempt's context when the caller closes a streamed body.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel(nil)
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Do sends r and decodes a success's JSON body into out (nil: the operation answers nothing).
func Do(ctx context.Context, r *Request, out any, opts ...Option) error {
	res, data, err := Execute(ctx, r, false, opts)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return apierror.Invalid(res, data, err)
	}
	return nil
}

// Open sends r and returns a success with its body still open (downloads, event streams).
func Open(ctx context.Context, r *Request, opts ...Option) (*http.Response, error) {
	res, _, err := Execute(ctx, r, true, opts)
	return res, err
}
