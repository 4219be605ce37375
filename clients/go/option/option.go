// Package option holds the options of a client and of each call. Options given to
// aerostack.NewClient apply to every call; options given to a method apply to that call only
// and come after the client's.
//
//	client := aerostack.NewClient(option.WithSecretKey("sk_…"), option.WithBaseURL("http://localhost:8787"))
//	entry, err := client.Cache.Get(ctx, "theme", option.WithMaxRetries(0))
package option

import (
	"errors"
	"net/http"
	"time"

	"github.com/aerostack/aerostack-oss/clients/go/internal/requestconfig"
)

// RequestOption changes how a call is sent.
type RequestOption = requestconfig.Option

// WithBaseURL sets the platform's URL (default: the AEROSTACK_URL environment variable).
//
//	option.WithBaseURL("https://aerostack.example.com")
func WithBaseURL(url string) RequestOption {
	return func(c *requestconfig.Config) error {
		c.BaseURL = url
		return nil
	}
}

// WithSecretKey sets a project secret key (sk_…) as the bearer credential (default: the
// AEROSTACK_SECRET_KEY environment variable).
//
//	option.WithSecretKey(os.Getenv("AEROSTACK_SECRET_KEY"))
func WithSecretKey(key string) RequestOption { return WithCredential(key) }

// WithAccountKey sets the account key (ak_…) as the bearer credential, for the account and
// project APIs.
//
//	option.WithAccountKey(os.Getenv("AEROSTACK_ACCOUNT_KEY"))
func WithAccountKey(key string) RequestOption { return WithCredential(key) }

// WithPublishableKey sets a publishable key (pk_…) as the bearer credential.
//
//	option.WithPublishableKey("pk_…")
func WithPublishableKey(key string) RequestOption { return WithCredential(key) }

// WithCredential sets the bearer credential, whatever its kind; "" sends none.
//
//	option.WithCredential("")
func WithCredential(credential string) RequestOption {
	return func(c *requestconfig.Config) error {
		c.Credential = credential
		return nil
	}
}

// WithHTTPClient sets the *http.Client that sends requests (default http.DefaultClient).
//
//	option.WithHTTPClient(&http.Client{Transport: myTransport})
func WithHTTPClient(client *http.Client) RequestOption {
	return func(c *requestconfig.Config) error {
		if client == nil {
			return errors.New("option.WithHTTPClient: nil client")
		}
		c.HTTPClient = client
		return nil
	}
}

// WithTimeout bounds each attempt of a call (default 60s) until its answer has arrived; a
// stream or a download is not cut once its headers are in. The call's context bounds the
// whole call, retries included.
//
//	option.WithTimeout(5 * time.Second)
func WithTimeout(timeout time.Duration) RequestOption {
	return func(c *requestconfig.Config) error {
		c.Timeout = timeout
		return nil
	}
}

// WithMaxRetries sets how many times a retryable call is retried (default 2; 0 disables).
//
//	client.Cache.Get(ctx, "k", option.WithMaxRetries(0))
func WithMaxRetries(n int) RequestOption {
	return func(c *requestconfig.Config) error {
		c.MaxRetries = max(n, 0)
		return nil
	}
}

// WithMaxRetryDelay caps the wait before a retry (backoff or Retry-After), e.g. in tests.
//
//	option.WithMaxRetryDelay(10 * time.Millisecond)
func WithMaxRetryDelay(d time.Duration) RequestOption {
	return func(c *requestconfig.Config) error {
		c.MaxRetryDelay = d
		return nil
	}
}

// WithHeader sets a header on the request, replacing the operation's own value.
//
//	option.WithHeader("X-Trace", "abc")
func WithHeader(name, value string) RequestOption {
	return func(c *requestconfig.Config) error {
		c.Header.Set(name, value)
		return nil
	}
}

// WithHeaderDel removes a header an earlier option set.
//
//	option.WithHeaderDel("X-Trace")
func WithHeaderDel(name string) RequestOption {
	return func(c *requestconfig.Config) error {
		c.Header.Del(name)
		return nil
	}
}

// WithQuery sets a query parameter on the request.
//
//	option.WithQuery("debug", "1")
func WithQuery(name, value string) RequestOption {
	return func(c *requestconfig.Config) error {
		c.Query.Set(name, value)
		return nil
	}
}

// WithIdempotencyKey sends this Idempotency-Key instead of a generated one; a call that
// carries a key is retried after failures that may have reached the platform.
//
//	client.Projects.Create(ctx, body, nil, option.WithIdempotencyKey("create-my-app"))
func WithIdempotencyKey(key string) RequestOption { return WithHeader("Idempotency-Key", key) }

// WithResponseInto stores the final *http.Response of the call in *dst (its body is already
// read for JSON answers), for the status, headers and request id.
//
//	var res *http.Response
//	entry, err := client.Cache.Get(ctx, "k", option.WithResponseInto(&res))
//	fmt.Println(res.StatusCode, res.Header.Get("X-Request-Id"))
func WithResponseInto(dst **http.Response) RequestOption {
	return func(c *requestconfig.Config) error {
		c.ResponseInto = dst
		return nil
	}
}
