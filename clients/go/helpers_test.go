package aerostack_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	aerostack "github.com/aerostack/aerostack-oss/clients/go"
	"github.com/aerostack/aerostack-oss/clients/go/option"
)

// livePlatform reads the platform started by scripts/with-platform.sh. Without it the live
// tests skip locally and fail when CI=true, so CI cannot pass without running them.
func livePlatform(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, name := range []string{"AEROSTACK_URL", "AEROSTACK_SECRET_KEY", "AEROSTACK_ACCOUNT_KEY", "AEROSTACK_PUBLISHABLE_KEY", "AEROSTACK_PROJECT_ID"} {
		env[name] = os.Getenv(name)
		if env[name] == "" {
			msg := name + " is unset: run under scripts/with-platform.sh"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return env
}

// secretClient is configured from the environment alone, as NewClient promises.
func secretClient(t *testing.T) *aerostack.Client {
	livePlatform(t)
	return aerostack.NewClient()
}

func accountClient(t *testing.T) *aerostack.Client {
	env := livePlatform(t)
	return aerostack.NewClient(option.WithAccountKey(env["AEROSTACK_ACCOUNT_KEY"]))
}

// unique returns a fresh suffix so tests never share cache keys or idempotency keys.
func unique(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// apiError asserts that err is an *aerostack.Error with the given code and status.
func apiError(t *testing.T, err error, code string, status int) *aerostack.Error {
	t.Helper()
	var apiErr *aerostack.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *aerostack.Error %s, got %v", code, err)
	}
	if apiErr.Code != code || apiErr.StatusCode != status {
		t.Fatalf("want %s (%d), got %s (%d): %v", code, status, apiErr.Code, apiErr.StatusCode, apiErr)
	}
	return apiErr
}
