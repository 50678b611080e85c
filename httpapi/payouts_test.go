package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// TestGetPayouts: GET /v1/payouts answers the payouts job's checks of a
// payout date or range, ours beside PortOne's under PortOne's field names,
// filtered by partner, with the failed one marked as needing attention;
// bad dates are a 400 naming the field, and a token is required.
func TestGetPayouts(t *testing.T) {
	a := newTestAPI(t, nil)
	d1, d2 := settlement.MustDate("2025-10-01"), settlement.MustDate("2025-10-02")
	amounts := &settlement.PayoutAmounts{Settlement: 890000, Supply: 890000, IncomeTax: 26700, LocalIncomeTax: 2670, Amount: 860630}
	checks := []store.PayoutCheck{
		{PayoutDate: d1, PartnerID: "p1", Currency: "KRW", PayoutID: "po-1", Status: "SUCCEEDED",
			Treatment: settlement.Treatment{Withhold: true}, Ours: amounts, Theirs: amounts},
		{PayoutDate: d2, PartnerID: "p1", Currency: "KRW", PayoutID: "po-2", Status: "FAILED", FailReason: "account closed",
			Ours: amounts, Theirs: amounts, Reasons: []settlement.MismatchReason{settlement.PayoutFailedReason}},
		{PayoutDate: d2, PartnerID: "p2", Currency: "KRW", Status: "PAYOUT_PREPARED", Ours: amounts},
	}
	if err := a.st.ReplacePayoutChecks(context.Background(), d1, d2, checks, nil); err != nil {
		t.Fatal(err)
	}
	type list struct {
		Payouts []struct {
			PayoutDate, PartnerID, PayoutID, Status, FailReason string
			Ours, PortOne                                       map[string]int64
			Reasons                                             []string
			NeedsAttention                                      bool
		}
	}
	read := func(path string) list { return getOK[list](t, a, path) }
	if l := read("/v1/payouts?from=2025-10-01&to=2025-10-02"); len(l.Payouts) != 3 {
		t.Errorf("range: %+v, want 3 payouts", l)
	}
	l := read("/v1/payouts?date=2025-10-02&partnerId=p1")
	if len(l.Payouts) != 1 {
		t.Fatalf("date and partner: %+v, want p1's payout of 2025-10-02", l)
	}
	p := l.Payouts[0]
	if p.PayoutID != "po-2" || p.Status != "FAILED" || p.FailReason != "account closed" || !p.NeedsAttention ||
		len(p.Reasons) != 1 || p.Reasons[0] != "PAYOUT_FAILED" || p.Ours["amount"] != 860630 || p.PortOne["incomeTaxAmount"] != 26700 {
		t.Errorf("p1's failed payout: %+v", p)
	}
	if l := read("/v1/payouts?date=2025-10-02&partnerId=p2"); len(l.Payouts) != 1 || l.Payouts[0].PortOne != nil || l.Payouts[0].NeedsAttention {
		t.Errorf("p2's payout PortOne has not made: %+v", l)
	}
	for _, c := range []struct{ path, field string }{
		{"/v1/payouts", "date"}, {"/v1/payouts?date=2025-02-30", "date"}, {"/v1/payouts?from=2025-10-02&to=2025-10-01", "to"},
	} {
		if got := a.do(t, "GET", c.path, testToken, nil, nil); got.status != http.StatusBadRequest || got.err(t).Field != c.field {
			t.Errorf("GET %s = %d %s, want 400 on %s", c.path, got.status, got.body, c.field)
		}
	}
	if got := a.do(t, "GET", "/v1/payouts?date=2025-10-02", "", nil, nil); got.status != http.StatusUnauthorized {
		t.Errorf("GET /v1/payouts without a token = %d, want 401", got.status)
	}
}
