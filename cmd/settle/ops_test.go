package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
)

const opsSecret = "ops-test-secret-123"

// opsWorld is a SQLite file, an emulator seeded with the pipeline's
// marketplace on the real clock, and yesterday's records imported: the
// environment `settle run` sees in production.
type opsWorld struct {
	dir, date string
	emu       *emulator.Server
	env       map[string]string
}

func newOpsWorld(t *testing.T) *opsWorld {
	t.Helper()
	w := &opsWorld{dir: t.TempDir()}
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	yesterday := time.Now().In(loc).AddDate(0, 0, -1)
	w.date = yesterday.Format("2006-01-02")
	var url string
	w.emu, url = emulator.NewTestServer(t, emulator.Options{Secret: opsSecret, Location: loc})
	seed, err := os.Open(filepath.Join("..", "..", "testdata", "pipeline", "marketplace.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if err := w.emu.Seed(seed); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{"SETTLE_DB": filepath.Join(w.dir, "settle.db"), "PORTONE_API_SECRET": opsSecret,
		"PORTONE_API_BASE": url, "SETTLE_TZ": "Asia/Seoul"}
	paid := w.date + "T10:00:00+09:00"
	recs := `{"partnerId":"p1","paymentId":"pay-1","paidAt":"` + paid + `","orderDetail":{"orderAmount":10000},"discounts":[],"additionalFees":[]}
{"partnerId":"p2","paymentId":"pay-2","paidAt":"` + paid + `","orderDetail":{"orderAmount":33000},"discounts":[],"additionalFees":[]}
`
	file := filepath.Join(w.dir, "orders.jsonl")
	if err := os.WriteFile(file, []byte(recs), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, w.env, "", "import", file); r.code != exitOK {
		t.Fatalf("import = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return w
}

// with returns w's environment with the given overrides.
func (w *opsWorld) with(kv ...string) map[string]string {
	env := map[string]string{}
	for k, v := range w.env {
		env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// TestExitCodeWhenTransfersFail (issue #13.3): `settle run post` and `run
// nightly` exit 4 when PortOne refused transfers, naming the count and the
// way out, instead of 0 with a WARN line. The second PortOne knows no
// partner, so every post gets PLATFORM_PARTNER_NOT_FOUND.
func TestExitCodeWhenTransfersFail(t *testing.T) {
	w := newOpsWorld(t)
	for _, job := range []string{"refresh", "settle"} {
		if r := runCLI(t, w.env, "", "run", job, "--date", w.date); r.code != exitOK {
			t.Fatalf("run %s = %d\n%s%s", job, r.code, r.stdout, r.stderr)
		}
	}
	_, empty := emulator.NewTestServer(t, emulator.Options{Secret: opsSecret})
	r := runCLI(t, w.with("PORTONE_API_BASE", empty), "", "run", "post", "--date", w.date)
	if r.code != exitAttention || !strings.Contains(r.stderr, "2 transfers failed") || !strings.Contains(r.stderr, "settle retry --date "+w.date) {
		t.Errorf("run post with every transfer refused = %d, want %d\nstdout %s\nstderr %s", r.code, exitAttention, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "needs attention:") || !strings.Contains(r.stdout, "`settle retry --date "+w.date+"`") {
		t.Errorf("the summary does not say what needs attention and the command:\n%s", r.stdout)
	}
	// The failed intents stay failed: every later run says so, not only the one that failed.
	for _, args := range [][]string{{"run", "post", "--force"}, {"run", "nightly"}} {
		r := runCLI(t, w.env, "", append(args, "--date", w.date)...)
		if r.code != exitAttention || !strings.Contains(r.stderr, "2 transfers failed") {
			t.Errorf("settle %v after the failure = %d, want %d\nstdout %s\nstderr %s", args, r.code, exitAttention, r.stdout, r.stderr)
		}
	}
	r = runCLI(t, w.env, "", "backfill", "--from", w.date, "--to", w.date)
	if r.code != exitAttention {
		t.Errorf("backfill over the date = %d, want %d\n%s%s", r.code, exitAttention, r.stdout, r.stderr)
	}
	if r := runCLI(t, w.env, "", "help"); !strings.Contains(r.stdout, "4  finished, but transfers failed") {
		t.Errorf("settle help does not document exit code 4:\n%s", r.stdout)
	}
}

// TestExitCodeZeroWhenAllPosted: a night where every transfer is posted
// and reconciled exits 0.
func TestExitCodeZeroWhenAllPosted(t *testing.T) {
	w := newOpsWorld(t)
	out := t.TempDir()
	r := runCLI(t, w.env, "", "run", "nightly", "--date", w.date, "--out", out)
	if r.code != exitOK {
		t.Fatalf("run nightly = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestLogsInBusinessTimeAndJSON (issue #13.5): SETTLE_LOG_FORMAT=json
// writes one JSON object a line for log shippers, times in SETTLE_TZ.
func TestLogsInBusinessTimeAndJSON(t *testing.T) {
	w := newOpsWorld(t)
	r := runCLI(t, w.with("SETTLE_LOG_FORMAT", "json"), "", "run", "refresh", "--date", w.date)
	if r.code != exitOK {
		t.Fatalf("run refresh = %d: %s", r.code, r.stderr)
	}
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		var rec struct{ Time, Msg, Job string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if !strings.HasSuffix(rec.Time, "+09:00") {
			t.Errorf("log time %q is not in SETTLE_TZ (Asia/Seoul)", rec.Time)
		}
		if rec.Msg == "job done" && rec.Job == "refresh" {
			lines++
		}
	}
	if lines != 1 {
		t.Errorf("no `job done` line for refresh in:\n%s", r.stderr)
	}
	if r := runCLI(t, w.with("SETTLE_LOG_FORMAT", "xml"), "", "version"); r.code != exitUsage || !strings.Contains(r.stderr, "SETTLE_LOG_FORMAT") {
		t.Errorf("SETTLE_LOG_FORMAT=xml = %d %s", r.code, r.stderr)
	}
}

// TestSummaries (issue #13.5): `run nightly` ends with a one-screen
// summary (jobs in words, the workbook's path, what needs attention and
// the command for it); `--dry-run` shows per partner what would be posted
// and writes the exact request bodies with --requests.
func TestSummaries(t *testing.T) {
	w := newOpsWorld(t)
	out := t.TempDir()
	reqs := filepath.Join(t.TempDir(), "requests.jsonl")
	r := runCLI(t, w.env, "", "run", "nightly", "--date", w.date, "--dry-run", "--requests", reqs, "--out", out)
	if r.code != exitOK {
		t.Fatalf("dry run = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"would post 2 transfers (2 orders, 0 cancels) to 2 partners", "nothing was posted", "p1 ", "p2 ", "requests.jsonl"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry-run summary lacks %q:\n%s", want, r.stdout)
		}
	}
	data, err := os.ReadFile(reqs)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("--requests wrote %d lines, want 2:\n%s", len(lines), data)
	}
	var req struct {
		Method, Path, ID string
		Body             map[string]any
	}
	if err := json.Unmarshal([]byte(lines[0]), &req); err != nil || req.Method != "POST" || req.Path != "/platform/transfers/order" ||
		req.Body["id"] != req.ID || req.Body["partnerId"] == nil {
		t.Errorf("request line %q: %+v %v", lines[0], req, err)
	}
	if n := len(w.emu.Transfers(false)); n != 0 {
		t.Errorf("the dry run posted %d transfers", n)
	}
	// The real run posts exactly those bodies and ends with the summary.
	r = runCLI(t, w.env, "", "run", "nightly", "--date", w.date, "--out", out)
	if r.code != exitOK {
		t.Fatalf("run nightly = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	book, _ := filepath.Abs(filepath.Join(out, "settle-"+w.date+".xlsx"))
	for _, want := range []string{w.date + ": finished in", "post       done     posted 2", "workbook   " + book, "nothing needs attention"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run summary lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, tr := range w.emu.Transfers(false) {
		if !strings.Contains(string(data), `"id":"`+tr.ID+`"`) {
			t.Errorf("transfer %s was posted but not in the dry run's requests", tr.ID)
		}
	}
}
