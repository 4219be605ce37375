package aerostack_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeQuickstart builds and runs the README's Go program against the live platform, in
// a module of its own that points at this one.
func TestReadmeQuickstart(t *testing.T) {
	livePlatform(t)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no go block")
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goMod := "module quickstart\n\ngo 1.24\n\nrequire github.com/aerostack/aerostack-oss/clients/go v0.0.0\n\n" +
		"replace github.com/aerostack/aerostack-oss/clients/go => " + here + "\n"
	for name, content := range map[string]string{"go.mod": goMod, "main.go": string(block[1])} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the quickstart failed: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"map[theme:dark] true req_", "404 req_", "prj_", "sk_"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the quickstart printed %q, want %q in it", text, want)
		}
	}
}
