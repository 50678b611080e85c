package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	recs := `{"partnerId":"p1","paymentId":"pay-1","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderAmount":10000},"discounts":[],"additionalFees":[]}
{"partnerId":"p1","paymentId":"pay-2","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderLines":[{"product":{"id":"a","name":"A","amount":100},"quantity":-2,"discounts":[],"additionalFees":[]}]},"discounts":[],"additionalFees":[]}
`
	if err := os.WriteFile(file, []byte(recs), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db")}
	r := runCLI(t, env, "", "import", file)
	if r.code != exitUsage || !strings.Contains(r.stderr, "orders.jsonl line 2") || !strings.Contains(r.stderr, "quantity") {
		t.Errorf("import with a bad record = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Created:1") {
		t.Errorf("the good record was not stored: %s", r.stdout)
	}
	r = runCLI(t, env, "", "import", file)
	if !strings.Contains(r.stdout, "Duplicate:1") || !strings.Contains(r.stdout, "Created:0") {
		t.Errorf("importing again: %s", r.stdout)
	}
}
