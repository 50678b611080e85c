package reports

import (
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// TestStatementPayouts: with payouts (PayoutSource) the statement's payout
// section lists the partner's payouts only, per payout date, with the tax
// withheld: PortOne's figures where it has paid, ours where not yet, and a
// negative net shown as owed (never as a payout of zero).
// Without, it says payouts come once reconciled (TestStatementGolden).
func TestStatementPayouts(t *testing.T) {
	d1, d2, d3 := settlement.MustDate("2025-10-10"), settlement.MustDate("2025-10-17"), settlement.MustDate("2025-10-18")
	ours := &settlement.PayoutAmounts{Settlement: 890000, Supply: 890000, IncomeTax: 26700, LocalIncomeTax: 2670, Amount: 860630}
	theirs := *ours
	theirs.IncomeTax, theirs.Amount = 26690, 860640
	src := &payoutSource{memSource: statementOf("007", "WHT_PAYER"), payouts: []PayoutRow{
		{PayoutDate: d1, PartnerID: "007", Status: "SUCCEEDED", Withhold: true, Ours: ours, PortOne: &theirs},
		{PayoutDate: d1, PartnerID: "someone-else", Status: "SUCCEEDED", Ours: ours, PortOne: ours},
		{PayoutDate: d2, PartnerID: "007", Status: "PAYOUT_PREPARED", Withhold: true, Ours: &settlement.PayoutAmounts{Settlement: 1000, IncomeTax: 30, LocalIncomeTax: 3, Amount: 967}},
		{PayoutDate: d3, PartnerID: "007", Status: "PAYOUT_PREPARED", Withhold: true, Ours: &settlement.PayoutAmounts{Settlement: -5000, Amount: -5000},
			Reasons: []settlement.MismatchReason{settlement.PayoutNegative}},
	}}
	f := writeStatement(t, src, Options{Lang: LangEN, Loc: seoul(t)})
	rows, err := f.GetRows("Statement")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	in := false
	for _, r := range rows {
		in = in || len(r) > 0 && r[0] == "Payout date"
		if in && len(r) > 0 && strings.HasPrefix(r[0], "2025-10-1") {
			got = append(got, strings.Join(r, "|"))
		}
	}
	want := []string{
		"2025-10-10|Paid out|890,000|0|26,690|2,670|860,640|PortOne's payout",
		"2025-10-17|Prepared|1,000|0|30|3|967|settle's (not yet paid)",
		"2025-10-18|Not payable (negative)|-5,000|0|0|0|-5,000|Negative net: nothing paid (to recover)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("payout rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
