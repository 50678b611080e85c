package intake

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

func readRulesFile(t *testing.T, name string) *settlement.Rules {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "rules", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := settlement.ParseRules(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPreviewHelpCenterRules previews the help center's custom example
// (fees at 10 % and 3.2 % on 결제금액; 정산금 = 주문금액 − 중개수수료 −
// 추가수수료): order 10,000 with a 2,000 discount gives platform fee 800,
// additional fee 256 and settlement 8,944, with the rules inline in the
// input or configured (SETTLE_RULES); the output is pinned by a golden
// file. Without the rules it is PortOne's defaults: 1,000, 320, 8,680.
func TestPreviewHelpCenterRules(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("..", "testdata", "rules", "preview", "helpcenter.json"))
	if err != nil {
		t.Fatal(err)
	}
	inline, err := Rules{Location: seoul}.Preview(in)
	if err != nil {
		t.Fatal(err)
	}
	type figures struct{ Payment, PlatformFee, AdditionalFee, Settlement int64 }
	of := func(o *PreviewOutput, cancel bool) figures {
		a := o.Transfer.Amount
		if cancel {
			a = o.CancelTransfers[0].Amount
		}
		return figures{a.Payment, a.PlatformFee, a.AdditionalFee, a.Settlement}
	}
	if got := of(inline, false); got != (figures{8000, 800, 256, 8944}) {
		t.Errorf("order: %+v, want payment 8000, platform fee 800, additional fee 256, settlement 8944", got)
	}
	if got := of(inline, true); got != (figures{4000, 400, 128, 4472}) {
		t.Errorf("cancel of 5000 with 1000 of the discount: %+v, want 4000, 400, 128, 4472", got)
	}
	if !strings.HasPrefix(inline.RulesVersion, "helpcenter-custom@") || !slicesContains(inline.Notes, "computed with the merchant's rules "+inline.RulesVersion) {
		t.Errorf("rules version %q, notes %q", inline.RulesVersion, inline.Notes)
	}
	got, err := json.MarshalIndent(inline, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("..", "testdata", "rules", "preview", "helpcenter.golden")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(golden); err != nil {
		t.Fatalf("%v (run go test ./intake -run TestPreviewHelpCenterRules -update)", err)
	} else if d := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); d != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, d)
	}

	// The same order without inline rules: the configured rules compute it
	// the same; no rules at all is PortOne's defaults.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(in, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "rules")
	bare, _ := json.Marshal(m)
	configured, err := Rules{Location: seoul}.PreviewWith(bare, readRulesFile(t, "helpcenter-custom.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(inline.Transfer, configured.Transfer); d != "" {
		t.Errorf("configured rules differ from inline rules (-inline +configured):\n%s", d)
	}
	def, err := Rules{Location: seoul}.Preview(bare)
	if err != nil {
		t.Fatal(err)
	}
	if got := of(def, false); got != (figures{8000, 1000, 320, 8680}) {
		t.Errorf("defaults: %+v, want 8000, 1000, 320, 8680", got)
	}
	if def.RulesVersion != settlement.DefaultRules().Version() {
		t.Errorf("defaults computed by %s", def.RulesVersion)
	}
}

func slicesContains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestPreviewRulesErrors: bad inline rules are PortOne-shaped errors at
// the member's path.
func TestPreviewRulesErrors(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("..", "testdata", "rules", "preview", "helpcenter.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, patch, field, want string }{
		{"formula", `{"formulas": {"platformFee": {"formula": "PAYMENT_AMOUNT ** FIXED_RATE"}}}`, "rules.formulas.platformFee.formula", "column 17"},
		{"variant", `{"variants": {"orderBlock": "SOMETIMES"}}`, "rules.variants.orderBlock", "not a choice"},
		{"unknown", `{"formula": {}}`, "rules.formula", "unknown member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(in, &m); err != nil {
				t.Fatal(err)
			}
			m["rules"] = json.RawMessage(tc.patch)
			data, _ := json.Marshal(m)
			_, err := Rules{Location: seoul}.Preview(data)
			var pe *PreviewError
			if !errors.As(err, &pe) || pe.Err.Type != settlement.ErrInvalidRequest || pe.Err.Field != tc.field || !strings.Contains(pe.Err.Message, tc.want) {
				t.Fatalf("Preview: %v, want INVALID_REQUEST at %s with %q", err, tc.field, tc.want)
			}
		})
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(in, &m)
	m["rounding"] = json.RawMessage(`{"fee": "UP", "vat": "DOWN"}`)
	data, _ := json.Marshal(m)
	var pe *PreviewError
	if _, err := (Rules{Location: seoul}).Preview(data); !errors.As(err, &pe) || pe.Err.Field != "rounding" {
		t.Fatalf("rules and rounding together: %v, want an error at rounding", err)
	}
}
