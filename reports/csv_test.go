package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteCSV(t *testing.T) {
	for _, c := range []struct {
		lang     Lang
		preamble string
		header   []string
	}{
		{LangKO, "# settle 정산 상세: 업무일 2025-10-01–2025-10-02의 모든 주문·취소 이체.",
			[]string{"파트너 ID", "파트너명", "정산일", "유형", "결제 ID", "취소 ID", "행 구분", "상품 ID", "상품명", "수량", "주문명", "결제·취소 일시", "정산시작일", "상태", "주문금액"}},
		{LangEN, "# settle settlement detail: every ORDER and ORDER_CANCEL transfer of business dates 2025-10-01 to 2025-10-02.",
			[]string{"Partner ID", "Partner name", "Settlement date", "Type", "Payment ID", "Cancellation ID", "Row", "Product ID", "Product name", "Quantity", "Order name", "Paid or cancelled at", "Settlement start date", "Status", "Order amount"}},
	} {
		t.Run(string(c.lang), func(t *testing.T) {
			src := fixture()
			var buf bytes.Buffer
			if err := WriteCSV(context.Background(), &buf, src, Options{Lang: c.lang, Loc: seoul(t)}); err != nil {
				t.Fatalf("WriteCSV: %v", err)
			}
			data := buf.String()
			if !strings.HasPrefix(data, "\uFEFF") {
				t.Fatalf("WriteCSV: no UTF-8 BOM: %q", data[:min(10, len(data))])
			}
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\uFEFF")))
			r.FieldsPerRecord = -1
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if len(recs[0]) != 1 || !strings.HasPrefix(recs[0][0], c.preamble) {
				t.Errorf("first line = %q, want it to say what the file holds: %q…", recs[0], c.preamble)
			}
			if diff := cmp.Diff(c.header, recs[1][:len(c.header)]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if len(recs[1]) != len(lineColumns(&view{})) {
				t.Errorf("header has %d columns, want %d", len(recs[1]), len(lineColumns(&view{})))
			}
			// Every order is in the file: three lines, pay-0001's order-level
			// fee, pay-0003 registered by amount and the cancellation's line.
			if got := len(recs) - 2; got != 6 {
				t.Fatalf("%d rows, want 6", got)
			}
			want := []string{"007", "칠공칠 상점", "2025-10-10", kindWord(c.lang, "ORDER"), "pay-0001", "", "", "0042", "무선 마우스", "2",
				"무선 마우스 외 1건", "2025-10-01 09:30:00", "2025-10-01"}
			want[6] = label(c.lang, "상품 라인", "order line")
			if diff := cmp.Diff(want, recs[2][:len(want)]); diff != "" {
				t.Errorf("first line (-want +got):\n%s", diff)
			}
			if got := recs[3][8]; got != "키보드 =SUM(1)" {
				t.Errorf("product name = %q", got)
			}
			payments := map[string]bool{}
			for _, rec := range recs[2:] {
				payments[rec[4]+" "+rec[6]] = true
			}
			for _, k := range []string{"pay-0003 " + label(c.lang, "주문금액 주문 (라인 없음)", "order by amount (no lines)"),
				"pay-0001 " + label(c.lang, "주문 단위 할인·수수료", "order-level discounts and fees")} {
				if !payments[k] {
					t.Errorf("no row %q in %v", k, payments)
				}
			}
		})
	}
}

func TestWriteCSVFormulaGuardAndErrors(t *testing.T) {
	src := fixture()
	src.transfers[0].Lines[0].ProductName = "=HYPERLINK(\"x\")"
	var buf bytes.Buffer
	if err := WriteCSV(context.Background(), &buf, src, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `'=HYPERLINK(""x"")`) {
		t.Errorf("formula-like text not guarded:\n%s", buf.String())
	}
	src.failOn = "Transfers"
	if err := WriteCSV(context.Background(), &bytes.Buffer{}, src, Options{}); !errors.Is(err, errFixture) {
		t.Errorf("err = %v, want errFixture", err)
	}
}
