// Package param holds Opt, the one type for a field or parameter that may be absent, null, or
// hold a value — in requests and in responses alike, so optional and nullable fields need no
// pointers.
//
//	body := aerostack.CacheSet{Value: "dark", TTLSeconds: aerostack.Int(3600)}
//	entry, _ := client.Cache.Get(ctx, "theme")
//	if entry.ExpiresAt.Valid() {
//		fmt.Println("expires", entry.ExpiresAt.Value)
//	}
package param

import (
	"bytes"
	"encoding/json"
	"fmt"
)

type state uint8

const (
	omitted state = iota
	null
	present
)

// Opt is a value of type T that may be omitted (the zero Opt), explicitly null, or present.
// In a request an omitted Opt is left out of the JSON (`omitzero`) or the query, a null one is
// sent as `null`; in a response it tells a missing member from a `null` and from a value.
type Opt[T any] struct {
	// Value is the value when Valid, else T's zero value.
	Value  T
	status state
}

// NewOpt returns an Opt holding v.
//
//	param.NewOpt(int64(60))
func NewOpt[T any](v T) Opt[T] { return Opt[T]{Value: v, status: present} }

// Null returns an Opt that is sent as JSON null.
//
//	aerostack.CacheSet{Value: 1, TTLSeconds: param.Null[int64]()}
func Null[T any]() Opt[T] { return Opt[T]{status: null} }

// Valid reports whether the Opt holds a value (neither omitted nor null).
//
//	if entry.ExpiresAt.Valid() { … }
func (o Opt[T]) Valid() bool { return o.status == present }

// IsNull reports whether the Opt is an explicit null.
//
//	if res.Detail.IsNull() { … }
func (o Opt[T]) IsNull() bool { return o.status == null }

// IsOmitted reports whether the Opt was left unset (a request field not sent, a response member
// missing). encoding/json's `omitzero` leaves such a field out.
//
//	if params.Limit.IsOmitted() { … }
func (o Opt[T]) IsOmitted() bool { return o.status == omitted }

// IsZero is IsOmitted, for encoding/json's `omitzero`.
func (o Opt[T]) IsZero() bool { return o.status == omitted }

// Or returns the value when Valid, else fallback.
//
//	ttl := body.TTLSeconds.Or(0)
func (o Opt[T]) Or(fallback T) T {
	if o.status == present {
		return o.Value
	}
	return fallback
}

// Get returns the value and whether the Opt holds one.
//
//	if at, ok := entry.ExpiresAt.Get(); ok { … }
func (o Opt[T]) Get() (T, bool) { return o.Value, o.status == present }

// String formats the value, "null" or "<omitted>".
func (o Opt[T]) String() string {
	switch o.status {
	case present:
		return fmt.Sprint(o.Value)
	case null:
		return "null"
	}
	return "<omitted>"
}

// MarshalJSON writes the value, or null for a null or omitted Opt.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if o.status != present {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON reads null as a null Opt and anything else as a value.
func (o *Opt[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		var zero T
		o.Value, o.status = zero, null
		return nil
	}
	if err := json.Unmarshal(data, &o.Value); err != nil {
		return err
	}
	o.status = present
	return nil
}
