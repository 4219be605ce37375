package aerostack_test

import (
	"context"
	"strings"
	"testing"

	aerostack "github.com/aerostack/aerostack-oss/clients/go"
	"github.com/aerostack/aerostack-oss/clients/go/option"
)

func TestAccountAndProjectsList(t *testing.T) {
	client, ctx := accountClient(t), context.Background()
	projectID := livePlatform(t)["AEROSTACK_PROJECT_ID"]
	account, err := client.Account.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(account.ID, "acc_") || account.CreatedAt.IsZero() {
		t.Fatalf("account %+v", account)
	}
	page, err := client.Projects.List(ctx, &aerostack.ProjectsListParams{Limit: aerostack.Int(1000)})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range page.Data {
		found = found || p.ID == projectID
	}
	if !found {
		t.Fatalf("the default project %s is not listed in %+v", projectID, page.Data)
	}
}

func TestProjectsCreateIsIdempotent(t *testing.T) {
	client, ctx := accountClient(t), context.Background()
	suffix := unique(t)
	body := aerostack.ProjectCreate{Name: "go-" + suffix}
	params := &aerostack.ProjectsCreateParams{IdempotencyKey: aerostack.String("go-create-" + suffix)}
	first, err := client.Projects.Create(ctx, body, params)
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.Projects.Create(ctx, body, params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.Project.ID, "prj_") || again.Project.ID != first.Project.ID {
		t.Fatalf("same idempotency key gave %s then %s", first.Project.ID, again.Project.ID)
	}
	if !strings.HasPrefix(first.SecretKey.Key, "sk_") || !strings.HasPrefix(first.PublishableKey.Key, "pk_") {
		t.Fatalf("keys %+v", first)
	}
	if first.SecretKey.Type != aerostack.APIKeyTypeSecret || !first.SecretKey.RevokedAt.IsNull() {
		t.Fatalf("secret key %+v", first.SecretKey)
	}
	other, err := client.Projects.Create(ctx, body, nil, option.WithIdempotencyKey("go-other-"+suffix))
	if err != nil {
		t.Fatal(err)
	}
	if other.Project.ID == first.Project.ID {
		t.Fatal("a different idempotency key returned the same project")
	}
	got, err := client.Projects.Get(ctx, first.Project.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != body.Name {
		t.Fatalf("get returned %+v", got)
	}
}

func TestProjectsListAllFollowsTheCursor(t *testing.T) {
	client, ctx := accountClient(t), context.Background()
	suffix := unique(t)
	for i := 0; i < 3; i++ {
		if _, err := client.Projects.Create(ctx, aerostack.ProjectCreate{Name: "go-page-" + suffix}, nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := client.Projects.List(ctx, &aerostack.ProjectsListParams{Limit: aerostack.Int(1000)})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	it := client.Projects.ListAutoPaging(ctx, &aerostack.ProjectsListParams{Limit: aerostack.Int(1)})
	for it.Next() {
		paged = append(paged, it.Current().ID)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(paged) < 4 || len(paged) != len(all.Data) {
		t.Fatalf("paged %d projects, listed %d", len(paged), len(all.Data))
	}
	for i, p := range all.Data {
		if paged[i] != p.ID {
			t.Fatalf("item %d: paged %s, listed %s", i, paged[i], p.ID)
		}
	}
}

func TestKeyRotationRevokesTheOldKey(t *testing.T) {
	client, ctx := accountClient(t), context.Background()
	env := livePlatform(t)
	created, err := client.Projects.Create(ctx, aerostack.ProjectCreate{Name: "go-rotate-" + unique(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := aerostack.NewClient(option.WithBaseURL(env["AEROSTACK_URL"]), option.WithSecretKey(created.SecretKey.Key))
	if _, err := old.Cache.Set(ctx, "rotation", aerostack.CacheSet{Value: "before"}); err != nil {
		t.Fatal(err)
	}

	rotated, err := client.Projects.Keys.Rotate(ctx, created.Project.ID, aerostack.KeyRotate{Type: aerostack.APIKeyTypeSecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Type != aerostack.APIKeyTypeSecret || !strings.HasPrefix(rotated.Key, "sk_") || rotated.Key == created.SecretKey.Key {
		t.Fatalf("rotated %+v", rotated)
	}

	_, err = old.Cache.Get(ctx, "rotation")
	apiError(t, err, aerostack.CodeAuthInvalidCredentials, 401)

	fresh := aerostack.NewClient(option.WithSecretKey(rotated.Key))
	entry, err := fresh.Cache.Get(ctx, "rotation")
	if err != nil {
		t.Fatal(err)
	}
	if entry.Value != "before" {
		t.Fatalf("value after rotation %v", entry.Value)
	}

	revoked, active := false, false
	it := client.Projects.Keys.ListAutoPaging(ctx, created.Project.ID, nil)
	for it.Next() {
		k := it.Current()
		revoked = revoked || (k.ID == created.SecretKey.ID && k.RevokedAt.Valid())
		active = active || (k.ID == rotated.ID && k.RevokedAt.IsNull())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if !revoked || !active {
		t.Fatalf("keys list: old revoked %v, new active %v", revoked, active)
	}
}
