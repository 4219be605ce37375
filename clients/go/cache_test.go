package aerostack_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	aerostack "github.com/aerostack/aerostack-oss/clients/go"
	"github.com/aerostack/aerostack-oss/clients/go/option"
	"github.com/aerostack/aerostack-oss/clients/go/param"
)

func TestCacheRoundTrip(t *testing.T) {
	client, ctx := secretClient(t), context.Background()
	key := "go:round-trip:" + unique(t)
	value := map[string]any{"theme": "dark", "n": []any{1.0, 2.0}}

	stored, err := client.Cache.Set(ctx, key, aerostack.CacheSet{Value: value})
	if err != nil {
		t.Fatal(err)
	}
	if stored.Key != key || stored.ExpiresAt.Valid() || !stored.ExpiresAt.IsNull() || !reflect.DeepEqual(stored.Value, value) {
		t.Fatalf("set returned %+v", stored)
	}
	got, err := client.Cache.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Value, value) {
		t.Fatalf("get returned %#v", got.Value)
	}

	counter := "go:counter:" + unique(t)
	for _, step := range []struct {
		by   param.Opt[int64]
		want int64
	}{{param.Opt[int64]{}, 1}, {aerostack.Int(5), 6}, {aerostack.Int(-2), 4}} {
		var body *aerostack.CacheIncrement
		if step.by.Valid() {
			body = &aerostack.CacheIncrement{By: step.by}
		}
		res, err := client.Cache.Increment(ctx, counter, body)
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != step.want {
			t.Fatalf("increment by %v: got %d, want %d", step.by, res.Value, step.want)
		}
	}

	for _, want := range []bool{true, false} {
		deleted, err := client.Cache.Delete(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if deleted.Deleted != want {
			t.Fatalf("delete: got %v, want %v", deleted.Deleted, want)
		}
	}
}

func TestCacheMissIsNotFound(t *testing.T) {
	client := secretClient(t)
	_, err := client.Cache.Get(context.Background(), "go:missing:"+unique(t))
	apiErr := apiError(t, err, aerostack.CodeCacheNotFound, 404)
	if !strings.HasPrefix(apiErr.RequestID, "req_") || apiErr.Title == "" {
		t.Fatalf("error lacks request id or title: %+v", apiErr)
	}
	if !errors.Is(err, &aerostack.Error{Code: aerostack.CodeCacheNotFound}) {
		t.Fatal("errors.Is did not match the code")
	}
	if !strings.Contains(err.Error(), "cache/not-found (404)") {
		t.Fatalf("unexpected message %q", err.Error())
	}
}

func TestCacheTTLExpiry(t *testing.T) {
	client, ctx := secretClient(t), context.Background()
	key := "go:ttl:" + unique(t)
	stored, err := client.Cache.Set(ctx, key, aerostack.CacheSet{Value: "short-lived", TTLSeconds: aerostack.Int(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !stored.ExpiresAt.Valid() || time.Until(stored.ExpiresAt.Value) > 2*time.Second {
		t.Fatalf("expiresAt %v is not about a second away", stored.ExpiresAt)
	}
	if _, err := client.Cache.Get(ctx, key); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	_, err = client.Cache.Get(ctx, key)
	apiError(t, err, aerostack.CodeCacheNotFound, 404)
}

func TestCacheIncrementNonInteger(t *testing.T) {
	client, ctx := secretClient(t), context.Background()
	key := "go:text:" + unique(t)
	if _, err := client.Cache.Set(ctx, key, aerostack.CacheSet{Value: "not a number"}); err != nil {
		t.Fatal(err)
	}
	_, err := client.Cache.Increment(ctx, key, nil)
	apiError(t, err, aerostack.CodeCacheNotAnInteger, 422)
}

func TestCachePublishableKeyIsRefused(t *testing.T) {
	env := livePlatform(t)
	client := aerostack.NewClient(option.WithPublishableKey(env["AEROSTACK_PUBLISHABLE_KEY"]))
	_, err := client.Cache.Get(context.Background(), "go:any:"+unique(t))
	apiError(t, err, aerostack.CodeAuthWrongCredentialType, 403)
}

func TestHealthNeedsNoCredential(t *testing.T) {
	env := livePlatform(t)
	health, err := aerostack.NewClient(option.WithBaseURL(env["AEROSTACK_URL"]), option.WithCredential("")).Health.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if health.Status != "ok" || health.Version == "" {
		t.Fatalf("health %+v", health)
	}
}
