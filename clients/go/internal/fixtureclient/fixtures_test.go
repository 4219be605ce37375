package fixtureclient_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aerostack/aerostack-oss/clients/go/internal/fixtureclient"
	"github.com/aerostack/aerostack-oss/clients/go/internal/scenariotest"
	"github.com/aerostack/aerostack-oss/clients/go/option"
	"github.com/aerostack/aerostack-oss/clients/go/param"
)

// fixturePlatform is the platform started by `scripts/with-platform.sh --fixtures`, which the
// caller announces with AEROSTACK_FIXTURES=1 (then they must run). Without a fixture platform
// they skip, also in CI: the plain platform run has no fixture operations, and scripts/test.sh
// runs them in its --fixtures run.
//
// With AEROSTACK_FIXTURES unset they also run when the platform at AEROSTACK_URL answers the
// fixture operation fixtures.memory (scripts/with-platform.sh --fixtures).
func fixturePlatform(t *testing.T) *fixtureclient.Client {
	t.Helper()
	client := fixtureclient.NewClient()
	required := os.Getenv("AEROSTACK_FIXTURES") == "1"
	if os.Getenv("AEROSTACK_URL") == "" || os.Getenv("AEROSTACK_SECRET_KEY") == "" {
		if required {
			t.Fatal("AEROSTACK_FIXTURES=1 without AEROSTACK_URL and AEROSTACK_SECRET_KEY")
		}
		t.Skip("no platform: run under scripts/with-platform.sh --fixtures")
	}
	if _, err := client.Fixtures.Memory(context.Background(), option.WithMaxRetries(0)); err != nil {
		if required {
			t.Fatalf("AEROSTACK_FIXTURES=1 but the platform serves no fixture operations: %v", err)
		}
		t.Skip("the platform serves no fixture operations: run under scripts/with-platform.sh --fixtures")
	}
	return client
}

func TestFixtureScenarios(t *testing.T) {
	fixturePlatform(t)
	files := scenariotest.Files(t, "../../../../scenarios/fixtures")
	if len(files) == 0 {
		t.Fatal("no scenarios in scenarios/fixtures")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			scenariotest.Run(t, file, func(credential string) map[string]scenariotest.Op {
				return scenarioOps(fixtureclient.NewClient(option.WithCredential(credential)))
			})
		})
	}
}

func TestEventsResumeAfterADrop(t *testing.T) {
	client := fixturePlatform(t)
	stream := client.Fixtures.Events(context.Background(), &fixtureclient.FixturesEventsParams{
		Count: fixtureclient.Int(5), DropAfter: fixtureclient.Int(2),
	}, option.WithMaxRetryDelay(10*time.Millisecond))
	defer stream.Close()
	var ns []int64
	var ids []string
	for stream.Next() {
		ev := stream.Current()
		if ev.Event != "tick" {
			t.Fatalf("event %q", ev.Event)
		}
		ns, ids = append(ns, ev.Tick.N), append(ids, ev.ID)
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ns) != 5 || ns[0] != 1 || ns[4] != 5 || ids[4] != "5" || stream.LastEventID() != "5" {
		t.Fatalf("ticks %v ids %v", ns, ids)
	}
}

func TestEventsResumeFromAnID(t *testing.T) {
	client := fixturePlatform(t)
	stream := client.Fixtures.Events(context.Background(), &fixtureclient.FixturesEventsParams{
		Count: fixtureclient.Int(3), LastEventID: fixtureclient.String("2"),
	}, option.WithMaxRetryDelay(10*time.Millisecond))
	defer stream.Close()
	var got []int64
	for stream.Next() {
		got = append(got, stream.Current().Tick.N)
	}
	if stream.Err() != nil || len(got) != 1 || got[0] != 3 {
		t.Fatalf("ticks %v, err %v", got, stream.Err())
	}
	// Past the end: 204, an already-ended stream.
	done := client.Fixtures.Events(context.Background(), &fixtureclient.FixturesEventsParams{
		Count: fixtureclient.Int(3), LastEventID: fixtureclient.String("3"),
	})
	defer done.Close()
	if done.Next() || done.Err() != nil {
		t.Fatalf("a stream past its end gave an event or %v", done.Err())
	}
}

