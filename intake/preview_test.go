package intake

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

var update = flag.Bool("update", false, "rewrite golden files: here testdata/preview/*.golden from the current output")

// block is the part of an amount block portone-platform.md §8.1 tabulates.
type block struct {
	Order, Payment, PlatformFee, PlatformFeeVat, AdditionalFee, AdditionalFeeVat, Discount, DiscountShare, Settlement int64
}

func blockOf(a map[string]any) block {
	n := func(k string) int64 { return int64(a[k].(float64)) }
	return block{n("order"), n("payment"), n("platformFee"), n("platformFeeVat"), n("additionalFee"), n("additionalFeeVat"), n("discount"), n("discountShare"), n("settlement")}
}

// TestPreviewGolden runs every worked example of portone-platform.md §8
// (G1–G9 amounts, D1–D7 dates) through Preview, the code path of
// `settle preview`, and checks the documented numbers to the won; the whole
// output is also pinned by a golden file.
func TestPreviewGolden(t *testing.T) {
	type want struct {
		transfer       *block
		lines          []block
		cancel         *block
		start, date    string
		cancelDate     string
		discountShares []int64
		fees           [][2]int64
	}
	cases := map[string]want{
		"g1":           {transfer: &block{10000, 10000, 1000, 100, 0, 0, 0, 0, 8900}, start: "2023-08-11", date: "2023-08-31"},
		"g2":           {transfer: &block{10000, 10000, 1000, 100, 0, 0, 0, 0, 8900}, cancel: &block{5000, 5000, 500, 50, 0, 0, 0, 0, 4450}, date: "2023-08-31", cancelDate: "2023-08-31"},
		"g3":           {transfer: &block{14000, 14000, 1400, 140, 0, 0, 0, 0, 12460}, lines: []block{{10000, 10000, 1000, 100, 0, 0, 0, 0, 8900}, {4000, 4000, 400, 40, 0, 0, 0, 0, 3560}}},
		"g4":           {cancel: &block{4000, 4000, 400, 40, 0, 0, 0, 0, 3560}},
		"g5":           {transfer: &block{10000, 8000, 1000, 100, 0, 0, 2000, 1000, 7900}, discountShares: []int64{1000}},
		"g6":           {transfer: &block{10000, 10000, 1000, 100, 500, 50, 0, 0, 8350}, fees: [][2]int64{{500, 50}}},
		"g7":           {transfer: &block{10000, 10000, 1000, 100, 500, 50, 0, 0, 8350}, start: "2023-08-11"},
		"g8":           {transfer: &block{10000, 10000, 1000, 100, 0, 0, 0, 0, 8900}, start: "2023-09-01", date: "2023-09-27"},
		"g9":           {transfer: &block{25000, 20000, 2500, 0, 2500, 250, 5000, 2500, 17250}, lines: []block{{25000, 22500, 2500, 0, 1250, 125, 2500, 1250, 19875}}, date: "2023-08-18"},
		"d1":           {start: "2023-08-11", date: "2023-08-31"},
		"d2":           {cancelDate: "2023-08-31"},
		"d3":           {date: "2023-09-27"},
		"d4":           {date: "2023-08-18"},
		"d5":           {date: "2023-08-14"}, // the 15th is 광복절
		"d5-saturday":  {date: "2023-07-14"},
		"d5b":          {date: "2023-11-30"},
		"d5b-saturday": {date: "2022-12-30"},
		"d6":           {date: "2025-07-10"},
		"d6-next":      {date: "2025-08-10"},
		"d7":           {date: "2025-06-05"},
		"d7-monday":    {date: "2025-06-12"},
	}
	loc := seoul
	for name, w := range cases {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("..", "testdata", "preview", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Preview(in, loc)
			if err != nil {
				t.Fatalf("Preview(%s): %v", name, err)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(got, &m); err != nil {
				t.Fatal(err)
			}
			tr := m["transfer"].(map[string]any)
			if w.transfer != nil {
				if d := cmp.Diff(*w.transfer, blockOf(tr["amount"].(map[string]any))); d != "" {
					t.Errorf("transfer amount (-doc +got):\n%s", d)
				}
			}
			for i, lb := range w.lines {
				line := tr["orderLines"].([]any)[i].(map[string]any)
				if d := cmp.Diff(lb, blockOf(line["amount"].(map[string]any))); d != "" {
					t.Errorf("line %d amount (-doc +got):\n%s", i, d)
				}
			}
			for i, s := range w.discountShares {
				if got := int64(tr["discounts"].([]any)[i].(map[string]any)["shareAmount"].(float64)); got != s {
					t.Errorf("discounts[%d].shareAmount = %d, doc says %d", i, got, s)
				}
			}
			for i, f := range w.fees {
				fee := tr["additionalFees"].([]any)[i].(map[string]any)
				if got := [2]int64{int64(fee["amount"].(float64)), int64(fee["vat"].(float64))}; got != f {
					t.Errorf("additionalFees[%d] = %v, doc says %v", i, got, f)
				}
			}
			if w.start != "" && tr["settlementStartDate"] != w.start {
				t.Errorf("settlementStartDate = %v, doc says %s", tr["settlementStartDate"], w.start)
			}
			if w.date != "" && tr["settlementDate"] != w.date {
				t.Errorf("settlementDate = %v, doc says %s", tr["settlementDate"], w.date)
			}
			if w.cancel != nil || w.cancelDate != "" {
				ct := m["cancelTransfers"].([]any)[0].(map[string]any)
				if w.cancel != nil {
					if d := cmp.Diff(*w.cancel, blockOf(ct["amount"].(map[string]any))); d != "" {
						t.Errorf("cancel amount (-doc +got):\n%s", d)
					}
				}
				if w.cancelDate != "" && ct["settlementDate"] != w.cancelDate {
					t.Errorf("cancel settlementDate = %v, doc says %s", ct["settlementDate"], w.cancelDate)
				}
			}
			golden := filepath.Join("..", "testdata", "preview", name+".golden")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./intake -run TestPreviewGolden -update)", err)
			}
			if d := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); d != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", golden, d)
			}
		})
	}
}

