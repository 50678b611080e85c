package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/intake"
)

// One way in (issue #10.4): the same table of good and bad records runs
// through every entry — the HTTP API, a JSON Lines import, a CSV import and
// `settle preview` — and each gives the same verdict naming the same field.
// Where an entry differs by design the case says so, and why.

// entryClock is "now" for every entry: 2025-10-10 in Seoul, with the
// default horizon of 90 days.
var entryClock = time.Date(2025, 10, 10, 12, 0, 0, 0, seoul)

// verdict is what an entry answers: "" (accepted), or "TYPE field".
type verdict string

func accepted() verdict { return "" }
func refused(typ, field string) verdict {
	return verdict(typ + " " + field)
}

const invalidReq = "INVALID_REQUEST"

// csvHeader is the header of every CSV case.
const entryCSVHeader = "type,partnerId,paymentId,cancellationId,paidAt,cancelledAt,contractId,productId,productName,unitAmount,quantity,orderAmount,cancelAll,orderDiscountPolicyId,orderDiscountAmount,settlementStartDate,settlementDate,memo,marketplaceOrderNo\n"

// csvRow writes one CSV row of the header above from column=value pairs.
func csvRow(kv ...string) string {
	cols := strings.Split(strings.TrimSuffix(entryCSVHeader, "\n"), ",")
	vals := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		vals[kv[i]] = kv[i+1]
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = vals[c]
	}
	return strings.Join(out, ",") + "\n"
}

type entryCase struct {
	name string
	// json is the record as the HTTP API, JSON Lines and preview get it;
	// csv its rows (without the header), "" where CSV cannot say it.
	json, csv string
	cancel    bool // a cancellation of the order "pay-base" (stored first)
	want      verdict
	// Verdicts that differ by design, with the reason.
	csvWant, previewWant *verdict
	why                  string
}

func v(x verdict) *verdict { return &x }

// noHorizon: preview computes PortOne's documented examples, of any year.
const noHorizon = "preview applies no horizon (SETTLE_HORIZON)"

const (
	paid  = `"paidAt":"2025-10-01T10:00:00+09:00"`
	lines = `"orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"티셔츠","amount":20000},"quantity":2}]}`
)

func orderJSON(payment string, fields ...string) string {
	return `{"partnerId":"partner-t","paymentId":"` + payment + `",` + strings.Join(fields, ",") + `}`
}

func orderRow(payment string, kv ...string) string {
	base := []string{"partnerId", "partner-t", "paymentId", payment, "paidAt", "2025-10-01T10:00:00+09:00",
		"productId", "sku-1", "productName", "티셔츠", "unitAmount", "20000", "quantity", "2"}
	return csvRow(append(base, kv...)...)
}