func TestEventsCloseEarly(t *testing.T) {
	client := fixturePlatform(t)
	stream := client.Fixtures.Events(context.Background(), &fixtureclient.FixturesEventsParams{
		Count: fixtureclient.Int(1000), IntervalMs: fixtureclient.Int(50),
	})
	if !stream.Next() {
		t.Fatal(stream.Err())
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	if stream.Next() || stream.Err() != nil {
		t.Fatal("a closed stream went on")
	}
}

func TestUploadAndRangeDownload(t *testing.T) {
	client := fixturePlatform(t)
	ctx := context.Background()
	content := scenariotest.SeededBytes(1<<20, "go")
	sum := sha256.Sum256(content)
	name := "go-" + strings.ToLower(hex.EncodeToString(sum[:4]))
	blob, err := client.Fixtures.Upload(ctx, name, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if blob.SizeBytes != int64(len(content)) || blob.Sha256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("blob %+v", blob)
	}

	// A reader of unknown length is streamed (chunked).
	if _, err := client.Fixtures.Upload(ctx, name+"-pipe", io.MultiReader(bytes.NewReader(content[:1000]))); err != nil {
		t.Fatal(err)
	}

	full, err := client.Fixtures.Download(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(full)
	_ = full.Close()
	if err != nil || !bytes.Equal(data, content) || full.StatusCode != 200 || full.ETag() == "" {
		t.Fatalf("download: %d bytes, status %d, etag %q, err %v", len(data), full.StatusCode, full.ETag(), err)
	}

	part, err := client.Fixtures.Download(ctx, name, &fixtureclient.FixturesDownloadParams{Range: fixtureclient.String("bytes=10-19")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ = io.ReadAll(part)
	_ = part.Close()
	if part.StatusCode != 206 || !bytes.Equal(data, content[10:20]) || part.ContentRange() != "bytes 10-19/1048576" {
		t.Fatalf("range: status %d, %q, %v", part.StatusCode, part.ContentRange(), data)
	}

	same, err := client.Fixtures.Download(ctx, name, &fixtureclient.FixturesDownloadParams{IfNoneMatch: fixtureclient.String(full.ETag())})
	if err != nil {
		t.Fatal(err)
	}
	_ = same.Close()
	if same.StatusCode != 304 {
		t.Fatalf("If-None-Match: status %d", same.StatusCode)
	}

	_, err = client.Fixtures.Download(ctx, "missing-"+name, nil)
	var apiErr *fixtureclient.Error
	if !errors.As(err, &apiErr) || apiErr.Code != fixtureclient.CodeFixturesNotFound || apiErr.StatusCode != 404 {
		t.Fatalf("missing blob: %v", err)
	}
}

func TestSlowBytesAreNotCutByTheTimeout(t *testing.T) {
	client := fixturePlatform(t)
	res, err := client.Fixtures.SlowBytes(context.Background(), &fixtureclient.FixturesSlowBytesParams{
		Chunks: fixtureclient.Int(4), DelayMs: fixtureclient.Int(100),
	}, option.WithTimeout(150*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	data, err := io.ReadAll(res)
	if err != nil || string(data) != "chunk 0\nchunk 1\nchunk 2\nchunk 3\n" {
		t.Fatalf("%q, %v", data, err)
	}
}

func TestMultipartForm(t *testing.T) {
	client := fixturePlatform(t)
	res, err := client.Fixtures.Form(context.Background(), fixtureclient.FixturesFormBody{
		Title: "report",
		File:  fixtureclient.NewFile(strings.NewReader("hello, form"), "hello.txt", "text/plain"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Title != "report" || res.FileName != "hello.txt" || res.SizeBytes != 11 {
		t.Fatalf("form %+v", res)
	}
}

func TestEmptyTagsAndIdempotentCreate(t *testing.T) {
	client := fixturePlatform(t)
	ctx := context.Background()
	if err := client.Fixtures.Empty(ctx); err != nil {
		t.Fatal(err)
	}
	tags, err := client.Fixtures.Tags(ctx, &fixtureclient.FixturesTagsParams{Tag: []string{"a", "b"}, Sort: param.NewOpt(fixtureclient.FixturesTagsSortAsc)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tags.Tags, ",") != "a,b" {
		t.Fatalf("tags %v", tags.Tags)
	}
	key := option.WithIdempotencyKey("go-slow-" + time.Now().Format("150405.000000000"))
	first, err := client.Fixtures.SlowCreate(ctx, fixtureclient.FixturesSlowCreateRequest{DelayMs: 0}, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.Fixtures.SlowCreate(ctx, fixtureclient.FixturesSlowCreateRequest{DelayMs: 0}, nil, key)
	if err != nil || again.Serial != first.Serial {
		t.Fatalf("same key: serial %d then %d (%v)", first.Serial, again.Serial, err)
	}
}