func TestPreviewErrors(t *testing.T) {
	loc := seoul
	base, err := os.ReadFile(filepath.Join("..", "testdata", "preview", "g4.json"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(base, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	order := func(m map[string]any) map[string]any { return m["order"].(map[string]any) }
	cancel := func(m map[string]any) map[string]any { return m["cancels"].([]any)[0].(map[string]any) }
	cases := []struct {
		name  string
		in    []byte
		typ   settlement.ErrorType
		field string
	}{
		{"not JSON", []byte("{"), settlement.ErrInvalidRequest, ""},
		{"quantity exceeded", edit(func(m map[string]any) {
			cancel(m)["orderDetail"].(map[string]any)["orderLines"].([]any)[0].(map[string]any)["quantity"] = 6
		}), settlement.ErrCancellableProductQuantityExceeded, "cancels[0].orderDetail.orderLines[0].quantity"},
		{"both amount and lines", edit(func(m map[string]any) {
			order(m)["orderDetail"].(map[string]any)["orderAmount"] = 1000
		}), settlement.ErrInvalidRequest, "order.orderDetail"},
		{"duplicated product", edit(func(m map[string]any) {
			lines := order(m)["orderDetail"].(map[string]any)["orderLines"].([]any)
			lines[1].(map[string]any)["product"].(map[string]any)["id"] = "product_A"
		}), settlement.ErrProductIDDuplicated, "order.orderDetail.orderLines[1].product.id"},
		{"unknown discount policy", edit(func(m map[string]any) {
			order(m)["discounts"] = []any{map[string]any{"sharePolicyId": "nope", "amount": 100}}
		}), settlement.ErrDiscountSharePoliciesNotFound, "order.discounts"},
		{"unknown fee policy", edit(func(m map[string]any) {
			order(m)["additionalFees"] = []any{map[string]any{"policyId": "nope"}}
		}), settlement.ErrAdditionalFeePoliciesNotFound, "order.additionalFees"},
		{"settlement date before start", edit(func(m map[string]any) {
			order(m)["settlementStartDate"] = "2023-08-11"
			order(m)["settlementDate"] = "2023-08-10"
		}), settlement.ErrSettlementDateEarlierThanSettlementStartDate, "order.settlementDate"},
		{"negative quantity", edit(func(m map[string]any) {
			order(m)["orderDetail"].(map[string]any)["orderLines"].([]any)[0].(map[string]any)["quantity"] = -2
		}), settlement.ErrInvalidRequest, "order.orderDetail.orderLines[0].quantity"},
		{"cancel by amount of a lines order", edit(func(m map[string]any) {
			cancel(m)["orderDetail"] = map[string]any{"orderAmount": 1000}
		}), settlement.ErrOrderDetailMismatched, "cancels[0].orderDetail.orderAmount"},
		{"unknown product in cancel", edit(func(m map[string]any) {
			cancel(m)["orderDetail"].(map[string]any)["orderLines"].([]any)[0].(map[string]any)["productId"] = "product_Z"
		}), settlement.ErrProductIDNotFound, "cancels[0].orderDetail.orderLines[0].productId"},
		{"bad rate", edit(func(m map[string]any) {
			m["contract"].(map[string]any)["platformFee"] = map[string]any{"fixedRate": 100001}
		}), settlement.ErrInvalidRequest, "contract.platformFee.fixedRate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Preview(c.in, loc)
			if !errors.Is(err, c.typ) {
				t.Fatalf("Preview: err = %v, want type %s", err, c.typ)
			}
			se, _ := settlement.AsError(err)
			if se.Field != c.field {
				t.Errorf("field = %q, want %q (err %v)", se.Field, c.field, err)
			}
		})
	}
}
