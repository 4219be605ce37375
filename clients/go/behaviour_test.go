package aerostack_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/aerostack/aerostack-oss/clients/go/internal/apierror"
	"github.com/aerostack/aerostack-oss/clients/go/internal/requestconfig"
)

// The one table of cases every Aerostack client runs (spec/clients/cases.json) against the
// rules of spec/clients/README.md.
type behaviourCases struct {
	Retry []struct {
		Name           string `json:"name"`
		Method         string `json:"method"`
		IdempotencyKey bool   `json:"idempotencyKey"`
		Outcome        string `json:"outcome"`
		Status         int    `json:"status"`
		Retry          bool   `json:"retry"`
	} `json:"retry"`
	Delay []struct {
		Name       string  `json:"name"`
		N          int     `json:"n"`
		RetryAfter *string `json:"retryAfter"`
		NowMs      int64   `json:"nowMs"`
		R          float64 `json:"r"`
		DelayMs    int64   `json:"delayMs"`
	} `json:"delay"`
	Errors []struct {
		Name    string            `json:"name"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
		Expect  map[string]any    `json:"expect"`
	} `json:"errors"`
}

func loadCases(t *testing.T) behaviourCases {
	data, err := os.ReadFile("../../spec/clients/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases behaviourCases
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases.Retry) == 0 || len(cases.Delay) == 0 || len(cases.Errors) == 0 {
		t.Fatal("cases.json lost a section")
	}
	return cases
}

func TestBehaviourCases(t *testing.T) {
	cases := loadCases(t)
	for _, c := range cases.Retry {
		got := requestconfig.IsRetryable(c.Method, c.IdempotencyKey, requestconfig.Outcome(c.Outcome), c.Status)
		if got != c.Retry {
			t.Errorf("retry %q: got %v, want %v", c.Name, got, c.Retry)
		}
	}
	for _, c := range cases.Delay {
		if got := requestconfig.RetryDelayMs(c.N, c.RetryAfter, c.NowMs, c.R); got != c.DelayMs {
			t.Errorf("delay %q: got %d, want %d", c.Name, got, c.DelayMs)
		}
	}
	for _, c := range cases.Errors {
		header := http.Header{}
		for k, v := range c.Headers {
			header.Set(k, v)
		}
		e := apierror.FromResponse(c.Status, header, []byte(c.Body))
		got := map[string]any{"status": float64(e.StatusCode), "code": e.Code, "title": e.Title,
			"detail": nilIfEmpty(e.Detail), "requestId": nilIfEmpty(e.RequestID)}
		for key, want := range c.Expect {
			if got[key] != want {
				t.Errorf("error %q: %s is %v, want %v", c.Name, key, got[key], want)
			}
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
