package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store/storetest"
)

// TestPayoutNeverScheduled: a partner's settlements of a date net to a
// payout we expect, and PortOne makes none (nobody scheduled it; its
// settlements stay PAYOUT_PREPARED). Before and on the settlement date the
// payouts job says nothing; once the date has passed it reports the payout
// missing, once, on the Payouts sheet's row too. The other partner, paid
// as expected, and a withheld settlement are told apart.
func TestPayoutNeverScheduled(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	business := map[string]any{"business": map[string]any{"companyName": "Co", "businessRegistrationNumber": "1234567890", "representativeName": "Kim"}}
	if err := h.emu.SeedWith(emulator.SeedData{Partners: []json.RawMessage{
		payoutPartner("pu", business), // its payout is never scheduled
		payoutPartner("pp", business), // paid
		payoutPartner("pw", business), // withheld
	}}); err != nil {
		t.Fatal(err)
	}
	recs := recordFiles(t)
	rep := h.importFiles(t, recs("orders.jsonl", `{"partnerId": "pu", "paymentId": "u-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 40000}}
{"partnerId": "pp", "paymentId": "p-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 30000}}
{"partnerId": "pw", "paymentId": "w-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 20000}}
`))
	if !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	day := settlement.MustDate("2025-09-29")
	if res, err := h.nightlyAt(t, day); err != nil {
		t.Fatalf("nightly %s: %v\n%+v", day, err, res)
	}
	var date settlement.Date
	for _, tr := range h.emu.Transfers(false) {
		date = settlement.MustDate(tr.SettlementDate)
	}
	h.emu.ControlPayout(false, "pu", date, emulator.PayoutUnscheduled, "")
	h.emu.ControlPayout(false, "pw", date, emulator.PayoutWithhold, "")

	reasons := func(at time.Time) ([]string, error) {
		h.clock.Set(at)
		_, err := h.p.RunJob(ctx, JobPayouts, day, RunOptions{Force: true})
		ms, merr := h.st.PayoutMismatches(ctx, day.AddDays(-PayoutLookback), day.AddDays(PayoutHorizon))
		if merr != nil {
			t.Fatal(merr)
		}
		var got []string
		for _, m := range ms {
			got = append(got, fmt.Sprintf("%s %s %s %d", m.PayoutDate, m.PartnerID, m.Reason, m.Local))
		}
		return got, err
	}
	// On the settlement date, before its end: not yet due.
	got, err := reasons(time.Date(date.Year, date.Month, date.Day, 23, 0, 0, 0, h.loc))
	if want := []string{fmt.Sprintf("%s pw PAYOUT_WITHHELD 0", date)}; fmt.Sprint(got) != fmt.Sprint(want) || !errors.Is(err, ErrMismatches) {
		t.Errorf("on the settlement date: %q, %v; want %q", got, err, want)
	}
	// The day after: pu's payout is missing; pp's was paid.
	got, err = reasons(time.Date(date.Year, date.Month, date.Day+1, 2, 0, 0, 0, h.loc))
	checks, cerr := h.st.PayoutChecks(ctx, date, date)
	if cerr != nil {
		t.Fatal(cerr)
	}
	var pu, pp int64
	for _, c := range checks {
		switch c.PartnerID {
		case "pu":
			if c.Ours == nil || c.Theirs != nil || c.Status != "PAYOUT_PREPARED" || fmt.Sprint(c.Reasons) != "[PAYOUT_MISSING]" {
				t.Errorf("pu check %+v", c)
			} else {
				pu = int64(c.Ours.Amount)
			}
		case "pp":
			if c.Ours == nil || c.Theirs == nil || *c.Ours != *c.Theirs || c.Status != "SUCCEEDED" || len(c.Reasons) != 0 {
				t.Errorf("pp check %+v", c)
			} else {
				pp = int64(c.Ours.Amount)
			}
		}
	}
	want := []string{fmt.Sprintf("%s pu PAYOUT_MISSING %d", date, pu), fmt.Sprintf("%s pw PAYOUT_WITHHELD 0", date)}
	if fmt.Sprint(sortedStrings(got)) != fmt.Sprint(want) || !errors.Is(err, ErrMismatches) || pu <= 0 || pp <= 0 {
		t.Errorf("after the settlement date: %q, %v; want %q (pu %d, pp %d)", got, err, want, pu, pp)
	}
}

// TestNegativeNetFlagged: a partner paid for an order on its settlement
// date whose cancel settles on a date of its own nets negative there.
// PortOne makes no payout of it; the payouts job flags it (PAYOUT_NEGATIVE,
// the amount as it is, never zero) and counts it as needing attention in
// `settle status`, but the nightly run does not fail on it: it is no
// difference with PortOne.
func TestNegativeNetFlagged(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	business := map[string]any{"business": map[string]any{"companyName": "Co", "businessRegistrationNumber": "1234567890", "representativeName": "Kim"}}
	if err := h.emu.SeedWith(emulator.SeedData{Partners: []json.RawMessage{payoutPartner("pn", business)}}); err != nil {
		t.Fatal(err)
	}
	recs := recordFiles(t)
	rep := h.importFiles(t, recs("orders.jsonl", `{"partnerId": "pn", "paymentId": "n-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 500000}}
{"partnerId": "pn", "paymentId": "n-1", "cancellationId": "n-1-x", "cancelledAt": "2025-09-30T10:00:00+09:00", "orderDetail": {"all": {}}, "discounts": []}
`))
	if !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	for _, d := range []settlement.Date{settlement.MustDate("2025-09-29"), settlement.MustDate("2025-09-30"), settlement.MustDate("2025-10-01"), settlement.MustDate("2025-10-02")} {
		if res, err := h.nightlyAt(t, d); err != nil {
			t.Fatalf("nightly %s: %v, want no error (a negative net does not fail the run)\n%+v", d, err, res)
		}
	}
	last := settlement.MustDate("2025-10-02")
	ms, err := h.st.PayoutMismatches(ctx, last.AddDays(-PayoutLookback), last.AddDays(PayoutHorizon))
	if err != nil {
		t.Fatal(err)
	}
	checks, err := h.st.PayoutChecks(ctx, last.AddDays(-PayoutLookback), last.AddDays(PayoutHorizon))
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 || checks[0].Theirs == nil || checks[0].Theirs.Amount <= 0 || checks[1].Theirs != nil || checks[1].Ours == nil ||
		checks[1].Ours.Amount != -checks[0].Theirs.Amount || fmt.Sprint(checks[1].Reasons) != "[PAYOUT_NEGATIVE]" {
		t.Fatalf("checks %+v: want the order's payout, then its negative twin flagged", checks)
	}
	neg := checks[1]
	if len(ms) != 1 || ms[0].Reason != settlement.PayoutNegative || ms[0].PartnerID != "pn" || ms[0].PayoutDate != neg.PayoutDate ||
		ms[0].Local != neg.Ours.Amount || ms[0].PortOne != neg.Ours.Amount || !ms[0].Reason.NeedsAttention() {
		t.Errorf("mismatches %+v; want pn's negative net of %s, %d on both sides", ms, neg.PayoutDate, neg.Ours.Amount)
	}
	status, err := ReadStatus(ctx, h.st, StatusOptions{Now: h.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if status.PayoutIssues[settlement.PayoutNegative] != 1 {
		t.Errorf("status payout issues %v, want the negative net counted", status.PayoutIssues)
	}
}
