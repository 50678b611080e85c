package emulator_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// payoutDay is the settlement date of TestPayoutLifecycle.
var payoutDay = settlement.Date{Year: 2023, Month: time.August, Day: 16}

// payoutRig seeds p1, p2 (businesses, NORMAL), p3 (WHT_PAYER) and p4
// (NON_WHT_PAYER) with deductWht on, and returns the client.
func payoutRig(t *testing.T, opts emulator.Options) (*emulator.Server, *transfer.Client, *emulator.Clock) {
	t.Helper()
	srv, a, clk := seeded(t, opts)
	for _, p := range []struct {
		id  string
		typ map[string]any
	}{{"p3", map[string]any{"whtPayer": map[string]any{"birthdate": "1990-01-01"}}}, {"p4", map[string]any{"nonWhtPayer": map[string]any{"birthdate": "1990-01-01"}}}} {
		j := partnerJSON(p.id, "contractA")
		j["type"] = p.typ
		a.ok("POST", "/platform/partners", j)
	}
	a.ok("PATCH", "/platform/setting", map[string]any{"deductWht": true})
	return srv, newClient(t, a.base, 2), clk
}

func manual(t *testing.T, c *transfer.Client, id, partner string, amount int64) {
	t.Helper()
	if _, err := c.CreateManualTransfer(t.Context(), transfer.CreateManualTransferBody{
		ID: id, PartnerID: partner, SettlementAmount: amount, SettlementDate: payoutDay.String(),
	}); err != nil {
		t.Fatal(err)
	}
}

type psSeen struct {
	status string
	amount int64
}

func settlementsOf(t *testing.T, c *transfer.Client, f *transfer.PartnerSettlementFilter) map[string][]psSeen {
	t.Helper()
	out := map[string][]psSeen{}
	for s, err := range c.PartnerSettlements(t.Context(), f) {
		if err != nil {
			t.Fatal(err)
		}
		a, _ := s.ManualAmount()
		out[s.Partner.ID] = append(out[s.Partner.ID], psSeen{s.Status, a})
	}
	return out
}

func payoutsOf(t *testing.T, c *transfer.Client) map[string]transfer.Payout {
	t.Helper()
	out := map[string]transfer.Payout{}
	for p, err := range c.Payouts(t.Context(), &transfer.PayoutFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[p.Partner.ID]; dup {
			t.Errorf("two payouts of %s", p.Partner.ID)
		}
		out[p.Partner.ID] = p
	}
	return out
}

