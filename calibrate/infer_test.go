package calibrate

import (
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

var seoul = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		panic(err)
	}
	return loc
}()

// simulate answers the probes as PortOne would under the rules of truth,
// with the engine itself.
func simulate(t *testing.T, truth settlement.RulesSpec) []ProbeResult {
	t.Helper()
	r, err := settlement.NewRules(truth)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := newEvaluator(resultsOf(probes("sim", settlement.MustDate("2026-12-01"))), seoul)
	if err != nil {
		t.Fatal(err)
	}
	var out []ProbeResult
	for i, res := range ev.results {
		terms := ev.terms[res.Probe.Contract]
		terms.Rules = r
		b, err := settlement.NewBook(ev.orders[i], terms)
		if err != nil {
			t.Fatalf("probe %s under %s: %v", res.Probe.Name, r.Version(), err)
		}
		res.Order = b.Order()
		for _, c := range ev.cancels[i] {
			ct, err := b.Cancel(c)
			if err != nil {
				t.Fatalf("probe %s cancel under %s: %v", res.Probe.Name, r.Version(), err)
			}
			res.Cancels = append(res.Cancels, ct)
		}
		out = append(out, res)
	}
	return out
}

func resultsOf(ps []Probe) []ProbeResult {
	out := make([]ProbeResult, len(ps))
	for i, p := range ps {
		out[i] = ProbeResult{Probe: p}
	}
	return out
}

// TestProbesSeparateEveryChoice: for every choice of every rounding and
// variant (the others at their defaults), for the help center's formulas,
// and for every non-default choice at once, the probes' answers under
// those rules lead Infer back to exactly those rules.
func TestProbesSeparateEveryChoice(t *testing.T) {
	truths := map[string]settlement.RulesSpec{}
	for _, d := range dims {
		for _, c := range d.choices {
			truths[d.key+"="+c] = d.set(settlement.RulesSpec{Name: "truth"}, c)
		}
	}
	truths["helpcenter"] = settlement.RulesSpec{Name: "truth", Formulas: []settlement.FormulaSpec{
		{Key: settlement.FormulaPlatformFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
		{Key: settlement.FormulaAdditionalFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
		{Key: settlement.FormulaSettlement, Formula: "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT"},
	}}
	all := settlement.RulesSpec{Name: "truth", VATRound: settlement.RoundUp, PaymentVATRound: settlement.RoundHalfUp,
		Variants: settlement.Variants{PlatformFixedFee: settlement.FixedFeePerUnit, OrderBlock: settlement.OrderBlockRecomputed,
			ShortMonth: settlement.ShortMonthSkip, CancelFixed: settlement.CancelFixedOnEachCancel}}
	all = formulaRound(settlement.FormulaPlatformFee).set(all, "HALF_UP")
	all = formulaRound(settlement.FormulaAdditionalFee).set(all, "UP")
	all = formulaRound(settlement.FormulaDiscountShare, settlement.FormulaDiscountShareTaxFree).set(all, "UP")
	truths["everything else"] = all
	truths["user-defined"] = settlement.RulesSpec{Name: "truth", UserDefined: []settlement.FormulaSpec{
		{Key: "NET", Formula: "SETTLEMENT_AMOUNT * 0.967"},
		{Key: "FEES", Formula: "PLATFORM_FEE_AMOUNT + ADDITIONAL_FEE_AMOUNT"},
	}}
	for name, truth := range truths {
		t.Run(name, func(t *testing.T) {
			want, err := settlement.NewRules(truth)
			if err != nil {
				t.Fatal(err)
			}
			inf, err := Infer(simulate(t, truth), "truth", seoul)
			if err != nil {
				t.Fatal(err)
			}
			if !inf.Exact {
				t.Fatalf("not exact:\n%s", strings.Join(inf.Mismatches, "\n"))
			}
			if inf.Rules.Text() != want.Text() {
				t.Errorf("inferred\n%s\nwant\n%s", inf.Rules.Text(), want.Text())
			}
			for _, f := range inf.Findings {
				if strings.Contains(f.Evidence, "not told apart") {
					t.Errorf("%s = %s: %s", f.Key, f.Choice, f.Evidence)
				}
			}
		})
	}
}
