// Package requestconfig is the runtime every generated Go client calls: options, sending a
// request with the retry rules of spec/clients/README.md, and reading the answer.
package requestconfig

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aerostack/aerostack-oss/clients/go/internal/behaviour"
)

// DefaultTimeout bounds each attempt until its response has arrived (for JSON, until its body
// has been read; streams and downloads are not cut once their headers are in).
const DefaultTimeout = 60 * time.Second

// Config is what the options of a client and of one call set.
type Config struct {
	BaseURL      string
	Credential   string
	HTTPClient   *http.Client
	Timeout      time.Duration
	MaxRetries   int
	Header       http.Header
	Query        url.Values
	ResponseInto **http.Response
	// MaxRetryDelay, when set, replaces the computed wait before a retry by
	// min(computed, MinRetryDelay) — for tests that must not sleep for real.
	MaxRetryDelay time.Duration
}

// Option changes a Config; option.RequestOption is this type.
type Option func(*Config) error

// NewConfig applies opts over the defaults.
func NewConfig(opts []Option) (*Config, error) {
	cfg := &Config{
		HTTPClient: http.DefaultClient,
		Timeout:    DefaultTimeout,
		MaxRetries: behaviour.MaxRetries,
		Header:     http.Header{},
		Query:      url.Values{},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, err
		}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return cfg, nil
}
