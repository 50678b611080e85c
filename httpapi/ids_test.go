package httpapi

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestIDsOnBothDatabases (issue #10.6): an id with NUL or another control
// character, only white space, or too long, is refused with 400 naming the
// field, on SQLite and on PostgreSQL alike (PostgreSQL answered 500 where
// SQLite stored the record); so is a signed webhook naming such an id. The
// refused record is kept in rejected records on both.
func TestIDsOnBothDatabases(t *testing.T) {
	ctx := context.Background()
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			st, err := store.Open(ctx, db.DSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			a := newTestAPIOn(t, st, nil)
			const paid = `"paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderAmount":1000}`
			for _, tc := range []struct {
				name, path, body, field string
			}{
				{"NUL in partnerId", "/v1/orders", `{"partnerId":"p\u0000","paymentId":"pay-1",` + paid + `}`, "partnerId"},
				{"NUL alone", "/v1/orders", `{"partnerId":"\u0000","paymentId":"pay-1",` + paid + `}`, "partnerId"},
				{"tab in paymentId", "/v1/orders", `{"partnerId":"p","paymentId":"pay\t1",` + paid + `}`, "paymentId"},
				{"DEL in paymentId", "/v1/orders", `{"partnerId":"p","paymentId":"pay\u007f1",` + paid + `}`, "paymentId"},
				{"C1 control in paymentId", "/v1/orders", `{"partnerId":"p","paymentId":"pay\u00851",` + paid + `}`, "paymentId"},
				{"white space only", "/v1/orders", `{"partnerId":"p","paymentId":" \u3000 ",` + paid + `}`, "paymentId"},
				{"leading space", "/v1/orders", `{"partnerId":" p","paymentId":"pay-1",` + paid + `}`, "partnerId"},
				{"too long", "/v1/orders", `{"partnerId":"p","paymentId":"` + strings.Repeat("가", 86) + `",` + paid + `}`, "paymentId"},
				{"NUL in contractId", "/v1/orders", `{"partnerId":"p","paymentId":"pay-1","contractId":"c\u0000",` + paid + `}`, "contractId"},
				{"NUL in a product id", "/v1/orders", `{"partnerId":"p","paymentId":"pay-1","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderLines":[{"product":{"id":"a\u0000","name":"n","amount":1},"quantity":1}]}}`, "orderDetail.orderLines[0].product.id"},
				{"NUL in a discount policy id", "/v1/orders", `{"partnerId":"p","paymentId":"pay-1",` + paid + `,"discounts":[{"sharePolicyId":"\u0000","amount":1}]}`, "discounts[0].sharePolicyId"},
				{"NUL in a fee policy id", "/v1/orders", `{"partnerId":"p","paymentId":"pay-1",` + paid + `,"additionalFees":[{"policyId":"f\u0000"}]}`, "additionalFees[0].policyId"},
				{"NUL in a product name", "/v1/orders", `{"partnerId":"p","paymentId":"pay-1","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderLines":[{"product":{"id":"a","name":"n\u0000","amount":1},"quantity":1}]}}`, "orderDetail.orderLines[0].product.name"},
				{"NUL in cancellationId", "/v1/cancellations", `{"partnerId":"p","paymentId":"pay-1","cancellationId":"c\u0000","cancelledAt":"2025-10-01T10:00:00+09:00","orderDetail":{"all":{}}}`, "cancellationId"},
				{"NUL in transferId", "/v1/cancellations", `{"partnerId":"p","paymentId":"pay-1","transferId":"t\u0000","cancellationId":"c","cancelledAt":"2025-10-01T10:00:00+09:00","orderDetail":{"all":{}}}`, "transferId"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ans := a.post(t, tc.path, tc.body)
					if ans.status != http.StatusBadRequest {
						t.Fatalf("POST %s: %d %s, want 400", tc.path, ans.status, ans.body)
					}
					if e := ans.err(t); e.Field != tc.field {
						t.Errorf("POST %s: field %q (%s), want %q", tc.path, e.Field, e.Message, tc.field)
					}
				})
			}
			if n := len(countRejected(t, st)); n != 15 {
				t.Errorf("rejected records kept = %d, want 15", n)
			}
			// A good record still goes in.
			if ans := a.post(t, "/v1/orders", `{"partnerId":"p","paymentId":"결제-1",`+paid+`}`); ans.status != http.StatusCreated {
				t.Errorf("POST a good order: %d %s", ans.status, ans.body)
			}
			// Signed webhooks naming bad ids.
			for _, tc := range []struct{ name, id, body, field string }{
				{"NUL paymentId", "wh-1", `{"type":"Transaction.Cancelled","data":{"paymentId":"\u0000","cancellationId":"c-1"}}`, "data.paymentId"},
				{"NUL cancellationId", "wh-2", `{"type":"Transaction.Cancelled","data":{"paymentId":"pay-1","cancellationId":"c\u0000"}}`, "data.cancellationId"},
				{"control character in webhook-id", "wh\u0085-3", cancelledEvent("pay-1", "c-1"), HeaderWebhookID},
				{"duplicate name in the body", "wh-4", `{"type":"Transaction.Cancelled","type":"Transaction.Paid","data":{"paymentId":"pay-1"}}`, "type"},
			} {
				t.Run("webhook "+tc.name, func(t *testing.T) {
					ans := a.deliver(t, tc.id, a.now, specSignature(keyA, tc.id, a.now.Unix(), tc.body), tc.body)
					if ans.status != http.StatusBadRequest {
						t.Fatalf("webhook: %d %s, want 400", ans.status, ans.body)
					}
					if e := ans.err(t); e.Field != tc.field {
						t.Errorf("webhook: field %q (%s), want %q", e.Field, e.Message, tc.field)
					}
				})
			}
		})
	}
}
