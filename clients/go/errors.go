package aerostack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Client-side error codes: the request never got an answer from the platform.
const (
	// CodeConnectionError: the platform could not be reached, or the connection broke.
	CodeConnectionError = "client/network"
	// CodeTimeout: the request took longer than the client's timeout.
	CodeTimeout = "client/timeout"
)

// Error is the error every failed call returns: a problem+json answer of the platform,
// or (with Status 0) a request that got no answer. Switch on Code, which is stable.
//
//	var apiErr *aerostack.Error
//	if errors.As(err, &apiErr) && apiErr.Code == aerostack.CodeCacheNotFound {
//		// the key is absent
//	}
type Error struct {
	// Code is a stable `area/kebab-name` code, e.g. "cache/not-found".
	Code string
	// Status is the HTTP status, or 0 when no answer arrived.
	Status int
	// RequestID is the request's X-Request-Id; quote it when asking for support.
	RequestID string
	// Title is a short summary of the problem type.
	Title string
	// Detail says what went wrong with this request.
	Detail string
	// Type is a URI reference naming the problem type.
	Type string
	// Errors lists field-level problems of an invalid request.
	Errors []FieldProblem
	// Err is the underlying error of a request that got no answer.
	Err error
}

// Error formats the code, status, detail and request id.
//
//	fmt.Println(err.Error()) // aerostack: cache/not-found (404): … [request req_…]
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("aerostack: ")
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		b.WriteString("http error")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (%d)", e.Status)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Title != "":
		b.WriteString(": " + e.Title)
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// Unwrap returns the underlying error of a request that got no answer.
//
//	errors.Is(err, context.DeadlineExceeded)
func (e *Error) Unwrap() error { return e.Err }

// IsCode reports whether err is an *Error with the given code.
//
//	if aerostack.IsCode(err, aerostack.CodeCacheNotFound) { … }
func IsCode(err error, code string) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Code == code
}

// errorFromResponse reads a problem+json body; anything else becomes an Error without a code.
func errorFromResponse(status int, header http.Header, body []byte) *Error {
	e := &Error{Status: status, RequestID: header.Get("X-Request-Id"), Title: http.StatusText(status)}
	var p Problem
	if json.Unmarshal(body, &p) != nil || p.Code == "" {
		e.Detail = strings.TrimSpace(string(body[:min(len(body), 200)]))
		return e
	}
	e.Code, e.Type, e.Title, e.Errors = p.Code, p.Type, p.Title, p.Errors
	if p.Detail != nil {
		e.Detail = *p.Detail
	}
	if p.RequestID != "" {
		e.RequestID = p.RequestID
	}
	return e
}