var entryCases = []entryCase{
	{name: "good order by lines", json: orderJSON("pay-1", paid, lines), csv: orderRow("pay-1"), want: accepted()},
	{name: "good order by amount, unknown field kept",
		json: orderJSON("pay-2", paid, `"orderDetail":{"orderAmount":30000}`, `"marketplaceOrderNo":"M-1"`),
		csv:  csvRow("partnerId", "partner-t", "paymentId", "pay-2", "paidAt", "2025-10-01T10:00:00+09:00", "orderAmount", "30000", "marketplaceOrderNo", "M-1"),
		want: accepted()},
	{name: "no paidAt", json: orderJSON("pay-3", lines), csv: orderRow("pay-3", "paidAt", ""),
		want:        refused(invalidReq, "paidAt"),
		previewWant: v(accepted()), why: "preview takes PortOne's body, which has no paidAt: it starts from today and says so"},
	{name: "empty product name", json: orderJSON("pay-4", paid, `"orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"","amount":20000},"quantity":2}]}`),
		csv: orderRow("pay-4", "productName", ""), want: refused(invalidReq, "orderDetail.orderLines[0].product.name")},
	{name: "orderAmount 5×10^14", json: orderJSON("pay-5", paid, `"orderDetail":{"orderAmount":500000000000000}`),
		csv:  csvRow("partnerId", "partner-t", "paymentId", "pay-5", "paidAt", "2025-10-01T10:00:00+09:00", "orderAmount", "500000000000000"),
		want: refused(invalidReq, "orderDetail.orderAmount")},
	{name: "quantity -2", json: orderJSON("pay-6", paid, `"orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"n","amount":1},"quantity":-2}]}`),
		csv: orderRow("pay-6", "quantity", "-2"), want: refused(invalidReq, "orderDetail.orderLines[0].quantity")},
	{name: "duplicate key", json: orderJSON("pay-7", paid, `"orderDetail":{"orderAmount":1000,"orderAmount":5000}`),
		want: refused(invalidReq, "orderDetail.orderAmount"), why: "CSV has no duplicate keys"},
	{name: "NUL in partnerId", json: `{"partnerId":"partner\u0000t","paymentId":"pay-8",` + paid + `,` + lines + `}`,
		csv: strings.Replace(orderRow("pay-8"), "partner-t", "partner\x00t", 1), want: refused(invalidReq, "partnerId")},
	{name: "control character in paymentId", json: orderJSON("pay\\u0007-9", paid, lines),
		csv: orderRow("pay\a-9"), want: refused(invalidReq, "paymentId")},
	{name: "paymentId only white space", json: orderJSON("   ", paid, lines), csv: orderRow("   "),
		want: refused(invalidReq, "paymentId")},
	{name: "paymentId with trailing space", json: orderJSON("pay-10 ", paid, lines), csv: orderRow("pay-10 "),
		want:    refused(invalidReq, "paymentId"),
		csvWant: v(accepted()), why: "CSV cells are trimmed (Excel pads them); the id stored is pay-10"},
	{name: "id too long", json: orderJSON(strings.Repeat("x", 257), paid, lines), csv: orderRow(strings.Repeat("x", 257)),
		want: refused(invalidReq, "paymentId")},
	{name: "isForTest in live mode", json: orderJSON("pay-11", paid, lines, `"isForTest":true`),
		want:        refused(invalidReq, "isForTest"),
		previewWant: v(accepted()), why: "CSV has no isForTest column; preview talks to no PortOne environment"},
	{name: "paid 45 days ago: inside the horizon", json: orderJSON("pay-12", `"paidAt":"2025-08-26T10:00:00+09:00"`, lines),
		csv: orderRow("pay-12", "paidAt", "2025-08-26T10:00:00+09:00"), want: accepted()},
	{name: "paid 120 days ago", json: orderJSON("pay-12b", `"paidAt":"2025-06-12T10:00:00+09:00"`, lines),
		csv: orderRow("pay-12b", "paidAt", "2025-06-12T10:00:00+09:00"), want: refused(invalidReq, "paidAt"),
		previewWant: v(accepted()), why: noHorizon},
	{name: "paid 0000-01-01", json: orderJSON("pay-13", `"paidAt":"0000-01-01T00:00:00Z"`, lines),
		csv: orderRow("pay-13", "paidAt", "0000-01-01T00:00:00Z"), want: refused(invalidReq, "paidAt"),
		previewWant: v(accepted()), why: noHorizon},
	{name: "paid 9999-12-31", json: orderJSON("pay-14", `"paidAt":"9999-12-31T00:00:00+09:00"`, lines),
		csv: orderRow("pay-14", "paidAt", "9999-12-31T00:00:00+09:00"), want: refused(invalidReq, "paidAt"),
		previewWant: v(accepted()), why: noHorizon},
	{name: "paid the day after tomorrow", json: orderJSON("pay-14b", `"paidAt":"2025-10-12T10:00:00+09:00"`, lines),
		csv: orderRow("pay-14b", "paidAt", "2025-10-12T10:00:00+09:00"), want: refused(invalidReq, "paidAt"),
		previewWant: v(accepted()), why: noHorizon},
	{name: "settlementStartDate 9999-12-31", json: orderJSON("pay-15", paid, lines, `"settlementStartDate":"9999-12-31"`),
		csv: orderRow("pay-15", "settlementStartDate", "9999-12-31"), want: refused(invalidReq, "settlementStartDate"),
		previewWant: v(accepted()), why: noHorizon},
	{name: "unknown field inside an order line", json: orderJSON("pay-16", paid, `"orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"n","amount":1,"taxFreeAmout":1},"quantity":1}]}`),
		want: refused(invalidReq, "orderDetail.orderLines[0].product.taxFreeAmout"), why: "CSV has no nested objects"},
	{name: "known field in another case", json: orderJSON("pay-17", paid, lines, `"TaxFreeAmount":100`),
		want: refused(invalidReq, "TaxFreeAmount"), why: "CSV matches its header case-insensitively"},
	{name: "unknown fields over the cap", json: orderJSON("pay-18", paid, lines, `"marketplaceOrderNo":"`+strings.Repeat("x", intake.MaxUnknownBytes)+`"`),
		csv: orderRow("pay-18", "marketplaceOrderNo", strings.Repeat("x", intake.MaxUnknownBytes)), want: refused(invalidReq, "marketplaceOrderNo")},
	{name: "discounts over the order", json: orderJSON("pay-19", paid, `"orderDetail":{"orderAmount":1000}`, `"discounts":[{"sharePolicyId":"dsp-1","amount":2000}]`),
		csv:  csvRow("partnerId", "partner-t", "paymentId", "pay-19", "paidAt", "2025-10-01T10:00:00+09:00", "orderAmount", "1000", "orderDiscountPolicyId", "dsp-1", "orderDiscountAmount", "2000"),
		want: refused("PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED", "discounts")},
	{name: "settlementDate before start", json: orderJSON("pay-20", paid, lines, `"settlementStartDate":"2025-10-05","settlementDate":"2025-10-03"`),
		csv: orderRow("pay-20", "settlementStartDate", "2025-10-05", "settlementDate", "2025-10-03"), want: refused("PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE", "settlementDate")},
	{name: "duplicated product", json: orderJSON("pay-21", paid, `"orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"a","amount":1},"quantity":1},{"product":{"id":"sku-1","name":"b","amount":2},"quantity":1}]}`),
		csv:  orderRow("pay-21") + orderRow("pay-21", "paidAt", "", "productName", "b"),
		want: refused("PLATFORM_PRODUCT_ID_DUPLICATED", "orderDetail.orderLines[1].product.id")},
	{name: "NUL in memo", json: orderJSON("pay-22", paid, lines, `"memo":"a\u0000b"`), csv: orderRow("pay-22", "memo", "a\x00b"),
		want: refused(invalidReq, "memo")},
	{name: "quantity as a string", json: orderJSON("pay-23", paid, `"orderDetail":{"orderLines":[{"product":{"id":"sku-1","name":"n","amount":1},"quantity":"2"}]}`),
		csv: orderRow("pay-23", "quantity", "two"), want: refused(invalidReq, "orderDetail.orderLines[0].quantity")},
	{name: "good cancel", cancel: true, json: `{"partnerId":"partner-t","paymentId":"pay-base","cancellationId":"c-1","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"orderLines":[{"productId":"sku-1","quantity":1}]}}`,
		csv:  csvRow("type", "ORDER_CANCEL", "partnerId", "partner-t", "paymentId", "pay-base", "cancellationId", "c-1", "cancelledAt", "2025-10-02T10:00:00+09:00", "productId", "sku-1", "quantity", "1"),
		want: accepted()},
	{name: "cancel with NUL in cancellationId", cancel: true, json: `{"partnerId":"partner-t","paymentId":"pay-base","cancellationId":"c\u0000","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"all":{}}}`,
		csv:  csvRow("type", "ORDER_CANCEL", "partnerId", "partner-t", "paymentId", "pay-base", "cancellationId", "c\x00", "cancelledAt", "2025-10-02T10:00:00+09:00", "cancelAll", "true"),
		want: refused(invalidReq, "cancellationId")},
	{name: "cancel of more than was ordered", cancel: true, json: `{"partnerId":"partner-t","paymentId":"pay-base","cancellationId":"c-2","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"orderLines":[{"productId":"sku-1","quantity":3}]}}`,
		csv:  csvRow("type", "ORDER_CANCEL", "partnerId", "partner-t", "paymentId", "pay-base", "cancellationId", "c-2", "cancelledAt", "2025-10-02T10:00:00+09:00", "productId", "sku-1", "quantity", "3"),
		want: refused("PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED", "orderDetail.orderLines[0].quantity")},
	{name: "cancel 120 days ago", cancel: true, json: `{"partnerId":"partner-t","paymentId":"pay-base","cancellationId":"c-3","cancelledAt":"2025-06-12T10:00:00+09:00","orderDetail":{"all":{}}}`,
		csv:         csvRow("type", "ORDER_CANCEL", "partnerId", "partner-t", "paymentId", "pay-base", "cancellationId", "c-3", "cancelledAt", "2025-06-12T10:00:00+09:00", "cancelAll", "true"),
		want:        refused(invalidReq, "cancelledAt"),
		previewWant: v(accepted()), why: noHorizon},
}

