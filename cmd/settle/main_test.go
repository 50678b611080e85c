package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func TestExitCodesAndUsage(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db")}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"no command", nil, exitUsage, "usage: settle COMMAND"},
		{"help", []string{"help"}, exitOK, "shadow calculation"},
		{"unknown", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"version", []string{"version"}, exitOK, "settle dev"},
		{"command help", []string{"run", "--help"}, exitOK, "usage: settle run JOB"},
		{"run without date", []string{"run", "post"}, exitUsage, "--date is required"},
		{"run bad date", []string{"run", "post", "--date", "2025-13-01"}, exitUsage, "--date"},
		{"run without secret", []string{"run", "post", "--date", "2025-10-01"}, exitUsage, "PORTONE_API_SECRET"},
		{"backfill reversed", []string{"backfill", "--from", "2025-10-02", "--to", "2025-10-01"}, exitUsage, "before --from"},
		{"export without out", []string{"export", "--from", "2025-10-01", "--to", "2025-10-01"}, exitUsage, "--out is required"},
		{"export bad ext", []string{"export", "--from", "2025-10-01", "--to", "2025-10-01", "--out", "x.pdf"}, exitUsage, ".xlsx or .csv"},
		{"import nothing", []string{"import"}, exitUsage, "no FILE"},
		{"serve without token", []string{"serve"}, exitUsage, "SETTLE_API_TOKEN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, env, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.want) {
				t.Errorf("settle %v = %d\nstdout: %s\nstderr: %s\nwant %d and %q", c.args, r.code, r.stdout, r.stderr, c.code, c.want)
			}
		})
	}
	r := runCLI(t, map[string]string{"SETTLE_TZ": "Mars/Olympus"}, "", "version")
	if r.code != exitUsage || !strings.Contains(r.stderr, "SETTLE_TZ") {
		t.Errorf("bad SETTLE_TZ: %d %s", r.code, r.stderr)
	}
}

