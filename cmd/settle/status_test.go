package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatusWaiting: `settle status` counts the records without a
// settlement by reason, and --waiting lists them, each with why.
func TestStatusWaiting(t *testing.T) {
	dir := t.TempDir()
	at := time.Now().Add(-time.Hour).Format(time.RFC3339)
	recs := `{"partnerId":"p1","paymentId":"pay-1","paidAt":"` + at + `","orderDetail":{"orderAmount":10000},"discounts":[],"additionalFees":[]}
{"partnerId":"p1","paymentId":"pay-2","cancellationId":"cx-9","cancelledAt":"` + at + `","orderDetail":{"orderAmount":1000},"discounts":[]}
`
	file := filepath.Join(dir, "recs.jsonl")
	if err := os.WriteFile(file, []byte(recs), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db")}
	if r := runCLI(t, env, "", "import", file); r.code != exitOK {
		t.Fatalf("import = %d %s", r.code, r.stderr)
	}
	r := runCLI(t, env, "", "status", "--waiting", "1")
	for _, want := range []string{"Records waiting: 2", "1 ORDER: their business date has not been settled yet",
		"pay-1", "its business date has not been settled yet", "… and 1 more"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status --waiting 1 lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runCLI(t, env, "", "status", "--waiting", "5"); !strings.Contains(r.stdout, "cx-9") {
		t.Errorf("status --waiting 5 lacks the cancellation:\n%s", r.stdout)
	}
}