// baseOrder is the order the cancel cases cancel.
var baseOrder = orderJSON("pay-base", paid, lines)

// csvColumn is the CSV column a JSON field is reported as.
var csvColumn = map[string]string{
	"orderDetail.orderLines[0].product.name": "productName", "orderDetail.orderAmount": "orderAmount",
	"orderDetail.orderLines[0].quantity": "quantity", "discounts": "orderDiscountAmount",
	"orderDetail.orderLines[1].product.id": "productId",
}

func csvVerdict(w verdict) verdict {
	typ, field, ok := strings.Cut(string(w), " ")
	if !ok {
		return w
	}
	if c, ok := csvColumn[field]; ok {
		field = c
	}
	return refused(typ, field)
}

func TestOneWayIn(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return entryClock }
	opts := intake.Options{Location: seoul, HorizonDays: intake.DefaultHorizonDays, Now: now}
	api := newTestAPI(t, func(c *Config) {
		c.Now, c.HorizonDays, c.WebhookSecret = now, intake.DefaultHorizonDays, ""
	})
	if a := api.post(t, "/v1/orders", baseOrder); a.status != http.StatusCreated {
		t.Fatalf("POST the base order: %d %s", a.status, a.body)
	}
	jsonlStore, csvStore := openStore(t), openStore(t)
	if rep, err := intake.Import(ctx, jsonlStore, []intake.Input{{Name: "base.jsonl", R: strings.NewReader(baseOrder + "\n")}}, opts); err != nil || rep.Created != 1 {
		t.Fatalf("import the base order: %+v %v", rep, err)
	}
	if rep, err := intake.Import(ctx, csvStore, []intake.Input{{Name: "base.csv", R: strings.NewReader(entryCSVHeader + orderRow("pay-base"))}}, opts); err != nil || rep.Created != 1 {
		t.Fatalf("import the base order: %+v %v", rep, err)
	}

	for _, c := range entryCases {
		t.Run(c.name, func(t *testing.T) {
			// HTTP API
			path := "/v1/orders"
			if c.cancel {
				path = "/v1/cancellations"
			}
			a := api.post(t, path, c.json)
			got := accepted()
			if a.status >= 300 {
				e := a.err(t)
				got = refused(e.Type, e.Field)
			}
			if got != c.want {
				t.Errorf("HTTP %s: %s (%d %s), want %q", path, got, a.status, clipBody(a.body), c.want)
			}

			// JSON Lines import
			rep, err := intake.Import(ctx, jsonlStore, []intake.Input{{Name: "t.jsonl", R: strings.NewReader(c.json + "\n")}}, opts)
			if err != nil {
				t.Fatalf("import JSON Lines: %v", err)
			}
			if got := importVerdict(rep); got != c.want {
				t.Errorf("JSON Lines: %s, want %q (%v)", got, c.want, rep.Problems)
			}

			// CSV import
			if c.csv != "" {
				want := csvVerdict(c.want)
				if c.csvWant != nil {
					want = *c.csvWant
				}
				rep, err := intake.Import(ctx, csvStore, []intake.Input{{Name: "t.csv", R: strings.NewReader(entryCSVHeader + c.csv)}}, opts)
				if err != nil {
					t.Fatalf("import CSV: %v", err)
				}
				if got := importVerdict(rep); got != want {
					t.Errorf("CSV: %s, want %q (%v)", got, want, rep.Problems)
				}
			}

			// settle preview: the record as the order (or the base order's cancel).
			want := c.want
			if c.previewWant != nil {
				want = *c.previewWant
			}
			in := previewInput(c)
			_, err = intake.Rules{Location: seoul, Now: now}.Preview([]byte(in))
			got = accepted()
			if err != nil {
				var pe *intake.PreviewError
				if !errors.As(err, &pe) {
					t.Fatalf("preview: %v is not a *PreviewError", err)
				}
				field := strings.TrimPrefix(strings.TrimPrefix(pe.Err.Field, "order."), "cancels[0].")
				got = refused(string(pe.Err.Type), field)
			}
			if got != want {
				t.Errorf("preview: %s, want %q (%v)", got, want, err)
			}
		})
	}
}

