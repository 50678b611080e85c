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
		lang   Lang
		header []string
	}{
		{LangKO, []string{"유형", "파트너 ID", "파트너명", "결제 ID", "취소 ID", "이체 ID", "상품 ID", "상품명", "수량", "정산시작일", "정산일", "주문금액"}},
		{LangEN, []string{"Type", "Partner ID", "Partner name", "Payment ID", "Cancellation ID", "Transfer ID", "Product ID", "Product name", "Quantity", "Settlement start date", "Settlement date", "Order amount"}},
	} {
		t.Run(string(c.lang), func(t *testing.T) {
			src := fixture()
			var buf bytes.Buffer
			if err := WriteCSV(context.Background(), &buf, src, Options{Lang: c.lang}); err != nil {
				t.Fatalf("WriteCSV: %v", err)
			}
			data := buf.String()
			if !strings.HasPrefix(data, "\uFEFF") {
				t.Fatalf("WriteCSV: no UTF-8 BOM: %q", data[:min(10, len(data))])
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if len(recs) != 1+len(src.lines) {
				t.Fatalf("%d records, want header + %d lines", len(recs), len(src.lines))
			}
			if diff := cmp.Diff(c.header, recs[0][:len(c.header)]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if len(recs[0]) != len(orderLineColumns()) {
				t.Errorf("header has %d columns, want %d", len(recs[0]), len(orderLineColumns()))
			}
			want := []string{"ORDER", "007", "칠공칠 상점", "pay-0001", "", "tr-pay-0001", "0042", "무선 마우스", "2", "2025-10-01", "2025-10-10", "40000"}
			if diff := cmp.Diff(want, recs[1][:len(want)]); diff != "" {
				t.Errorf("first line (-want +got):\n%s", diff)
			}
			if got := recs[2][7]; got != "키보드 =SUM(1)" {
				t.Errorf("product name = %q", got)
			}
			last := recs[len(recs)-1]
			if last[0] != "ORDER_CANCEL" || last[4] != "cxl-01" {
				t.Errorf("cancel line = %q", last)
			}
		})
	}
}

func TestWriteCSVFormulaGuardAndErrors(t *testing.T) {
	src := fixture()
	src.lines[0].ProductName = "=HYPERLINK(\"x\")"
	var buf bytes.Buffer
	if err := WriteCSV(context.Background(), &buf, src, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `'=HYPERLINK(""x"")`) {
		t.Errorf("formula-like text not guarded:\n%s", buf.String())
	}
	src.failOn = "OrderLines"
	if err := WriteCSV(context.Background(), &bytes.Buffer{}, src, Options{}); !errors.Is(err, errFixture) {
		t.Errorf("err = %v, want errFixture", err)
	}
}
