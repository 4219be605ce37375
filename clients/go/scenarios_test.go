package aerostack_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	aerostack "github.com/aerostack/aerostack-oss/clients/go"
	"github.com/aerostack/aerostack-oss/clients/go/internal/scenariotest"
	"github.com/aerostack/aerostack-oss/clients/go/option"
)

// TestScenarios runs every scenarios/*.json against the live platform through the public API
// (scenario_dispatch_test.go, generated). The fixture scenarios run in internal/fixtureclient.
func TestScenarios(t *testing.T) {
	env := livePlatform(t)
	files := scenariotest.Files(t, "../../scenarios")
	if len(files) == 0 {
		t.Fatal("no scenarios in ../../scenarios")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			scenariotest.Run(t, file, func(credential string) map[string]scenariotest.Op {
				return scenarioOps(aerostack.NewClient(option.WithBaseURL(env["AEROSTACK_URL"]), option.WithCredential(credential)))
			})
		})
	}
}

// TestAILocalScenarios runs scenarios/ai-local/*.json, AI answering for real, when the platform
// has the local provider: AEROSTACK_SCENARIOS_AI_LOCAL=1, which scripts/with-platform.sh --local-ai
// sets (run it alone there, -run TestAILocalScenarios: scenarios/ai.json expects no provider).
func TestAILocalScenarios(t *testing.T) {
	if os.Getenv("AEROSTACK_SCENARIOS_AI_LOCAL") != "1" {
		t.Skip("runs with AEROSTACK_SCENARIOS_AI_LOCAL=1 under scripts/with-platform.sh --local-ai")
	}
	env := livePlatform(t)
	files := scenariotest.Files(t, "../../scenarios/ai-local")
	if len(files) == 0 {
		t.Fatal("no scenarios in ../../scenarios/ai-local")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			scenariotest.Run(t, file, func(credential string) map[string]scenariotest.Op {
				return scenarioOps(aerostack.NewClient(option.WithBaseURL(env["AEROSTACK_URL"]), option.WithCredential(credential)))
			})
		})
	}
}
