package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/transfer"
)

// TestRetryCommand is issue #13's story through the commands an operator
// types: orders of a partner PortOne does not know fail; `settle status`
// and `settle intents` show them with PortOne's error; the partner is
// added at PortOne; `settle retry --date` and `settle run post --date`
// (no --force) post each once. The old binary has no status, intents or
// retry command, and its forced post leaves the intents failed.
func TestRetryCommand(t *testing.T) {
	emu, url, loc := pipelineEmulator(t, "retry-secret-1234")
	dir := t.TempDir()
	paid := time.Now().In(loc).Add(-24 * time.Hour)
	date := paid.Format("2006-01-02")
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, `{"partnerId":"p-new","contractId":"c-daily","paymentId":"pay-new-%d","paidAt":"%s","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":%d}}`+"\n",
			i, paid.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 10000+i)
	}
	fmt.Fprintf(&b, `{"partnerId":"p1","paymentId":"pay-ok","paidAt":"%s","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":5000}}`+"\n", paid.Format(time.RFC3339))
	file := filepath.Join(dir, "orders.jsonl")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db"), "PORTONE_API_BASE": url, "PORTONE_API_SECRET": "retry-secret-1234"}
	if r := runCLI(t, env, "", "import", file); r.code != exitOK {
		t.Fatalf("import = %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, env, "", "run", "nightly", "--date", date, "--out", dir); r.code == exitFailed || r.code == exitUsage {
		t.Fatalf("nightly = %d: %s", r.code, r.stderr)
	}

	r := runCLI(t, env, "", "intents", "--status", "failed", "--json")
	if r.code != exitOK {
		t.Fatalf("intents = %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("intents --status failed: %d lines, want 5:\n%s", len(lines), r.stdout)
	}
	for i, l := range lines {
		var v struct{ PaymentID, Status, Error string }
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v.PaymentID != fmt.Sprintf("pay-new-%d", i) || v.Status != "failed" || !strings.Contains(v.Error, "PLATFORM_PARTNER_NOT_FOUND") {
			t.Errorf("intent line %d: %+v", i, v)
		}
	}
	r = runCLI(t, env, "", "status")
	for _, want := range []string{"Business date " + date, "post", "5 transfer intents failed", "settle retry --date " + date, "Next scheduled run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, env, "", "intents", "--partner", "p1")
	if !strings.Contains(r.stdout, "pay-ok") || strings.Contains(r.stdout, "pay-new") || !strings.Contains(r.stdout, "1 intents") {
		t.Errorf("intents --partner p1:\n%s", r.stdout)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"retry"}, "say what to retry"},
		{[]string{"retry", "--date", "2025-02-30"}, "--date"},
		{[]string{"retry", "--all", "--status", "posted"}, "only failed or conflicting"},
		{[]string{"intents", "--status", "broken"}, "want failed, conflict, pending"},
		{[]string{"status", "--days", "0"}, "--days"},
	} {
		if r := runCLI(t, env, "", c.args...); r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("settle %v = %d %s, want usage and %q", c.args, r.code, r.stderr, c.want)
		}
	}

	client, err := transfer.New(transfer.Config{BaseURL: url, APISecret: "retry-secret-1234"})
	if err != nil {
		t.Fatal(err)
	}
	var body transfer.CreatePartnerBody
	_ = json.Unmarshal([]byte(`{"id":"p-new","name":"새파트너","contact":{"name":"박새","email":"new@example.com"},
		"account":{"bank":"KOOKMIN","currency":"KRW","number":"99988877766655","holder":"새파트너"},
		"defaultContractId":"c-daily","tags":[],"type":{"nonWhtPayer":{"birthdate":"1990-01-01"}}}`), &body)
	if _, err := client.CreatePartner(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, "", "retry", "--date", date)
	if r.code != exitOK || !strings.Contains(r.stdout, "Re-queued 5 transfer intents") || !strings.Contains(r.stdout, "settle run nightly --date "+date) {
		t.Fatalf("retry = %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, env, "", "run", "nightly", "--date", date, "--out", dir); r.code != exitOK {
		t.Fatalf("nightly after retry = %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, env, "", "intents", "--status", "failed,conflict,pending")
	if !strings.Contains(r.stdout, "0 intents") {
		t.Errorf("intents left after retry:\n%s", r.stdout)
	}
	seen := map[string]int{}
	for _, tr := range emu.Transfers(false) {
		seen[tr.ID]++
	}
	if len(seen) != 6 {
		t.Errorf("the emulator holds %d transfers, want 6", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("transfer %s held %d times", id, n)
		}
	}
	r = runCLI(t, env, "", "status", "--json")
	var st struct {
		Attention []string
		Dates     []struct {
			Intents []struct {
				Status string
				Count  int
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	if len(st.Attention) != 0 || len(st.Dates) != 1 || len(st.Dates[0].Intents) != 1 || st.Dates[0].Intents[0].Count != 6 {
		t.Errorf("status after retry: %+v\n%s", st, r.stdout)
	}
	if r := runCLI(t, env, "", "retry", "--all"); !strings.Contains(r.stdout, "nothing to retry") {
		t.Errorf("retry with nothing failed: %s", r.stdout)
	}
}
