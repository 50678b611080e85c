package reports

import (
	"context"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// payoutSource is the fixture with payouts.
type payoutSource struct {
	*memSource
	payouts []PayoutRow
}

func (s *payoutSource) Payouts(ctx context.Context, y func(PayoutRow) error) error {
	return each(ctx, s.memSource, "Payouts", s.payouts, func(r *PayoutRow) error { return y(*r) })
}

// TestPayoutsSheet: a source with payouts gets a Payouts sheet (지급) after
// Transfers, read back cell by cell: settlement → VAT → withholding →
// payout, ours beside PortOne's, the status and the reasons; money is
// number-formatted won and a side without a payout is blank. A source
// without payouts gets no sheet (TestWorkbookSheets).
func TestPayoutsSheet(t *testing.T) {
	d := settlement.MustDate("2025-10-01")
	ours := &settlement.PayoutAmounts{Settlement: 890000, Supply: 890000, IncomeTax: 26700, LocalIncomeTax: 2670, Amount: 860630}
	theirs := *ours
	theirs.IncomeTax = 26690
	src := &payoutSource{memSource: fixture(), payouts: []PayoutRow{
		{PayoutDate: d, PartnerID: "pw", PartnerName: "원천징수 개인", Currency: "KRW", PayoutID: "po-1", Status: "SUCCEEDED", VAT: "NONE",
			Withhold: true, Ours: ours, PortOne: &theirs, Reasons: []settlement.MismatchReason{settlement.PayoutAmountDiffers}},
		{PayoutDate: d, PartnerID: "pn", Currency: "KRW", Status: "PAYOUT_PREPARED", VAT: "ADDED",
			Ours: &settlement.PayoutAmounts{Settlement: -45000, Supply: -45000, VAT: -4500, Amount: -49500}, Reasons: []settlement.MismatchReason{settlement.PayoutNegative}},
	}}
	_, f := writeBook(t, src, Options{Loc: seoul(t)})
	list := f.GetSheetList()
	if n := len(list); n < 2 || list[n-2] != SheetName(SheetTransfers, LangKO) || list[n-1] != "지급" {
		t.Errorf("sheets %q, want 지급 (Payouts) after %s", list, SheetName(SheetTransfers, LangKO))
	}
	sheet := SheetName(SheetPayouts, LangKO)
	for _, c := range []struct {
		header string
		row    int
		want   string
	}{
		{"파트너 ID", 3, "pw"}, {"지급 ID", 3, "po-1"}, {"상태", 3, "지급 완료"}, {"원천징수", 3, "3.3%"},
		{"정산금액", 3, "890000"}, {"PortOne 정산금액", 3, "890000"},
		{"소득세", 3, "26700"}, {"PortOne 소득세", 3, "26690"},
		{"지급금액", 3, "860630"}, {"PortOne 지급금액", 3, "860630"}, {"확인 사유", 3, "지급 금액 불일치"},
		{"파트너 ID", 4, "pn"}, {"부가세 처리", 4, "지급 시 가산 (NET)"}, {"부가세", 4, "-4500"}, {"지급금액", 4, "-49500"}, {"PortOne 지급금액", 4, ""}, {"상태", 4, "지급 불가 (음수)"},
		{"확인 사유", 4, "순액 음수: 지급 없음, 파트너에게 회수 필요"},
	} {
		if got := cellUnder(t, f, sheet, c.header, c.row); got != c.want {
			t.Errorf("Payouts %s row %d = %q, want %q", c.header, c.row, got, c.want)
		}
	}
	if got := numFmt(t, f, sheet, findCol(t, f, sheet, "지급금액")+"3"); got != "#,##0" {
		t.Errorf("payout amount format %q", got)
	}
	// The front sheet counts the payouts with a reason (the differing one
	// and the negative one) and says what to do: neither is hidden behind
	// "reconciles".
	rows, err := f.GetRows(SheetName(SheetRun, LangKO))
	if err != nil {
		t.Fatal(err)
	}
	var count, todo string
	for _, r := range rows {
		if len(r) > 1 && r[0] == "확인이 필요한 지급 수" {
			count = r[1]
		}
		if len(r) > 1 && strings.HasPrefix(r[0], "확인이 필요한 지급 2건") {
			todo = r[1]
		}
	}
	if count != "2" || !strings.Contains(todo, "settle run payouts") {
		t.Errorf("front sheet: payouts that need attention %q, action %q; want 2 and the command", count, todo)
	}
}