func importVerdict(rep intake.Report) verdict {
	if rep.Created+rep.Duplicate == 1 {
		return accepted()
	}
	if len(rep.Problems) == 0 {
		return verdict(fmt.Sprintf("no problem in %+v", rep.Counts))
	}
	p := rep.Problems[0]
	return refused(string(p.Err.Type), p.Field())
}

const previewTerms = `"contract":{"id":"c","name":"10%","platformFee":{"fixedRate":10000},"settlementCycle":{"lagDays":1,"datePolicy":"CALENDAR_DAY","method":{"daily":{}}},"platformFeeVatPayer":"PARTNER","subtractPaymentVatAmount":false},
"discountSharePolicies":[{"id":"dsp-1","name":"d","partnerShareRate":50000}],"additionalFeePolicies":[]`

func previewInput(c entryCase) string {
	if c.cancel {
		return `{` + previewTerms + `,"order":` + baseOrder + `,"cancels":[` + c.json + `]}`
	}
	return `{` + previewTerms + `,"order":` + c.json + `}`
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// TestOneWayInStoredForm: a record accepted by the HTTP API and by a JSON
// Lines import is stored in the same form, unknown field kept, without
// isForTest, with settlementStartDate explicit.
func TestOneWayInStoredForm(t *testing.T) {
	ctx := context.Background()
	rec := orderJSON("pay-s", paid, lines, `"isForTest":false`, `"marketplaceOrderNo":"M-9"`)
	api := newTestAPI(t, nil)
	if a := api.post(t, "/v1/orders", rec); a.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	st := openStore(t)
	if _, err := intake.Import(ctx, st, []intake.Input{{Name: "s.jsonl", R: strings.NewReader(rec + "\n")}}, intake.Options{Location: seoul}); err != nil {
		t.Fatal(err)
	}
	a, err := api.st.Order(ctx, "partner-t", "pay-s")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Order(ctx, "partner-t", "pay-s")
	if err != nil {
		t.Fatal(err)
	}
	if a.RequestHash != b.RequestHash {
		t.Errorf("HTTP and JSON Lines stored different records:\n%s\n%s", a.Request, b.Request)
	}
	var m map[string]any
	if err := json.Unmarshal(a.Request, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["isForTest"]; ok {
		t.Errorf("stored request keeps isForTest (settle would post it): %s", a.Request)
	}
	if m["marketplaceOrderNo"] != "M-9" || m["settlementStartDate"] != "2025-10-01" {
		t.Errorf("stored request %s: want marketplaceOrderNo M-9 and settlementStartDate 2025-10-01", a.Request)
	}
}
