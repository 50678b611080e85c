package jobs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// intentOf is the intent of kind k of payment p on d.
func intentOf(t *testing.T, h *harness, d settlement.Date, p settlement.PaymentID, k settlement.Kind) store.Intent {
	t.Helper()
	var out store.Intent
	if err := h.st.IntentsOn(context.Background(), d, func(in *store.Intent) error {
		if in.PaymentID == p && in.Kind == k {
			out = *in
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if out.IntentID == "" {
		t.Fatalf("no %s intent of %s on %s", k, p, d)
	}
	return out
}

// TestExportCorrections: a posted order whose transfer was deleted at
// PortOne, voided and imported again corrected, an order voided before it
// was settled, and two adjustments (one
// PortOne holds as asked, one it changed) appear on the workbook's
// Corrections sheet, read back cell by cell: the deleted transfer with its
// status and amount when deleted and the corrected record's transfer that
// replaced it; the adjustments with PortOne's side and whether they
// reconcile; the adjustments per partner beside the partner's settlement
// on the Summary. The changed adjustment is on the Mismatches sheet as a
// manual transfer, and the front sheet counts the corrections and the one
// that needs attention.
func TestExportCorrections(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := correctionsHarness(t, db.DSN)
			d := settlement.MustDate("2025-09-29")
			if _, err := h.nightlyAt(t, d); err != nil {
				t.Fatal(err)
			}
			// pay-3 (33,000 won) should have been 35,000: its transfer is
			// deleted at PortOne and the record voided naming it.
			old := intentOf(t, h, d, "pay-3", settlement.KindOrder)
			oldID := old.PortOneTransferID
			if oldID == "" {
				oldID = old.IntentID
			}
			was, err := h.client.GetTransfer(ctx, string(oldID))
			if err != nil {
				t.Fatal(err)
			}
			if err := h.client.DeleteTransfer(ctx, string(oldID)); err != nil {
				t.Fatal(err)
			}
			oldAmount := was.Amount.Settlement
			if _, err := h.st.VoidDeleted(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p2", PaymentID: "pay-3", By: "kim", Reason: "주문 금액 오입력"},
				store.DeletedTransfer{TransferID: oldID, Status: settlement.TransferStatus(was.Status), Amount: &oldAmount, SettlementDate: was.SettlementDate}); err != nil {
				t.Fatal(err)
			}
			fixed := filepath.Join(t.TempDir(), "fixed.jsonl")
			if err := os.WriteFile(fixed, []byte(`{"partnerId":"p2","paymentId":"pay-3","paidAt":"2025-09-29T12:00:00+09:00","discounts":[],"additionalFees":[{"policyId":"pg"}],"orderDetail":{"orderAmount":35000}}`+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if rep := h.importFiles(t, fixed); !rep.OK() {
				t.Fatalf("import the corrected order: %+v", rep.Counts)
			}
			// An order of the next date, withdrawn before it was settled.
			extra := filepath.Join(t.TempDir(), "extra.jsonl")
			if err := os.WriteFile(extra, []byte(`{"partnerId":"p1","paymentId":"pay-9","paidAt":"2025-09-30T08:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":5000}}`+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			h.importFiles(t, extra)
			if _, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-9", By: "park", Reason: "테스트 주문"}); err != nil {
				t.Fatal(err)
			}
			// Adjustments made now, on the next business date.
			adjustOn(t, h, store.AdjustmentSpec{PartnerID: "p2", Reference: "OPS-9", SettlementDate: settlement.MustDate("2025-10-10"), Amount: 700,
				Memo: "배송비 환급", Reason: "배송비 누락", By: "lee"})
			adjustOn(t, h, store.AdjustmentSpec{PartnerID: "p2", Reference: "OPS-10", SettlementDate: settlement.MustDate("2025-10-10"), Amount: -200,
				TaxFree: -50, Memo: "과지급 회수", Reason: "중복 지급", By: "lee"})
			h.emu.Tamper(func(_ string, tr *transfer.Transfer) {
				if tr.ID == string(store.AdjustmentID("p2", "OPS-10")) {
					v := int64(-250)
					tr.SettlementAmount = &v
				}
			})
			for _, job := range []Job{JobSettle, JobPost, JobSync, JobReconcile} {
				if _, err := h.p.RunJob(ctx, job, d, RunOptions{Force: true}); err != nil {
					t.Fatalf("%s %s: %v", job, d, err)
				}
			}
			if _, err := h.nightlyAt(t, d.AddDays(1)); !errors.Is(err, ErrMismatches) {
				t.Fatalf("nightly of %s: %v, want the changed adjustment", d.AddDays(1), err)
			}
			replaced := intentOf(t, h, d, "pay-3", settlement.KindOrder)
			newID := replaced.PortOneTransferID
			if replaced.Status != store.IntentPosted || newID == "" || newID == oldID {
				t.Fatalf("the corrected order's intent: %+v (the deleted transfer was %s)", replaced, oldID)
			}

			var buf bytes.Buffer
			if err := h.p.ExportTo(ctx, &buf, d, d.AddDays(1), ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			f := openBook(t, buf.Bytes())
			sheet := reports.SheetName(reports.SheetCorrections, reports.LangKO)
			rows := table(t, f, sheet)
			if len(rows) != 4 {
				t.Fatalf("Corrections has %d rows, want 4: %v", len(rows), rows)
			}
			serial := func(d string) string {
				s := settlement.MustDate(d)
				return strconv.Itoa(int(s.Time(h.loc).Sub(settlement.MustDate("1899-12-30").Time(h.loc)).Hours()+12) / 24)
			}
			for _, c := range []struct {
				row    int
				header string
				want   string
			}{
				{0, "구분", "PortOne 이체 삭제 후 재등록"}, {0, "파트너 ID", "p2"}, {0, "이체 유형", "주문"}, {0, "결제·취소 ID 또는 참조", "pay-3"},
				{0, "업무일", serial("2025-09-29")}, {0, "정산일", serial(was.SettlementDate)}, {0, "사유", "주문 금액 오입력"}, {0, "처리자", "kim"},
				{0, "우리 상태", "전송 완료"}, {0, "PortOne 이체 ID", string(oldID)}, {0, "PortOne 상태", reportsStatusWord(was.Status)},
				{0, "PortOne 정산금액", strconv.FormatInt(oldAmount, 10)}, {0, "대체 이체 ID", string(newID)}, {0, "확인 사유", ""},
				{0, "조정 금액", ""},
				{1, "구분", "무효 처리 (전송 전)"}, {1, "파트너 ID", "p1"}, {1, "결제·취소 ID 또는 참조", "pay-9"}, {1, "업무일", serial("2025-09-30")},
				{1, "우리 상태", "정산 전"}, {1, "처리자", "park"}, {1, "사유", "테스트 주문"}, {1, "대체 이체 ID", ""}, {1, "확인 사유", ""},
				{1, "PortOne 이체 ID", ""}, {1, "정산일", ""},
				{2, "구분", "수동 조정 이체"}, {2, "파트너 ID", "p2"}, {2, "이체 유형", "수동 조정"}, {2, "결제·취소 ID 또는 참조", "OPS-9"},
				{2, "업무일", serial("2025-09-30")}, {2, "정산일", serial("2025-10-10")}, {2, "조정 금액", "700"}, {2, "조정 면세금액", "0"},
				{2, "메모", "배송비 환급"}, {2, "사유", "배송비 누락"}, {2, "처리자", "lee"}, {2, "우리 상태", "전송 완료"},
				{2, "PortOne 이체 ID", string(store.AdjustmentID("p2", "OPS-9"))}, {2, "PortOne 정산금액", "700"}, {2, "대사 완료", "예"}, {2, "확인 사유", ""},
				{3, "결제·취소 ID 또는 참조", "OPS-10"}, {3, "조정 금액", "-200"}, {3, "조정 면세금액", "-50"}, {3, "PortOne 정산금액", "-250"}, {3, "대사 완료", "아니오"},
				{3, "확인 사유", "PortOne과 다름: PortOne 불일치 시트 (settlementAmount)"},
			} {
				if got := rows[c.row][c.header]; got != c.want {
					t.Errorf("Corrections row %d %s = %q, want %q", c.row+3, c.header, got, c.want)
				}
			}
			// The adjustments of p2, beside p2's settlement on the Summary.
			var summary int64
			for _, r := range table(t, f, reports.SheetName(reports.SheetSummary, reports.LangKO)) {
				if r["파트너 ID"] == "p2" {
					n, _ := strconv.ParseInt(r["정산금액"], 10, 64)
					summary += n
				}
			}
			all, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			found := false
			for _, r := range all {
				if len(r) > 1 && r[0] == "조정 합계" && r[1] == "p2" {
					found = true
					by := map[string]string{}
					for i, v := range r {
						by[all[0][i]] = v
					}
					if by["조정 금액"] != "500" || by["조정 면세금액"] != "-50" || by["PortOne 정산금액"] != "450" || by["이체 유형"] != "2" ||
						by["확인 사유"] != strconv.FormatInt(summary, 10) || by["사유"] != strconv.FormatInt(summary+500, 10) {
						t.Errorf("p2's adjustments total %v; want 2 adjustments, 500 (tax-free -50, PortOne 450), Summary %d, with them %d", by, summary, summary+500)
					}
				}
			}
			if !found || summary == 0 {
				t.Errorf("no adjustments total of p2 (Summary %d)", summary)
			}
			// The changed adjustment on the Mismatches sheet, as a manual transfer.
			var mm []map[string]string
			for _, r := range table(t, f, reports.SheetName(reports.SheetMismatches, reports.LangKO)) {
				if r["결제 ID"] == "OPS-10" {
					mm = append(mm, r)
				}
			}
			if len(mm) != 1 || mm[0]["유형"] != "수동 조정" || mm[0]["항목"] != "settlementAmount" || mm[0]["우리 금액"] != "-200" ||
				mm[0]["PortOne 금액"] != "-250" || mm[0]["정산일"] != serial("2025-10-10") {
				t.Errorf("Mismatches, the changed adjustment: %v", mm)
			}
			run := reports.SheetName(reports.SheetRun, reports.LangKO)
			front, _ := f.GetRows(run)
			kv := map[string]string{}
			for _, r := range front {
				if len(r) >= 2 {
					kv[r[0]] = r[1]
				}
			}
			if kv["정정 수 (무효·삭제 후 재등록·수동 조정)"] != "4" || kv["확인이 필요한 정정 수"] != "1" || kv["확인이 필요한 정정 1건"] == "" {
				t.Errorf("front sheet: corrections %q, need attention %q, to do %q", kv["정정 수 (무효·삭제 후 재등록·수동 조정)"], kv["확인이 필요한 정정 수"], kv["확인이 필요한 정정 1건"])
			}
		})
	}
}

// reportsStatusWord is PortOne's status as the workbook shows it.
func reportsStatusWord(s string) string {
	switch settlement.TransferStatus(s) {
	case settlement.StatusScheduled:
		return "정산 예정"
	case settlement.StatusInProcess:
		return "정산 진행 중"
	case settlement.StatusSettled:
		return "정산 완료"
	}
	return s
}
