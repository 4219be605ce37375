package aerostack

import (
	"net/http"
	"time"
)

type config struct {
	credential  string
	httpClient  *http.Client
	timeout     time.Duration
	maxRetries  int
	minBackoff  time.Duration
	maxBackoff  time.Duration
	userAgent   string
	extraHeader http.Header
}

func defaultConfig() config {
	return config{
		httpClient:  http.DefaultClient,
		timeout:     30 * time.Second,
		maxRetries:  2,
		minBackoff:  500 * time.Millisecond,
		maxBackoff:  8 * time.Second,
		userAgent:   "aerostack-go/" + Version,
		extraHeader: http.Header{},
	}
}

// Option configures a Client; pass options to New.
//
//	client := aerostack.New(url, aerostack.WithCredential(key), aerostack.WithTimeout(10*time.Second))
type Option func(*config)

// WithCredential sets the bearer credential sent on every call: an account key (ak_),
// a project secret key (sk_) or a publishable key (pk_).
//
//	aerostack.New(url, aerostack.WithCredential(os.Getenv("AEROSTACK_SECRET_KEY")))
func WithCredential(credential string) Option {
	return func(c *config) { c.credential = credential }
}

// WithHTTPClient sets the *http.Client that sends requests (default http.DefaultClient).
//
//	aerostack.New(url, aerostack.WithHTTPClient(&http.Client{Transport: myTransport}))
func WithHTTPClient(client *http.Client) Option {
	return func(c *config) { c.httpClient = client }
}

// WithTimeout bounds each attempt of a call (default 30s); the call's context bounds all of them.
//
//	aerostack.New(url, aerostack.WithTimeout(5*time.Second))
func WithTimeout(timeout time.Duration) Option {
	return func(c *config) { c.timeout = timeout }
}

// WithMaxRetries sets how many times a retryable call is retried (default 2; 0 disables retries).
//
//	aerostack.New(url, aerostack.WithMaxRetries(5))
func WithMaxRetries(n int) Option {
	return func(c *config) { c.maxRetries = max(n, 0) }
}

// WithBackoff sets the first and the longest wait between retries (default 500ms and 8s).
// A Retry-After header from the platform takes precedence.
//
//	aerostack.New(url, aerostack.WithBackoff(100*time.Millisecond, 2*time.Second))
func WithBackoff(first, longest time.Duration) Option {
	return func(c *config) { c.minBackoff, c.maxBackoff = first, longest }
}

// WithHeader adds a header to every request.
//
//	aerostack.New(url, aerostack.WithHeader("X-Request-Id", "req_123"))
func WithHeader(name, value string) Option {
	return func(c *config) { c.extraHeader.Set(name, value) }
}

// WithUserAgent replaces the User-Agent header (default aerostack-go/<version>).
//
//	aerostack.New(url, aerostack.WithUserAgent("my-app/1.0"))
func WithUserAgent(userAgent string) Option {
	return func(c *config) { c.userAgent = userAgent }
}
