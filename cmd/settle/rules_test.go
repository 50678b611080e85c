package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettleRulesConfig: SETTLE_RULES is read and validated at start, for
// every command, with errors naming the file and the member; preview
// computes with it.
func TestSettleRulesConfig(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join("..", "..", "testdata", "rules", "helpcenter-custom.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"formulas": {"platformFee": {"formula": "PAYMENT_AMOUNT * FIXED_RAT"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing file", map[string]string{"SETTLE_RULES": filepath.Join(dir, "none.json")}, "SETTLE_RULES: open"},
		{"bad formula", map[string]string{"SETTLE_RULES": bad}, "SETTLE_RULES: " + bad + ": formulas.platformFee.formula: formula platformFee, column 18: unknown variable \"FIXED_RAT\""},
		{"two roundings", map[string]string{"SETTLE_RULES": rules, "SETTLE_ROUNDING": "UP"}, "set the rounding in the rules file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, "", "version")
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("settle version with %v = %d: %s\nwant %q", tc.env, r.code, r.stderr, tc.want)
			}
		})
	}

	// Preview of the help center's order: the configured rules compute it.
	in, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rules", "preview", "helpcenter.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(in, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "rules")
	bare, _ := json.Marshal(m)
	settlementOf := func(r result) int64 {
		var out struct {
			Transfer struct{ Amount struct{ Settlement int64 } }
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("preview output: %v\n%s\n%s", err, r.stdout, r.stderr)
		}
		return out.Transfer.Amount.Settlement
	}
	r := runCLI(t, map[string]string{"SETTLE_RULES": rules}, string(bare), "preview")
	if s := settlementOf(r); r.code != exitOK || s != 8944 || !strings.Contains(r.stderr, "computed with the merchant's rules helpcenter-custom@") {
		t.Errorf("preview with SETTLE_RULES = %d, settlement %d, stderr %s; want 8944", r.code, s, r.stderr)
	}
	if s := settlementOf(runCLI(t, nil, string(bare), "preview")); s != 8680 {
		t.Errorf("preview without rules: settlement %d, want PortOne's default 8680", s)
	}
}
