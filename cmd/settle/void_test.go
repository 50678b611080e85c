package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVoidCommand: a stored order with a wrong amount makes the corrected
// one a conflict; `settle void order` withdraws it (who and why kept) and
// the corrected one is then imported. On the old binary there is no void
// command and the re-import stays a conflict.
func TestVoidCommand(t *testing.T) {
	dir := t.TempDir()
	paid := time.Now().Add(-time.Hour).Format(time.RFC3339)
	rec := func(amount string) string { return orderFile(t, dir, paid, amount) }
	wrong, fixed := rec("10000"), rec("12000")
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db")}
	if r := runCLI(t, env, "", "import", wrong); r.code != exitOK {
		t.Fatalf("import = %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, env, "", "import", fixed); r.code != exitUsage || !strings.Contains(r.stderr, "conflicts with the stored record") {
		t.Fatalf("corrected import before void = %d %s %s", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"void"}, "say what to void"},
		{[]string{"void", "order", "--partner", "p1", "--payment", "pay-1"}, "--reason is required"},
		{[]string{"void", "order", "--payment", "pay-1", "--reason", "x"}, "--partner is required"},
		{[]string{"void", "cancellation", "--partner", "p1", "--payment", "pay-1", "--reason", "x"}, "--cancellation is required"},
		{[]string{"void", "order", "--partner", "p1", "--payment", "pay-9", "--reason", "x", "--by", "kim"}, `order "pay-9" of partner "p1"`},
	} {
		if r := runCLI(t, env, "", c.args...); r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("settle %v = %d %s, want usage and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	r := runCLI(t, env, "", "void", "order", "--partner", "p1", "--payment", "pay-1", "--reason", "wrong amount", "--by", "kim")
	if r.code != exitOK || !strings.Contains(r.stdout, `Voided order "pay-1" of partner "p1"`) || !strings.Contains(r.stdout, "by kim: wrong amount") ||
		!strings.Contains(r.stdout, "settle run nightly --date") {
		t.Fatalf("void = %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, env, "", "import", fixed); r.code != exitOK {
		t.Fatalf("corrected import after void = %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestVoidDeleteTransferCommand: a posted order is refused by `settle void`
// with the way forward; `--delete-transfer` deletes its transfer at PortOne
// and voids it, and the corrected order posts under a new id. On the old
// binary a posted record could only be adjusted.
func TestVoidDeleteTransferCommand(t *testing.T) {
	emu, url, loc := pipelineEmulator(t, "void-secret-12345")
	dir := t.TempDir()
	paidAt := time.Now().In(loc).AddDate(0, 0, -1)
	paid, date := paidAt.Format(time.RFC3339), paidAt.Format(time.DateOnly)
	rec := func(amount string) string { return orderFile(t, dir, paid, amount) }
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db"), "PORTONE_API_BASE": url, "PORTONE_API_SECRET": "void-secret-12345", "SETTLE_TZ": "Asia/Seoul"}
	for _, args := range [][]string{{"import", rec("10000")}, {"run", "nightly", "--date", date}} {
		if r := runCLI(t, env, "", args...); r.code != exitOK {
			t.Fatalf("settle %v = %d %s", args, r.code, r.stderr)
		}
	}
	void := []string{"void", "order", "--partner", "p1", "--payment", "pay-1", "--reason", "wrong amount", "--by", "kim"}
	if r := runCLI(t, env, "", void...); r.code != exitUsage || !strings.Contains(r.stderr, "--delete-transfer") || !strings.Contains(r.stderr, "settle adjust") {
		t.Fatalf("void of a posted order = %d %s, want the ways forward", r.code, r.stderr)
	}
	r := runCLI(t, env, "", append(void, "--delete-transfer")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "is deleted at PortOne") || !strings.Contains(r.stdout, "new client id") {
		t.Fatalf("void --delete-transfer = %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Again: already voided, and when is said in the business time zone.
	if r := runCLI(t, env, "", append(void, "--delete-transfer")...); r.code != exitUsage || !strings.Contains(r.stderr, "voided at") ||
		!strings.Contains(r.stderr, " KST by kim") {
		t.Fatalf("second void --delete-transfer = %d %s, want already voided at a time in KST", r.code, r.stderr)
	}
	for _, args := range [][]string{{"import", rec("12000")}, {"run", "nightly", "--date", date, "--force"}} {
		if r := runCLI(t, env, "", args...); r.code != exitOK {
			t.Fatalf("settle %v = %d %s %s", args, r.code, r.stdout, r.stderr)
		}
	}
	var orders []int64
	for _, tr := range emu.Transfers(false) {
		if tr.Payment != nil && tr.Payment.ID == "pay-1" && tr.Amount != nil {
			orders = append(orders, tr.Amount.Order)
		}
	}
	if len(orders) != 1 || orders[0] != 12000 {
		t.Errorf("pay-1 at PortOne: %v, want the corrected 12000 alone", orders)
	}
}

// orderFile writes order pay-1 of partner p1, paid at paid (RFC 3339), for
// amount won, to a file of dir, and returns its path.
func orderFile(t *testing.T, dir, paid, amount string) string {
	t.Helper()
	f := filepath.Join(dir, "order-"+amount+".jsonl")
	body := `{"partnerId":"p1","paymentId":"pay-1","paidAt":"` + paid + `","orderDetail":{"orderAmount":` + amount + `},"discounts":[],"additionalFees":[]}` + "\n"
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