func TestPreviewCommand(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "preview", "g2.json")
	r := runCLI(t, nil, "", "preview", in)
	if r.code != exitOK {
		t.Fatalf("preview %s = %d: %s", in, r.code, r.stderr)
	}
	var out struct {
		Transfer struct {
			Amount struct{ Settlement int64 }
		}
		CancelTransfers []struct {
			Amount struct{ Settlement int64 }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("preview output: %v\n%s", err, r.stdout)
	}
	if out.Transfer.Amount.Settlement != 8900 || len(out.CancelTransfers) != 1 || out.CancelTransfers[0].Amount.Settlement != 4450 {
		t.Errorf("preview G2: %+v, want 8900 and a cancel of 4450", out)
	}
	// The same from stdin, and bad input: exit 2 with PortOne's error body.
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, nil, string(data), "preview"); r.code != exitOK {
		t.Errorf("preview from stdin = %d: %s", r.code, r.stderr)
	}
	bad := strings.Replace(string(data), `"orderAmount": 5000`, `"orderAmount": 50000`, 1)
	r = runCLI(t, nil, bad, "preview", "-")
	var body struct{ Type, Message string }
	if r.code != exitUsage || json.Unmarshal([]byte(r.stdout), &body) != nil || body.Type != "PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED" ||
		!strings.Contains(r.stderr, "cancels[0].orderDetail.orderAmount") {
		t.Errorf("preview of an over-cancel = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.jsonl")
	// Paid an hour ago: inside SETTLE_HORIZON whenever the test runs.
	paid := time.Now().Add(-time.Hour).Format(time.RFC3339)
	recs := `{"partnerId":"p1","paymentId":"pay-1","paidAt":"` + paid + `","orderDetail":{"orderAmount":10000},"discounts":[],"additionalFees":[]}
{"partnerId":"p1","paymentId":"pay-2","paidAt":"` + paid + `","orderDetail":{"orderLines":[{"product":{"id":"a","name":"A","amount":100},"quantity":-2,"discounts":[],"additionalFees":[]}]},"discounts":[],"additionalFees":[]}
`
	if err := os.WriteFile(file, []byte(recs), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db")}
	r := runCLI(t, env, "", "import", file)
	if r.code != exitUsage || !strings.Contains(r.stderr, "orders.jsonl line 2") || !strings.Contains(r.stderr, "quantity") {
		t.Errorf("import with a bad record = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	// Counts in words (issue #13.5), not a Go struct ({Read:2 Created:1 …}).
	if !strings.Contains(r.stdout, "read 2 records from 1 file: 1 stored, 0 already stored") || strings.Contains(r.stdout, "Created:") {
		t.Errorf("the good record was not stored: %s", r.stdout)
	}
	r = runCLI(t, env, "", "import", file)
	if !strings.Contains(r.stdout, "0 stored, 1 already stored") {
		t.Errorf("importing again: %s", r.stdout)
	}
}

// TestHorizonConfig (issue #10.3): SETTLE_HORIZON is the number of days
// back a record may be dated; outside it the record is refused at intake,
// naming the field, instead of stored and never settled.
func TestHorizonConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "old.jsonl")
	old := time.Now().AddDate(0, 0, -40).Format(time.RFC3339)
	rec := `{"partnerId":"p1","paymentId":"pay-old","paidAt":"` + old + `","orderDetail":{"orderAmount":10000}}` + "\n"
	if err := os.WriteFile(file, []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db"), "SETTLE_HORIZON": "30"}
	r := runCLI(t, env, "", "import", file)
	if r.code != exitUsage || !strings.Contains(r.stderr, "old.jsonl line 1: paidAt:") || !strings.Contains(r.stderr, "SETTLE_HORIZON") {
		t.Errorf("import of a record 40 days old with SETTLE_HORIZON=30 = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	env["SETTLE_HORIZON"] = "60"
	if r := runCLI(t, env, "", "import", file); r.code != exitOK {
		t.Errorf("with SETTLE_HORIZON=60 = %d: %s", r.code, r.stderr)
	}
	for _, bad := range []string{"0", "-3", "ninety", "99999"} {
		env["SETTLE_HORIZON"] = bad
		if r := runCLI(t, env, "", "import", file); r.code != exitUsage || !strings.Contains(r.stderr, "SETTLE_HORIZON") {
			t.Errorf("SETTLE_HORIZON=%s: %d %s, want a configuration error", bad, r.code, r.stderr)
		}
	}
}

// TestPreviewDefaultsToToday (issue #10.4): where PortOne would start from
// the time of the request, preview uses today in SETTLE_TZ and says so on
// stderr, instead of refusing what intake would refuse for another reason.
func TestPreviewDefaultsToToday(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "preview", "g1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	order := in["order"].(map[string]any)
	delete(order, "paidAt")
	delete(order, "settlementStartDate")
	b, _ := json.Marshal(in)
	r := runCLI(t, map[string]string{"SETTLE_TZ": "Asia/Seoul"}, string(b), "preview")
	if r.code != exitOK {
		t.Fatalf("preview without a start = %d: %s", r.code, r.stderr)
	}
	loc, _ := time.LoadLocation("Asia/Seoul")
	today := time.Now().In(loc).Format("2006-01-02")
	if !strings.Contains(r.stderr, "using today, "+today) || !strings.Contains(r.stdout, `"settlementStartDate": "`+today+`"`) {
		t.Errorf("preview without a start: stderr %q, stdout %s; want today %s used and said", r.stderr, r.stdout, today)
	}
}

// pipelineEmulator is an emulator on loopback seeded with the pipeline
// test marketplace (testdata/pipeline), in Asia/Seoul, and its base URL.
func pipelineEmulator(t *testing.T, secret string) (*emulator.Server, string, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	emu, url := emulator.NewTestServer(t, emulator.Options{Secret: secret, Location: loc})
	seed, err := os.Open(filepath.Join("..", "..", "testdata", "pipeline", "marketplace.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if err := emu.Seed(seed); err != nil {
		t.Fatal(err)
	}
	return emu, url, loc
}
