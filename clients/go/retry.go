package aerostack

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// maxRetryAfter caps how long a Retry-After header can make a call wait.
const maxRetryAfter = 60 * time.Second

// isIdempotent: these methods are safe to repeat; POST only with an Idempotency-Key.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func isRetryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || status >= 500
}

// backoff is the wait before retry number attempt+1: the platform's Retry-After when it
// sent one, else an exponential delay with jitter (between half and all of it).
func (t *transport) backoff(attempt int, header http.Header) time.Duration {
	if wait, ok := retryAfter(header); ok {
		return wait
	}
	d := t.cfg.minBackoff << attempt
	if d > t.cfg.maxBackoff || d <= 0 {
		d = t.cfg.maxBackoff
	}
	half := int64(d / 2)
	return time.Duration(half + rand.Int64N(half+1))
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(header http.Header) (time.Duration, bool) {
	value := header.Get("Retry-After")
	if value == "" {
		return 0, false
	}
	var wait time.Duration
	if seconds, err := strconv.ParseFloat(value, 64); err == nil {
		wait = time.Duration(seconds * float64(time.Second))
	} else if at, err := http.ParseTime(value); err == nil {
		wait = time.Until(at)
	} else {
		return 0, false
	}
	return min(max(wait, 0), maxRetryAfter), true
}
