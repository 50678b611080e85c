package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/calibrate"
	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// TestCalibrateCommand (issue #16): `settle calibrate` against emulators
// that play each variant in turn and the help center's formulas names the
// rule played every time, writes a rules file with which `settle preview`
// gives PortOne's answers to every probe to the won, and leaves no probe
// transfer behind. Without PORTONE_TEST_MODE it refuses (exit 2).
func TestCalibrateCommand(t *testing.T) {
	type play struct {
		spec settlement.RulesSpec
		want []string // in the report
	}
	plays := map[string]play{
		"defaults": {settlement.RulesSpec{}, []string{"formulas.platformFee.formula = ORDER_AMOUNT * FIXED_RATE + FIXED_AMOUNT"}},
		"helpcenter": {settlement.RulesSpec{Formulas: []settlement.FormulaSpec{
			{Key: settlement.FormulaPlatformFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
			{Key: settlement.FormulaAdditionalFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
			{Key: settlement.FormulaSettlement, Formula: "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT"},
		}}, []string{"formulas.platformFee.formula = PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT",
			"formulas.settlement.formula = ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT"}},
		"vat UP": {settlement.RulesSpec{VATRound: settlement.RoundUp}, []string{"rounding.vat = UP"}},
	}
	for _, v := range settlement.VariantList {
		for _, c := range v.Choices {
			plays[v.Key+"="+c] = play{settlement.RulesSpec{Variants: settlement.Variants{}.With(v.Key, c)}, []string{"variants." + v.Key + " = " + c}}
		}
	}
	loc, _ := time.LoadLocation("Asia/Seoul")
	for name, p := range plays {
		t.Run(name, func(t *testing.T) {
			rules, err := settlement.NewRules(p.spec)
			if err != nil {
				t.Fatal(err)
			}
			emu, url := emulator.NewTestServer(t, emulator.Options{Secret: "calibrate-secret-123", Location: loc, Rules: rules})
			dir := t.TempDir()
			out, evidence := filepath.Join(dir, "rules.json"), filepath.Join(dir, "evidence")
			env := map[string]string{"PORTONE_API_BASE": url, "PORTONE_API_SECRET": "calibrate-secret-123", "PORTONE_TEST_MODE": "true"}
			r := runCLI(t, env, "", "calibrate", "--out", out, "--evidence", evidence)
			if r.code != exitOK {
				t.Fatalf("settle calibrate = %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			for _, w := range p.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("the report does not say %q:\n%s", w, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "every probe previews to the won") || !strings.Contains(r.stdout, "wrote "+out) {
				t.Errorf("report:\n%s", r.stdout)
			}
			for _, tr := range emu.Transfers(true) {
				if strings.Contains(string(tr.Partner), calibrate.PartnerID) {
					t.Errorf("probe transfer %s left behind", tr.ID)
				}
			}
			// Every probe previews with the rules written to PortOne's answers.
			inputs, _ := filepath.Glob(filepath.Join(evidence, "*.json"))
			n := 0
			for _, in := range inputs {
				if strings.HasSuffix(in, ".portone.json") {
					continue
				}
				n++
				pr := runCLI(t, map[string]string{"SETTLE_RULES": out}, "", "preview", in)
				if pr.code != exitOK {
					t.Fatalf("preview %s = %d: %s", in, pr.code, pr.stderr)
				}
				comparePreview(t, in, pr.stdout, strings.TrimSuffix(in, ".json")+".portone.json")
			}
			if n != 9 {
				t.Errorf("%d probes in the evidence, want 9", n)
			}
		})
	}
	r := runCLI(t, map[string]string{"PORTONE_API_SECRET": "x"}, "", "calibrate")
	if r.code != exitUsage || !strings.Contains(r.stderr, "PORTONE_TEST_MODE=true") {
		t.Errorf("calibrate in live mode = %d: %s", r.code, r.stderr)
	}
}

// comparePreview compares preview's output with PortOne's answers, every
// amount field of every block and the dates, with settlement.Compare.
func comparePreview(t *testing.T, name, preview, answersFile string) {
	t.Helper()
	var got struct {
		Transfer        transfer.Transfer   `json:"transfer"`
		CancelTransfers []transfer.Transfer `json:"cancelTransfers"`
	}
	if err := json.Unmarshal([]byte(preview), &got); err != nil {
		t.Fatalf("%s: preview output: %v", name, err)
	}
	data, err := os.ReadFile(answersFile)
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Transfer        transfer.Transfer   `json:"transfer"`
		CancelTransfers []transfer.Transfer `json:"cancelTransfers"`
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", answersFile, err)
	}
	ours := append([]transfer.Transfer{got.Transfer}, got.CancelTransfers...)
	theirs := append([]transfer.Transfer{want.Transfer}, want.CancelTransfers...)
	if len(ours) != len(theirs) {
		t.Fatalf("%s: %d transfers previewed, PortOne answered %d", name, len(ours), len(theirs))
	}
	for i := range ours {
		o, _ := transfer.TransferFromWire(ours[i])
		th := transfer.Observe(theirs[i]).Transfer
		if ms := settlement.Compare(&o, &th); len(ms) > 0 {
			t.Errorf("%s transfer %d: preview differs from PortOne: %+v", name, i, ms)
		}
	}
}
