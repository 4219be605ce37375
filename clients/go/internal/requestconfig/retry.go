package requestconfig

import (
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aerostack/aerostack-oss/clients/go/internal/behaviour"
)

// Outcome is how one attempt ended (spec/clients/README.md).
type Outcome string

// The outcomes of an attempt.
const (
	// OutcomeStatus: a response with a status arrived.
	OutcomeStatus Outcome = "status"
	// OutcomeConnect: the connection could not be opened; the request never left.
	OutcomeConnect Outcome = "connect"
	// OutcomeNetwork: the connection broke after the request may have been sent.
	OutcomeNetwork Outcome = "network"
	// OutcomeTimeout: the per-attempt timeout fired.
	OutcomeTimeout Outcome = "timeout"
)

// IsRetryable says whether an attempt that ended in outcome may be retried: a refused
// connection always; a retryable status, a broken connection or a timeout only when the call
// is safe to repeat (an idempotent method, or an Idempotency-Key on the request).
func IsRetryable(method string, hasIdempotencyKey bool, outcome Outcome, status int) bool {
	if outcome == OutcomeConnect {
		return true
	}
	if !hasIdempotencyKey && !slices.Contains(behaviour.IdempotentMethods, strings.ToUpper(method)) {
		return false
	}
	if outcome != OutcomeStatus {
		return true
	}
	return slices.Contains(behaviour.RetryStatuses, status) ||
		(behaviour.RetryServerErrors && status >= 500 && status <= 599)
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// RetryDelayMs is the wait in milliseconds before retry n (0-based): the Retry-After header
// (seconds, or an HTTP date relative to nowMs) capped, else exponential backoff where r,
// uniform in [0, 1), takes off up to the jitter share. retryAfter nil means no header.
func RetryDelayMs(n int, retryAfter *string, nowMs int64, r float64) int64 {
	if retryAfter != nil {
		value := strings.TrimSpace(*retryAfter)
		if digits.MatchString(value) {
			seconds, err := strconv.ParseInt(value, 10, 64)
			if err != nil || seconds > behaviour.RetryAfterCapMs/1000 {
				return behaviour.RetryAfterCapMs
			}
			return min(seconds*1000, behaviour.RetryAfterCapMs)
		}
		if at, err := http.ParseTime(value); err == nil {
			return min(max(at.UnixMilli()-nowMs, 0), behaviour.RetryAfterCapMs)
		}
	}
	base := math.Min(behaviour.BackoffMaxMs, behaviour.BackoffInitialMs*math.Pow(behaviour.BackoffMultiplier, float64(n)))
	return int64(math.Floor(base * (1 - behaviour.BackoffJitter*r)))
}
