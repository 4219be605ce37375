package aerostack

import (
	"fmt"
	"time"
)

// Ptr returns a pointer to v, for optional fields and parameters.
//
//	aerostack.CacheSet{Value: "dark", TTLSeconds: aerostack.Ptr[int64](3600)}
func Ptr[T any](v T) *T { return &v }

// formatParam writes a path, query or header parameter value.
func formatParam(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}
