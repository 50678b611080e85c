package reports

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// correctionSource is the fixture with corrections.
type correctionSource struct {
	*memSource
	corrections []CorrectionRow
}

func (s *correctionSource) Corrections(ctx context.Context, y func(*CorrectionRow) error) error {
	return each(ctx, s.memSource, "Corrections", s.corrections, y)
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// correctionFixture has one correction of each kind for partner 007 and an
// adjustment PortOne holds otherwise for P-100.
func correctionFixture(t *testing.T) *correctionSource {
	loc := seoul(t)
	d := settlement.MustDate("2025-10-01")
	return &correctionSource{memSource: fixture(), corrections: []CorrectionRow{
		{Kind: CorrectionVoided, TransferKind: settlement.KindOrder, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0007",
			BusinessDate: d, Reason: "금액 오입력", By: "kim", At: time.Date(2025, 10, 1, 15, 0, 0, 0, loc), Status: "pending",
			Replacement: "stl-o-pay-0007", ReplacementStatus: "pending"},
		{Kind: CorrectionDeleted, TransferKind: settlement.KindOrder, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
			BusinessDate: d, SettlementDate: settlement.MustDate("2025-10-10"), Reason: "부분 주문", By: "lee",
			At: time.Date(2025, 10, 2, 9, 30, 0, 0, loc), Status: "posted", PortOneTransferID: "tr-pay-0001",
			PortOneStatus: settlement.StatusScheduled, PortOneAmount: won(8100), Replacement: "tr-pay-0001-g1", ReplacementStatus: "posted", ReplacementPortOne: settlement.StatusScheduled,
			ReplacementAmount: won(9000)},
		{Kind: CorrectionAdjustment, TransferKind: settlement.KindManual, PartnerID: "007", PartnerName: "칠공칠 상점", Reference: "OPS-17",
			BusinessDate: d, SettlementDate: settlement.MustDate("2025-10-10"), Amount: won(500), TaxFree: won(100), Memo: "pay-1 정정",
			Reason: "500원 부족", By: "kim", At: time.Date(2025, 10, 1, 16, 0, 0, 0, loc), Status: "posted", PortOneTransferID: "adj-1",
			PortOneStatus: settlement.StatusScheduled, PortOneAmount: won(500), Reconciled: yes()},
		{Kind: CorrectionAdjustment, TransferKind: settlement.KindManual, PartnerID: "P-100", PartnerName: "Beta Store", Reference: "OPS-18",
			BusinessDate: d, SettlementDate: settlement.MustDate("2025-10-17"), Amount: won(-300), TaxFree: won(0), Reason: "과지급 회수", By: "lee",
			At: time.Date(2025, 10, 1, 17, 0, 0, 0, loc), Status: "posted", PortOneTransferID: "adj-2", PortOneStatus: settlement.StatusScheduled,
			PortOneAmount: won(-200), Reconciled: no(), Issue: IssueAdjustmentDiffers, Detail: "settlementAmount"},
	}}
}

// TestCorrectionsSheet: a source with corrections gets a Corrections sheet
// (정정) after Needs attention, read back cell by cell: a voided record with
// its replacement, a deleted transfer with PortOne's id, status and amount
// when deleted and the transfer that replaced it, and adjustments with
// PortOne's side and whether they reconcile; under them the adjustments
// per partner, whose formulas compute the cached values and which, added to
// the partner's settlement on the Summary, give the settlement with
// adjustments. The front sheet counts the corrections and those that need
// attention, and says what to do.
func TestCorrectionsSheet(t *testing.T) {
	src := correctionFixture(t)
	_, f := writeBook(t, src, Options{Loc: seoul(t)})
	sheet := SheetName(SheetCorrections, LangKO)
	list := f.GetSheetList()
	for i, n := range list {
		if n == SheetName(SheetProblems, LangKO) && (i+1 >= len(list) || list[i+1] != sheet) {
			t.Errorf("sheets %q, want %s after %s", list, sheet, n)
		}
	}
	for _, c := range []struct {
		header string
		row    int
		want   string
	}{
		{"구분", 3, "무효 처리 (전송 전)"}, {"파트너 ID", 3, "007"}, {"이체 유형", 3, "주문"}, {"결제·취소 ID 또는 참조", 3, "pay-0007"},
		{"업무일", 3, "45931"}, {"정산일", 3, ""}, {"조정 금액", 3, ""}, {"사유", 3, "금액 오입력"}, {"처리자", 3, "kim"},
		{"우리 상태", 3, "전송 대기"}, {"대체 이체 ID", 3, "stl-o-pay-0007"}, {"대사 완료", 3, ""}, {"확인 사유", 3, ""},
		{"구분", 4, "PortOne 이체 삭제 후 재등록"}, {"PortOne 이체 ID", 4, "tr-pay-0001"}, {"PortOne 상태", 4, "정산 예정"},
		{"PortOne 정산금액", 4, "8100"}, {"대체 이체 ID", 4, "tr-pay-0001-g1"}, {"대체 이체 상태", 4, "정산 예정"}, {"대체 이체 PortOne 정산금액", 4, "9000"}, {"우리 상태", 4, "전송 완료"},
		{"정산일", 4, "45940"},
		{"구분", 5, "수동 조정 이체"}, {"이체 유형", 5, "수동 조정"}, {"결제·취소 ID 또는 참조", 5, "OPS-17"}, {"조정 금액", 5, "500"}, {"조정 면세금액", 5, "100"},
		{"메모", 5, "pay-1 정정"}, {"PortOne 정산금액", 5, "500"}, {"대사 완료", 5, "예"},
		{"파트너 ID", 6, "P-100"}, {"조정 금액", 6, "-300"}, {"PortOne 정산금액", 6, "-200"}, {"대사 완료", 6, "아니오"},
		{"확인 사유", 6, "PortOne과 다름: PortOne 불일치 시트 (settlementAmount)"},
		{"대체 이체 상태", 3, "전송 대기"}, {"대체 이체 상태", 5, ""},
	} {
		if got := cellUnder(t, f, sheet, c.header, c.row); got != c.want {
			t.Errorf("Corrections %s row %d = %q, want %q", c.header, c.row, got, c.want)
		}
	}
	if got := numFmt(t, f, sheet, findCol(t, f, sheet, "조정 금액")+"5"); got != fmtWon {
		t.Errorf("adjustment amount format %q, want %q", got, fmtWon)
	}
	// The adjustments per partner, each tied to the Summary.
	summary := map[settlement.PartnerID]settlement.Won{}
	for _, r := range src.summary {
		summary[r.PartnerID] += r.Amounts.Settlement
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ count, amount, taxFree, portOne int64 }{"007": {1, 500, 100, 500}, "P-100": {1, -300, 0, -200}}
	seen := 0
	for i, r := range rows {
		if len(r) < 2 || r[0] != "조정 합계" {
			continue
		}
		seen++
		n := i + 1
		id := settlement.PartnerID(r[1])
		w, ok := want[string(id)]
		if !ok {
			t.Errorf("adjustments total of %q", id)
			continue
		}
		checks := map[string]int64{"이체 유형": w.count, "조정 금액": w.amount, "조정 면세금액": w.taxFree, "PortOne 정산금액": w.portOne,
			"확인 사유": int64(summary[id]), "사유": int64(summary[id]) + w.amount}
		for header, v := range checks {
			ref := findCol(t, f, sheet, header) + strconv.Itoa(n)
			if got := raw(t, f, sheet, ref); got != strconv.FormatInt(v, 10) {
				t.Errorf("%s total %s (%s) = %q, want %d", id, header, ref, got, v)
			}
			// The formula computes what is cached.
			calc, err := f.CalcCellValue(sheet, ref, excelize.Options{RawCellValue: true})
			if err != nil || calc != strconv.FormatInt(v, 10) {
				t.Errorf("%s total %s (%s) computes %q, %v; want %d", id, header, ref, calc, err, v)
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d adjustments totals rows, want 2", seen)
	}
	if got := runValue(t, f, SheetName(SheetRun, LangKO), "정정 수 (무효·삭제 후 재등록·수동 조정)"); got != "4" {
		t.Errorf("front sheet corrections %q, want 4", got)
	}
	if got := runValue(t, f, SheetName(SheetRun, LangKO), "확인이 필요한 정정 수"); got != "1" {
		t.Errorf("front sheet corrections that need attention %q, want 1", got)
	}
	if got := runValue(t, f, SheetName(SheetRun, LangKO), "확인이 필요한 정정 1건"); got == "" {
		t.Errorf("front sheet says nothing to do about the correction")
	}
	checkPrint(t, f, sheet, true, 0)

	// In English.
	_, en := writeBook(t, src, Options{Loc: seoul(t), Lang: LangEN})
	for _, c := range []struct{ header, want string }{
		{"Correction", "Deleted at PortOne, reposted"}, {"Type", "Order"}, {"Replacement status", "Scheduled"},
	} {
		if got := raw(t, en, SheetCorrections, findCol(t, en, SheetCorrections, c.header)+"4"); got != c.want {
			t.Errorf("Corrections (en) %s row 4 = %q, want %q", c.header, got, c.want)
		}
	}
	if got := raw(t, en, SheetCorrections, findCol(t, en, SheetCorrections, "Needs attention")+"6"); got != "PortOne differs: sheet Mismatches (settlementAmount)" {
		t.Errorf("Corrections (en) attention = %q", got)
	}

	// No corrections in the range: no sheet, and the front sheet says 0.
	src.corrections = nil
	_, f = writeBook(t, src, Options{Loc: seoul(t), Lang: LangEN})
	for _, n := range f.GetSheetList() {
		if n == SheetCorrections {
			t.Errorf("a Corrections sheet without corrections")
		}
	}
	if got := runValue(t, f, SheetRun, "Corrections (voided, deleted and reposted, adjustments)"); got != "0" {
		t.Errorf("front sheet corrections %q, want 0", got)
	}
}
