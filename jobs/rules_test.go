package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

func helpCenterRules(t *testing.T) *settlement.Rules {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "rules", "helpcenter-custom.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := settlement.ParseRules(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// helpCenterOrders are orders of partner p1 (10 %, the partner pays the
// fee's VAT) with a discount and the 3.3 % PG fee each, by amount and by
// lines, with a partial cancel: where fees on 결제금액 differ from fees on
// 주문금액.
func helpCenterOrders(t *testing.T) string {
	var b strings.Builder
	for i, amount := range []int64{10000, 23457, 99999} {
		fmt.Fprintf(&b, `{"partnerId":"p1","paymentId":"hc-%d","paidAt":"2025-09-29T10:00:00+09:00","orderDetail":{"orderAmount":%d},"discounts":[{"sharePolicyId":"share50","amount":%d}],"additionalFees":[{"policyId":"pg"}]}`+"\n", i, amount, amount/5)
	}
	b.WriteString(`{"partnerId":"p1","paymentId":"hc-lines","paidAt":"2025-09-29T11:00:00+09:00","orderDetail":{"orderLines":[{"product":{"id":"A","name":"A","amount":3333},"quantity":3,"discounts":[{"sharePolicyId":"share50","amount":1000}],"additionalFees":[{"policyId":"pg"}]},{"product":{"id":"B","name":"B","amount":7777},"quantity":1,"discounts":[],"additionalFees":[]}]},"discounts":[{"sharePolicyId":"share50","amount":1111}],"additionalFees":[{"policyId":"pg"}]}` + "\n")
	b.WriteString(`{"type":"ORDER_CANCEL","partnerId":"p1","paymentId":"hc-0","cancellationId":"hc-0-c1","cancelledAt":"2025-09-29T15:00:00+09:00","orderDetail":{"orderAmount":4000},"discounts":[{"sharePolicyId":"share50","amount":500}]}` + "\n")
	return recordFiles(t)("helpcenter.jsonl", b.String())
}

func mismatchesOn(t *testing.T, h *harness, d settlement.Date) []store.Mismatch {
	t.Helper()
	var got []store.Mismatch
	if err := h.st.Mismatches(context.Background(), store.Query{From: d, To: d}, func(m *store.Mismatch) error {
		got = append(got, *m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPipelineWithMerchantRules (issue #16): the help center's custom
// formulas through the whole pipeline. Against an emulator that plays the
// same rules every transfer reconciles, and every settlement records the
// rules' version; against an emulator with PortOne's default formulas,
// every order is a mismatch naming the fee fields.
func TestPipelineWithMerchantRules(t *testing.T) {
	d := settlement.MustDate("2025-09-29")
	rules := helpCenterRules(t)
	marketplace := filepath.Join("..", "testdata", "pipeline", "marketplace.json")

	h := newRulesHarness(t, storetest.SQLiteDSN(t), marketplace, rules, rules)
	if rep := h.importFiles(t, helpCenterOrders(t)); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d); err != nil {
		t.Fatalf("nightly with the emulator playing the same rules: %v\n%+v", err, mismatchesOn(t, h, d))
	}
	if ms := mismatchesOn(t, h, d); len(ms) != 0 {
		t.Fatalf("mismatches with the same rules on both sides: %+v", ms)
	}
	if n := checkOnePerIntent(t, h, d); n != 5 {
		t.Errorf("%d intents, want 5 (4 orders, 1 cancel)", n)
	}
	for _, pay := range []settlement.PaymentID{"hc-0", "hc-1", "hc-2", "hc-lines"} {
		recs, err := h.st.SettlementsOfPayment(context.Background(), "p1", pay)
		if err != nil || len(recs) == 0 {
			t.Fatalf("settlements of %s: %v", pay, err)
		}
		for _, r := range recs {
			if r.RulesVersion != rules.Version() {
				t.Errorf("settlement %s computed by %q, want %q", r.Key(), r.RulesVersion, rules.Version())
			}
		}
	}
	// The help center's figures: order 10,000, discount 2,000, 10 % and
	// 3.3 % on the payment of 8,000.
	hc0, err := h.st.Settlement(context.Background(), "p1", "hc-0", settlement.KindOrder, "")
	if err != nil {
		t.Fatal(err)
	}
	if a := hc0.Transfer.Amounts; a.PlatformFee != 800 || a.AdditionalFee != 264 || a.Settlement != 10000-800-264 {
		t.Errorf("hc-0: platform fee %d, additional fee %d, settlement %d; want 800, 264, 8936", a.PlatformFee, a.AdditionalFee, a.Settlement)
	}

	h = newRulesHarness(t, storetest.SQLiteDSN(t), marketplace, nil, rules)
	h.importFiles(t, helpCenterOrders(t))
	if _, err := h.nightlyAt(t, d); !errors.Is(err, ErrMismatches) {
		t.Fatalf("nightly against PortOne's default formulas: %v, want ErrMismatches", err)
	}
	fields := map[settlement.PaymentID]map[string]bool{}
	for _, m := range mismatchesOn(t, h, d) {
		if fields[m.PaymentID] == nil {
			fields[m.PaymentID] = map[string]bool{}
		}
		fields[m.PaymentID][m.Field] = true
	}
	var pays []string
	for p := range fields {
		pays = append(pays, string(p))
	}
	sort.Strings(pays)
	if strings.Join(pays, " ") != "hc-0 hc-1 hc-2 hc-lines" {
		t.Errorf("payments with mismatches: %v, want every order", pays)
	}
	for p, fs := range fields {
		for _, f := range []string{"platformFee", "additionalFee", "settlement"} {
			if !fs[f] {
				t.Errorf("%s: no mismatch on %s (%v)", p, f, fs)
			}
		}
	}
}

// TestCancelSettledWithItsOrdersRules: SETTLE_RULES changes between an
// order and its cancel (here from the help center's formulas back to the
// defaults) while PortOne keeps computing with the formulas the order was
// posted under. The cancel is settled with the rules its order was settled
// with, kept by version in the store, so it reconciles; before, it was
// settled with the current rules and every such cancel was a mismatch.
func TestCancelSettledWithItsOrdersRules(t *testing.T) {
	d1, d2 := settlement.MustDate("2025-09-29"), settlement.MustDate("2025-09-30")
	rules := helpCenterRules(t)
	h := newRulesHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"), rules, rules)
	if rep := h.importFiles(t, helpCenterOrders(t)); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d1); err != nil {
		t.Fatalf("nightly %s: %v", d1, err)
	}
	// The merchant's SETTLE_RULES is reset to the defaults.
	h.p = NewPipeline(h.st, h.client, Options{Loc: h.loc, Now: h.clock.Now, OutDir: t.TempDir(), Owner: "test", Concurrency: 8})
	cancel := `{"type":"ORDER_CANCEL","partnerId":"p1","paymentId":"hc-1","cancellationId":"hc-1-c1","cancelledAt":"2025-09-30T15:00:00+09:00","orderDetail":{"orderAmount":5000},"discounts":[{"sharePolicyId":"share50","amount":500}]}` + "\n"
	if rep := h.importFiles(t, recordFiles(t)("cancel.jsonl", cancel)); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d2); err != nil {
		t.Fatalf("nightly %s: %v\n%+v", d2, err, mismatchesOn(t, h, d2))
	}
	if ms := mismatchesOn(t, h, d2); len(ms) != 0 {
		t.Errorf("the cancel settled under other rules than its order: %d mismatches: %+v", len(ms), ms)
	}
	settled, err := h.st.SettledOf(context.Background(), []store.PaymentKey{{PartnerID: "p1", PaymentID: "hc-1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settled[store.PaymentKey{PartnerID: "p1", PaymentID: "hc-1"}] {
		if s.RulesVersion != rules.Version() {
			t.Errorf("%s %s settled with rules %q, want the order's %q", s.Kind, s.CancellationID, s.RulesVersion, rules.Version())
		}
	}
	checkOnePerIntent(t, h, d1, d2)
}

// TestUserDefinedResultsReconciled: PortOne answers a result of a
// user-defined formula (amount.userDefinedFormulas) that differs from ours
// while every standard amount agrees. The results are stored with both
// sides' detail and compared; before, they were not stored at all, so the
// difference never reached reconciliation.
func TestUserDefinedResultsReconciled(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "rules", "merchant-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := settlement.ParseRules(data)
	if err != nil {
		t.Fatal(err)
	}
	d := settlement.MustDate("2025-09-29")
	h := newRulesHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"), rules, rules)
	h.emu.Tamper(func(paymentID string, tr *transfer.Transfer) {
		if paymentID == "hc-1" && tr.Type == "ORDER" && tr.Amount != nil {
			tr.Amount.UserDefinedFormulas["PG_FEE"] += 5
		}
	})
	if rep := h.importFiles(t, helpCenterOrders(t)); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d); !errors.Is(err, ErrMismatches) {
		t.Fatalf("nightly: %v, want ErrMismatches", err)
	}
	ms := mismatchesOn(t, h, d)
	if len(ms) != 1 || ms[0].PaymentID != "hc-1" || ms[0].Field != "userDefinedFormulas.PG_FEE" || ms[0].Diff != 5 {
		t.Errorf("mismatches: %+v; want one, hc-1 PG_FEE off by 5", ms)
	}
}
