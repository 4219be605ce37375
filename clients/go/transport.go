package aerostack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// request is one operation call, built by the generated methods.
type request struct {
	method string
	path   string
	query  url.Values
	header http.Header
	body   any
	// contentType is the media type of body; empty means application/json.
	contentType string
	auth        bool
}

type transport struct {
	baseURL string
	cfg     config
}

func newTransport(baseURL string, opts []Option) *transport {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	return &transport{baseURL: strings.TrimRight(baseURL, "/"), cfg: cfg}
}

// response is a fully read answer; reading inside the attempt keeps the timeout honest.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r, retrying what is safe to retry, and decodes a 2xx JSON body into out.
func (t *transport) do(ctx context.Context, r *request, out any) error {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("aerostack: encoding the request body: %w", err)
		}
	}
	retryable := isIdempotent(r.method) || r.header.Get("Idempotency-Key") != ""
	for attempt := 0; ; attempt++ {
		res, err := t.send(ctx, r, payload)
		canRetry := retryable && attempt < t.cfg.maxRetries && ctx.Err() == nil
		if err != nil {
			if canRetry {
				if waitErr := sleep(ctx, t.backoff(attempt, nil)); waitErr == nil {
					continue
				}
			}
			return connectionError(ctx, err)
		}
		if res.status >= 200 && res.status < 300 {
			if out == nil || len(res.body) == 0 {
				return nil
			}
			if err := json.Unmarshal(res.body, out); err != nil {
				return fmt.Errorf("aerostack: decoding the response of %s %s: %w", r.method, r.path, err)
			}
			return nil
		}
		apiErr := errorFromResponse(res.status, res.header, res.body)
		if canRetry && isRetryableStatus(res.status) {
			if sleep(ctx, t.backoff(attempt, res.header)) == nil {
				continue
			}
		}
		return apiErr
	}
}

func (t *transport) send(ctx context.Context, r *request, payload []byte) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.timeout)
	defer cancel()
	target := t.baseURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, err
	}
	for name, values := range t.cfg.extraHeader {
		req.Header[name] = values
	}
	for name, values := range r.header {
		req.Header[name] = values
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", t.cfg.userAgent)
	if payload != nil {
		contentType := r.contentType
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if r.auth && t.cfg.credential != "" {
		req.Header.Set("Authorization", "Bearer "+t.cfg.credential)
	}
	res, err := t.cfg.httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: res.StatusCode, header: res.Header, body: data}, nil
}

// connectionError wraps a request that got no answer: the caller's context ended, the
// per-attempt timeout fired, or the connection failed.
func connectionError(ctx context.Context, err error) *Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	code := CodeConnectionError
	if errors.Is(err, context.DeadlineExceeded) {
		code = CodeTimeout
	}
	return &Error{Code: code, Title: "No answer from the platform", Err: err}
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
