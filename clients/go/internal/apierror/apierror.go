// Package apierror is the one error type of the Go clients and how a response becomes one
// (spec/clients/README.md, "An error response becomes an error").
package apierror

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aerostack/aerostack-oss/clients/go/internal/behaviour"
)

// FieldError is one problem with one field of an invalid request.
type FieldError struct {
	// Location is `body`, `query`, `path` or `header` followed by a JSON pointer.
	Location string `json:"location"`
	Message  string `json:"message"`
}

// Error is what every failed call returns: the platform's problem document, or — with
// StatusCode 0 — a call that got no answer (Code "client/network", "client/timeout",
// "client/aborted"). A response that is not a problem document has Code
// "client/invalid-response" and the real StatusCode. Switch on Code, which is stable.
//
//	var apiErr *aerostack.Error
//	if errors.As(err, &apiErr) && apiErr.Code == aerostack.CodeCacheNotFound {
//		// the key is absent
//	}
type Error struct {
	// StatusCode is the HTTP status, or 0 when no answer arrived.
	StatusCode int
	// Code is a stable `area/kebab-name` code, e.g. "cache/not-found".
	Code string
	// RequestID is the request's id (the problem's requestId, else the X-Request-Id header);
	// quote it when asking for support.
	RequestID string
	// Title is a short summary of the problem type.
	Title string
	// Detail says what went wrong with this request ("" when the platform gave none).
	Detail string
	// Type is a URI reference naming the problem type.
	Type string
	// Errors lists field-level problems of an invalid request.
	Errors []FieldError
	// Response is the HTTP response (its body already read), nil when no answer arrived.
	Response *http.Response
	// Body is the raw response body.
	Body []byte
	// Err is the cause of a call that got no answer (or of an invalid response).
	Err error
}

// Error formats the code, status, detail and request id.
//
//	fmt.Println(err) // aerostack: cache/not-found (404): No entry. [request req_…]
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("aerostack: ")
	b.WriteString(e.Code)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (%d)", e.StatusCode)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Title != "":
		b.WriteString(": " + e.Title)
	}
	if e.Err != nil && e.Detail == "" {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// Unwrap returns the cause of a call that got no answer, e.g. context.DeadlineExceeded.
//
//	errors.Is(err, context.Canceled)
func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error by Code (and StatusCode when the target sets one), so that
// errors.Is(err, &aerostack.Error{Code: aerostack.CodeCacheNotFound}) works.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) || t == nil {
		return false
	}
	return t.Code == e.Code && (t.StatusCode == 0 || t.StatusCode == e.StatusCode)
}

// FromResponse turns an error response (status, headers, body) into an Error: a JSON object
// with a string `code` is a problem document, anything else is client/invalid-response.
func FromResponse(status int, header http.Header, body []byte) *Error {
	e := &Error{StatusCode: status, RequestID: header.Get(behaviour.RequestIDHeader), Body: body}
	var doc map[string]json.RawMessage
	var code string
	if json.Unmarshal(body, &doc) != nil || doc == nil || !isString(doc["code"]) || json.Unmarshal(doc["code"], &code) != nil {
		e.Code = behaviour.CodeInvalidResponse
		e.Title = "Invalid response"
		e.Detail = invalidDetail(status, header, body)
		return e
	}
	e.Code = code
	str := func(key string) string {
		var s string
		_ = json.Unmarshal(doc[key], &s)
		return s
	}
	e.Title, e.Detail, e.Type = str("title"), str("detail"), str("type")
	if id := str("requestId"); id != "" {
		e.RequestID = id
	}
	_ = json.Unmarshal(doc["errors"], &e.Errors)
	return e
}

func isString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }

func invalidDetail(status int, header http.Header, body []byte) string {
	kind := header.Get("Content-Type")
	if kind == "" {
		kind = "no content type"
	}
	text := strings.TrimSpace(string(body[:min(len(body), 200)]))
	if text == "" {
		return fmt.Sprintf("The platform answered %d without a problem document (%s, empty body).", status, kind)
	}
	return fmt.Sprintf("The platform answered %d without a problem document (%s): %s", status, kind, text)
}

// Invalid is the client/invalid-response error of a 2xx answer the client cannot read.
func Invalid(res *http.Response, body []byte, cause error) *Error {
	e := &Error{StatusCode: res.StatusCode, Code: behaviour.CodeInvalidResponse, Title: "Invalid response",
		RequestID: res.Header.Get(behaviour.RequestIDHeader), Response: res, Body: body, Err: cause}
	e.Detail = fmt.Sprintf("The platform's %d answer is not what the operation declares: %v", res.StatusCode, cause)
	return e
}

// NoAnswer is the error of a call that got no response: code is client/network,
// client/timeout or client/aborted; cause is the transport's error.
func NoAnswer(code string, cause error) *Error {
	title := map[string]string{
		behaviour.CodeNetwork: "No answer from the platform",
		behaviour.CodeTimeout: "The call timed out",
		behaviour.CodeAborted: "The call was cancelled",
	}[code]
	return &Error{Code: code, Title: title, Err: cause}
}