// TestPayoutLifecycle: partner settlements and payouts built from
// transfers, moved by the clock, with a withhold that closes a key (the
// next transfer of the key starts a second settlement), a failed payout, a
// WHT_PAYER withheld 3.3 % (P1) and a partner whose net is negative (no
// payout).
func TestPayoutLifecycle(t *testing.T) {
	srv, c, clk := payoutRig(t, emulator.Options{})
	manual(t, c, "m1", "p1", 100_000)
	manual(t, c, "m2", "p1", 10_000)
	manual(t, c, "m3", "p2", 5_000)
	srv.ControlPayout(false, "p2", payoutDay, emulator.PayoutWithhold, "")
	manual(t, c, "m4", "p2", 7_000) // same key, after the withhold: a new settlement
	manual(t, c, "m5", "p3", 1_000_000)
	manual(t, c, "m6", "p4", -5_000)
	srv.ControlPayout(false, "p1", payoutDay, emulator.PayoutFail, "account closed")

	dates := &transfer.PartnerSettlementFilter{SettlementDates: []string{payoutDay.String()}}
	want := func(when string, ps map[string][]psSeen, po map[string]string) {
		t.Helper()
		got := settlementsOf(t, c, dates)
		if fmt.Sprint(got) != fmt.Sprint(ps) {
			t.Errorf("%s: settlements\n got %v\nwant %v", when, got, ps)
		}
		pays := payoutsOf(t, c)
		gotPo := map[string]string{}
		for id, p := range pays {
			gotPo[id] = fmt.Sprintf("%s %d", p.Status, p.Amount)
		}
		if fmt.Sprint(gotPo) != fmt.Sprint(po) {
			t.Errorf("%s: payouts\n got %v\nwant %v", when, gotPo, po)
		}
	}
	// Before the date: nothing scheduled, the withheld one withheld.
	want("before", map[string][]psSeen{
		"p1": {{"PAYOUT_PREPARED", 110_000}},
		"p2": {{"PAYOUT_WITHHELD", 5_000}, {"PAYOUT_PREPARED", 7_000}},
		"p3": {{"PAYOUT_PREPARED", 1_000_000}},
		"p4": {{"PAYOUT_PREPARED", -5_000}},
	}, map[string]string{})

	clk.Set(time.Date(2023, 8, 16, 9, 0, 0, 0, kst))
	want("scheduled", map[string][]psSeen{
		"p1": {{"PAYOUT_SCHEDULED", 110_000}},
		"p2": {{"PAYOUT_WITHHELD", 5_000}, {"PAYOUT_SCHEDULED", 7_000}},
		"p3": {{"PAYOUT_SCHEDULED", 1_000_000}},
		"p4": {{"PAYOUT_PREPARED", -5_000}}, // negative: no payout
	}, map[string]string{"p1": "SCHEDULED 110000", "p2": "SCHEDULED 7000", "p3": "SCHEDULED 967000"})

	clk.Set(time.Date(2023, 8, 16, 11, 0, 0, 0, kst))
	want("processing", map[string][]psSeen{
		"p1": {{"PAYOUT_FAILED", 110_000}},
		"p2": {{"PAYOUT_WITHHELD", 5_000}, {"IN_PAYOUT", 7_000}},
		"p3": {{"IN_PAYOUT", 1_000_000}},
		"p4": {{"PAYOUT_PREPARED", -5_000}},
	}, map[string]string{"p1": "FAILED 110000", "p2": "PROCESSING 7000", "p3": "PROCESSING 967000"})

	clk.Set(time.Date(2023, 8, 17, 9, 0, 0, 0, kst))
	want("paid", map[string][]psSeen{
		"p1": {{"PAYOUT_FAILED", 110_000}},
		"p2": {{"PAYOUT_WITHHELD", 5_000}, {"PAID_OUT", 7_000}},
		"p3": {{"PAID_OUT", 1_000_000}},
		"p4": {{"PAYOUT_PREPARED", -5_000}},
	}, map[string]string{"p1": "FAILED 110000", "p2": "SUCCEEDED 7000", "p3": "SUCCEEDED 967000"})

	pays := payoutsOf(t, c)
	p3, p1 := pays["p3"], pays["p1"]
	if p3.IncomeTaxAmount != 30_000 || p3.LocalIncomeTaxAmount != 3_000 || p3.SettlementAmount != 1_000_000 || !p3.DeductWht {
		t.Errorf("p3 withholding: %+v", p3)
	}
	if p1.FailReason != "account closed" || p1.VatAmount != 10_000 || p1.SupplyAmount != 100_000 {
		t.Errorf("p1: fail reason %q, vat %d, supply %d", p1.FailReason, p1.VatAmount, p1.SupplyAmount)
	}
	// A payout's settlements are found by keyword, the way settle asks.
	n := 0
	for s, err := range c.PartnerSettlements(t.Context(), &transfer.PartnerSettlementFilter{Keyword: &transfer.PartnerSettlementKeyword{BulkPayoutID: p3.BulkPayoutID}}) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Status == "PAYOUT_WITHHELD" || s.Partner.ID == "p4" {
			t.Errorf("settlement %s (%s) is in no payout", s.ID, s.Status)
		}
		n++
	}
	if n != 3 {
		t.Errorf("bulk payout %s has %d settlements, want 3", p3.BulkPayoutID, n)
	}
	// The status filter.
	withheld := settlementsOf(t, c, &transfer.PartnerSettlementFilter{Statuses: []string{"PAYOUT_WITHHELD"}})
	if len(withheld) != 1 || len(withheld["p2"]) != 1 {
		t.Errorf("withheld filter: %v", withheld)
	}
}

// TestPartnerSettlementPaging: more settlements than one page, against an
// emulator whose page size is smaller than the client's: the client pages
// until an empty page and sees every settlement once.
func TestPartnerSettlementPaging(t *testing.T) {
	_, c, _ := payoutRig(t, emulator.Options{MaxPageSize: 3})
	const n = 11
	for i := range n {
		// One MANUAL settlement per partner and date: vary the date.
		d := payoutDay.AddDays(i)
		if _, err := c.CreateManualTransfer(t.Context(), transfer.CreateManualTransferBody{
			ID: fmt.Sprintf("m%d", i), PartnerID: "p1", SettlementAmount: 1000, SettlementDate: d.String(),
		}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for s, err := range c.PartnerSettlements(t.Context(), &transfer.PartnerSettlementFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[s.ID] {
			t.Errorf("settlement %s twice", s.ID)
		}
		seen[s.ID] = true
	}
	if len(seen) != n {
		t.Errorf("%d settlements, want %d", len(seen), n)
	}
	// A transfer added after a list is in the next one (the cached
	// settlements of its date are rebuilt).
	manual(t, c, "late", "p1", 500)
	got := settlementsOf(t, c, &transfer.PartnerSettlementFilter{SettlementDates: []string{payoutDay.String()}})
	if len(got["p1"]) != 1 || got["p1"][0].amount != 1500 {
		t.Errorf("after a new transfer: %v", got)
	}
}
