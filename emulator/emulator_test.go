package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

func TestAuth(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	for _, h := range []string{"", "PortOne wrong", "Bearer " + secret, secret} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", a.base+"/platform/setting", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b map[string]any
		_ = json.NewDecoder(res.Body).Decode(&b)
		res.Body.Close()
		if res.StatusCode != 401 || b["type"] != "UNAUTHORIZED" {
			t.Errorf("Authorization %q: got %d %v, want 401 UNAUTHORIZED", h, res.StatusCode, b)
		}
	}
	a.ok("GET", "/platform/setting", nil)
}

func TestOrderG1AndDates(t *testing.T) {
	_, a, clk := seeded(t, emulator.Options{})
	// G1: 10000 at 10 % with partner-borne VAT settles 8900; D1: start
	// 08-11 (paid "now" on the emulator clock) settles on 08-31.
	r := a.ok("POST", "/platform/transfers/order", order("t1", "pay1", "p1", 10000))
	for path, want := range map[string]int64{
		"transfer.amount.order": 10000, "transfer.amount.payment": 10000, "transfer.amount.platformFee": 1000,
		"transfer.amount.platformFeeVat": 100, "transfer.amount.settlement": 8900,
	} {
		if got := r.num(path); got != want {
			t.Errorf("%s = %d, want %d", path, got, want)
		}
	}
	for path, want := range map[string]string{
		"transfer.type": "ORDER", "transfer.id": "t1", "transfer.settlementStartDate": "2023-08-11",
		"transfer.settlementDate": "2023-08-31", "transfer.status": "IN_PROCESS",
		"transfer.partner.id": "p1", "transfer.contract.id": "contractA", "transfer.payment.type": "PORT_ONE",
		"transfer.payment.id": "pay1", "transfer.settlementCurrency": "KRW",
	} {
		if got := r.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if r.str("transfer.graphqlId") == "" || r.str("transfer.payment.storeId") == "" || r.str("transfer.payment.channelKey") == "" || r.str("transfer.payment.paidAt") == "" {
		t.Errorf("missing synthetic ids: %s", r.raw)
	}
	// G8/D3: an explicit future start is SCHEDULED, and Chuseok moves 09-30 back to 09-27.
	r = a.ok("POST", "/platform/transfers/order", map[string]any{
		"id": "t2", "partnerId": "p1", "paymentId": "pay2", "orderDetail": map[string]any{"orderAmount": 10000},
		"discounts": []any{}, "additionalFees": []any{}, "settlementStartDate": "2023-09-01",
	})
	if r.str("transfer.settlementDate") != "2023-09-27" || r.str("transfer.status") != "SCHEDULED" {
		t.Fatalf("G8: got %s %s, want 2023-09-27 SCHEDULED", r.str("transfer.settlementDate"), r.str("transfer.status"))
	}
	// Statuses follow the clock on read.
	for _, step := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2023, 8, 31, 23, 0, 0, 0, kst), "SCHEDULED"},
		{time.Date(2023, 9, 1, 0, 0, 0, 0, kst), "IN_PROCESS"},
		{time.Date(2023, 9, 26, 23, 59, 0, 0, kst), "IN_PROCESS"},
		{time.Date(2023, 9, 27, 0, 0, 0, 0, kst), "SETTLED"},
	} {
		clk.Set(step.at)
		if got := a.ok("GET", "/platform/transfers/t2", nil).str("status"); got != step.want {
			t.Errorf("at %s: status %s, want %s", step.at, got, step.want)
		}
	}
}

func TestOrderDiscountFeeAndExternal(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	// G5: discount 2000 shared 50 %.
	b := order("g5", "pay5", "p1", 10000)
	b["discounts"] = []any{map[string]any{"sharePolicyId": "dsp50", "amount": 2000}}
	r := a.ok("POST", "/platform/transfers/order", b)
	if r.num("transfer.amount.settlement") != 7900 || r.num("transfer.discounts.0.shareAmount") != 1000 ||
		r.str("transfer.discounts.0.sharePolicy.id") != "dsp50" || r.num("transfer.amount.payment") != 8000 {
		t.Errorf("G5: %s", r.raw)
	}
	// G7: additional fee 5 % with VAT, external payment.
	b = order("g7", "pay7", "p1", 10000)
	b["additionalFees"] = []any{map[string]any{"policyId": "afp5"}}
	b["externalPaymentDetail"] = map[string]any{"currency": "KRW", "orderName": "shoes", "paidAt": "2023-08-11T08:21:01.241Z", "method": map[string]any{"card": map[string]any{}}}
	r = a.ok("POST", "/platform/transfers/order", b)
	if r.num("transfer.amount.settlement") != 8350 || r.num("transfer.additionalFees.0.amount") != 500 ||
		r.num("transfer.additionalFees.0.vat") != 50 || r.str("transfer.payment.type") != "EXTERNAL" ||
		r.str("transfer.payment.method.type") != "CARD" || r.str("transfer.settlementDate") != "2023-08-31" {
		t.Errorf("G7: %s", r.raw)
	}
	if r.get("transfer.amount.userDefinedFormulas") == nil || r.get("transfer.parameters") == nil || r.get("transfer.orderLines") == nil {
		t.Errorf("G7: required empties missing: %s", r.raw)
	}
}

func TestUnknownReferences(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	a.fails("POST", "/platform/transfers/order", order("", "pay", "nobody", 1000), 404, "PLATFORM_PARTNER_NOT_FOUND")
	b := order("", "pay", "p1", 1000)
	b["contractId"] = "nope"
	a.fails("POST", "/platform/transfers/order", b, 404, "PLATFORM_CONTRACT_NOT_FOUND")
	b = order("", "pay", "p1", 1000)
	b["discounts"] = []any{map[string]any{"sharePolicyId": "x1", "amount": 10}, map[string]any{"sharePolicyId": "dsp50", "amount": 10}}
	r := a.fails("POST", "/platform/transfers/order", b, 404, "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND")
	if ids, _ := r.get("ids").([]any); len(ids) != 1 || ids[0] != "x1" || r.get("graphqlIds") == nil {
		t.Errorf("ids: %s", r.raw)
	}
	b = order("", "pay", "p1", 1000)
	b["orderDetail"] = map[string]any{"orderLines": []any{map[string]any{
		"product": map[string]any{"id": "A", "name": "A", "amount": 100}, "quantity": 1,
		"discounts": []any{}, "additionalFees": []any{map[string]any{"policyId": "f9"}},
	}}}
	r = a.fails("POST", "/platform/transfers/order", b, 404, "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND")
	if ids, _ := r.get("ids").([]any); len(ids) != 1 || ids[0] != "f9" {
		t.Errorf("ids: %s", r.raw)
	}
	a.fails("GET", "/platform/transfers/none", nil, 404, "PLATFORM_TRANSFER_NOT_FOUND")
	a.fails("DELETE", "/platform/transfers/none", nil, 404, "PLATFORM_TRANSFER_NOT_FOUND")
	a.fails("GET", "/platform/partners/none", nil, 404, "PLATFORM_PARTNER_NOT_FOUND")
	a.fails("GET", "/platform/contracts/none", nil, 404, "PLATFORM_CONTRACT_NOT_FOUND")
	a.fails("GET", "/platform/discount-share-policies/none", nil, 404, "PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND")
	a.fails("GET", "/platform/additional-fee-policies/none", nil, 404, "PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND")
}

func TestMalformedAndInvalid(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	a.fails("POST", "/platform/transfers/order", `{"partnerId": "p1",`, 400, "INVALID_REQUEST")
	a.fails("POST", "/platform/transfers/order", "", 400, "INVALID_REQUEST")
	a.fails("POST", "/platform/partners", `[1,2]`, 400, "INVALID_REQUEST")
	a.fails("GET", "/platform/transfer-summaries?requestBody=%7Bnope", nil, 400, "INVALID_REQUEST")
	b := order("", "pay", "p1", 1000)
	b["orderDetail"] = map[string]any{}
	a.fails("POST", "/platform/transfers/order", b, 400, "INVALID_REQUEST")
	// A settlement rule: discount above the order.
	b = order("", "pay", "p1", 1000)
	b["discounts"] = []any{map[string]any{"sharePolicyId": "dsp50", "amount": 2000}}
	r := a.fails("POST", "/platform/transfers/order", b, 400, "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED")
	if r.num("requestedAmount") != 2000 || r.num("allowedAmount") != 1000 {
		t.Errorf("amount exceeded body: %s", r.raw)
	}
	b = order("", "pay", "p1", 1000)
	b["settlementStartDate"], b["settlementDate"] = "2023-08-20", "2023-08-19"
	r = a.fails("POST", "/platform/transfers/order", b, 400, "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE")
	if r.str("settlementStartDate") != "2023-08-20" || r.str("settlementDate") != "2023-08-19" {
		t.Errorf("date body: %s", r.raw)
	}
}

func TestDuplicates(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	first := a.ok("POST", "/platform/transfers/order", order("t1", "pay1", "p1", 10000))
	a.fails("POST", "/platform/transfers/order", order("t1", "pay-other", "p1", 10000), 409, "PLATFORM_TRANSFER_ID_ALREADY_USED")
	r := a.fails("POST", "/platform/transfers/order", order("t2", "pay1", "p1", 10000), 409, "PLATFORM_TRANSFER_ALREADY_EXISTS")
	if r.str("transferId") != "t1" || r.str("transferGraphqlId") != first.str("transfer.graphqlId") {
		t.Errorf("already exists body: %s", r.raw)
	}
	// Another partner on the same payment is fine (1:N split).
	a.ok("POST", "/platform/transfers/order", order("t3", "pay1", "p2", 5000))
	// A manual transfer cannot reuse an order's id either.
	a.fails("POST", "/platform/transfers/manual", map[string]any{"id": "t1", "partnerId": "p1", "settlementAmount": 1, "settlementDate": "2023-09-01"}, 409, "PLATFORM_TRANSFER_ID_ALREADY_USED")
	// With the setting, a second ORDER transfer for (payment, partner) is allowed.
	a.ok("PATCH", "/platform/setting", map[string]any{"supportsMultipleOrderTransfersPerPartner": true})
	a.ok("POST", "/platform/transfers/order", order("t2", "pay1", "p1", 10000))
	// Server-generated ids when absent.
	r = a.ok("POST", "/platform/transfers/order", order("", "pay9", "p1", 10000))
	if r.str("transfer.id") == "" {
		t.Errorf("no generated id: %s", r.raw)
	}
	// Partners, contracts and policies.
	a.fails("POST", "/platform/partners", partnerJSON("p1", "contractA"), 409, "PLATFORM_PARTNER_ID_ALREADY_EXISTS")
	a.fails("POST", "/platform/contracts", contractA(), 409, "PLATFORM_CONTRACT_ALREADY_EXISTS")
	a.fails("POST", "/platform/discount-share-policies", map[string]any{"id": "dsp50", "name": "x", "partnerShareRate": 1}, 409, "PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS")
	a.fails("POST", "/platform/additional-fee-policies", map[string]any{"id": "afp5", "name": "x", "fee": map[string]any{"fixedAmount": 1}, "vatPayer": "MERCHANT"}, 409, "PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS")
}

func TestCancels(t *testing.T) {
	srv, a, _ := seeded(t, emulator.Options{})
	a.ok("POST", "/platform/transfers/order", order("o1", "pay1", "p1", 10000))
	// G2: cancel 5000 of it, found by paymentId alone.
	r := a.ok("POST", "/platform/transfers/order-cancel", map[string]any{
		"id": "c1", "paymentId": "pay1", "cancellationId": "can1",
		"orderDetail": map[string]any{"orderAmount": 5000}, "discounts": []any{},
	})
	if r.num("transfer.amount.settlement") != 4450 || r.str("transfer.type") != "ORDER_CANCEL" ||
		r.str("transfer.cancellation.id") != "can1" || r.str("transfer.cancellation.cancelledAt") == "" ||
		r.str("transfer.contract.id") != "contractA" || r.str("transfer.payment.id") != "pay1" {
		t.Errorf("G2: %s", r.raw)
	}
	rem, ok := srv.Remaining(false, "o1")
	if !ok || rem.Order != 5000 || rem.Settlement != 4450 {
		t.Errorf("remaining after G2: %+v", rem)
	}
	// The same cancellation again is a duplicate of c1.
	r = a.fails("POST", "/platform/transfers/order-cancel", map[string]any{
		"id": "c1b", "transferId": "o1", "cancellationId": "can1",
		"orderDetail": map[string]any{"orderAmount": 1000}, "discounts": []any{},
	}, 409, "PLATFORM_TRANSFER_ALREADY_EXISTS")
	if r.str("transferId") != "c1" {
		t.Errorf("duplicate cancel body: %s", r.raw)
	}
	// Over the remaining amount: the Book refuses with PortOne's body.
	r = a.fails("POST", "/platform/transfers/order-cancel", map[string]any{
		"id": "c2", "transferId": "o1", "cancellationId": "can2",
		"orderDetail": map[string]any{"orderAmount": 6000}, "discounts": []any{},
	}, 400, "PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED")
	if r.num("cancellableAmount") != 5000 || r.num("requestAmount") != 6000 || r.str("amountType") == "" {
		t.Errorf("cancellable body: %s", r.raw)
	}
	// The rest with all: the order nets to zero.
	a.ok("POST", "/platform/transfers/order-cancel", map[string]any{
		"id": "c3", "transferId": "o1", "cancellationId": "can3",
		"orderDetail": map[string]any{"all": map[string]any{}}, "discounts": []any{},
	})
	if rem, _ := srv.Remaining(false, "o1"); !rem.IsZero() {
		t.Errorf("remaining after all: %+v", rem)
	}
	a.fails("POST", "/platform/transfers/order-cancel", map[string]any{
		"id": "c4", "transferId": "o1", "cancellationId": "can4",
		"orderDetail": map[string]any{"orderAmount": 1}, "discounts": []any{},
	}, 400, "PLATFORM_ORDER_TRANSFER_ALREADY_CANCELLED")
	// Unknown order; an external cancel of a PortOne payment.
	a.fails("POST", "/platform/transfers/order-cancel", map[string]any{
		"transferId": "nope", "cancellationId": "x", "orderDetail": map[string]any{"all": map[string]any{}}, "discounts": []any{},
	}, 404, "PLATFORM_TRANSFER_NOT_FOUND")
	a.ok("POST", "/platform/transfers/order", order("o2", "pay2", "p1", 10000))
	a.fails("POST", "/platform/transfers/order-cancel", map[string]any{
		"transferId": "o2", "cancellationId": "x", "orderDetail": map[string]any{"all": map[string]any{}}, "discounts": []any{},
		"externalCancellationDetail": map[string]any{"cancelledAt": "2023-08-12T11:57:15Z"},
	}, 400, "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED")
}

func TestCancelByLines(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	b := order("g3", "pay3", "p1", 0)
	b["orderDetail"] = map[string]any{"orderLines": []any{
		map[string]any{"product": map[string]any{"id": "product_A", "name": "A", "amount": 2000}, "quantity": 5, "discounts": []any{}, "additionalFees": []any{}},
		map[string]any{"product": map[string]any{"id": "product_B", "name": "B", "amount": 4000}, "quantity": 1, "discounts": []any{}, "additionalFees": []any{}},
	}}
	r := a.ok("POST", "/platform/transfers/order", b)
	if r.num("transfer.amount.settlement") != 12460 || r.num("transfer.orderLines.0.amount.settlement") != 8900 || r.num("transfer.orderLines.1.amount.settlement") != 3560 {
		t.Fatalf("G3: %s", r.raw)
	}
	cancel := func(id string, qty int) resp {
		return a.do("POST", "/platform/transfers/order-cancel", map[string]any{
			"id": id, "transferId": "g3", "cancellationId": id,
			"orderDetail": map[string]any{"orderLines": []any{map[string]any{"productId": "product_A", "quantity": qty, "discounts": []any{}}}},
			"discounts":   []any{},
		})
	}
	if r := cancel("g4", 2); r.status != 200 || r.num("transfer.amount.settlement") != 3560 {
		t.Fatalf("G4: %d %s", r.status, r.raw)
	}
	r = cancel("g4b", 4)
	if r.status != 400 || r.str("type") != "PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED" || r.str("productId") != "product_A" || r.num("cancellableQuantity") != 3 {
		t.Errorf("quantity exceeded: %d %s", r.status, r.raw)
	}
}

func TestCancelNeedsTransferIDWithSeveralOrders(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	a.ok("POST", "/platform/transfers/order", order("o1", "pay1", "p1", 5000))
	a.ok("POST", "/platform/transfers/order", order("o2", "pay1", "p2", 5000))
	body := map[string]any{"paymentId": "pay1", "partnerId": "p1", "cancellationId": "can", "orderDetail": map[string]any{"all": map[string]any{}}, "discounts": []any{}}
	a.fails("POST", "/platform/transfers/order-cancel", body, 400, "PLATFORM_CANNOT_SPECIFY_TRANSFER")
	body["transferId"] = "o2"
	r := a.ok("POST", "/platform/transfers/order-cancel", body)
	if r.str("transfer.partner.id") != "p2" || r.num("transfer.amount.order") != 5000 {
		t.Errorf("cancel by transferId: %s", r.raw)
	}
}

func TestDelete(t *testing.T) {
	srv, a, _ := seeded(t, emulator.Options{})
	a.ok("POST", "/platform/transfers/order", order("o1", "pay1", "p1", 10000))
	a.ok("POST", "/platform/transfers/order-cancel", map[string]any{"id": "c1", "transferId": "o1", "cancellationId": "k", "orderDetail": map[string]any{"orderAmount": 4000}, "discounts": []any{}})
	a.fails("DELETE", "/platform/transfers/o1", nil, 400, "PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS")
	if r := a.ok("DELETE", "/platform/transfers/c1", nil); len(r.body) != 0 {
		t.Errorf("delete answers %s, want {}", r.raw)
	}
	// The cancel's amount is cancellable again.
	if rem, _ := srv.Remaining(false, "o1"); rem.Order != 10000 {
		t.Errorf("remaining after deleting the cancel: %+v", rem)
	}
	srv.ForceStatus(false, "o1", settlement.StatusPaidOut)
	a.fails("DELETE", "/platform/transfers/o1", nil, 400, "PLATFORM_TRANSFER_NON_DELETABLE_STATUS")
	srv.ForceStatus(false, "o1", "")
	a.ok("DELETE", "/platform/transfers/o1", nil)
	a.fails("GET", "/platform/transfers/o1", nil, 404, "PLATFORM_TRANSFER_NOT_FOUND")
	// A deleted id stays used.
	a.fails("POST", "/platform/transfers/order", order("o1", "pay1", "p1", 10000), 409, "PLATFORM_TRANSFER_ID_ALREADY_USED")
}

func TestTestAndLiveAreSeparate(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	a.ok("POST", "/platform/contracts?test=true", map[string]any{
		"id": "onlyTest", "name": "T", "platformFee": map[string]any{"fixedAmount": 100},
		"settlementCycle":     map[string]any{"lagDays": 1, "datePolicy": "CALENDAR_DAY", "method": map[string]any{"daily": map[string]any{}}},
		"platformFeeVatPayer": "MERCHANT", "subtractPaymentVatAmount": false,
	})
	a.fails("GET", "/platform/contracts/onlyTest", nil, 404, "PLATFORM_CONTRACT_NOT_FOUND")
	if r := a.ok("GET", "/platform/contracts/onlyTest?test=true", nil); !r.get("isForTest").(bool) {
		t.Errorf("isForTest: %s", r.raw)
	}
	// Body isForTest applies when the query is absent; the query wins otherwise.
	b := order("x1", "pay1", "p1", 10000)
	b["isForTest"] = true
	a.ok("POST", "/platform/transfers/order", b)
	a.fails("GET", "/platform/transfers/x1", nil, 404, "PLATFORM_TRANSFER_NOT_FOUND")
	a.ok("GET", "/platform/transfers/x1?test=true", nil)
	a.ok("POST", "/platform/transfers/order?test=false", b) // same id, other environment
	a.ok("GET", "/platform/transfers/x1", nil)
	// Settings are per environment.
	a.ok("PATCH", "/platform/setting?test=true", map[string]any{"deductWht": true})
	if a.ok("GET", "/platform/setting", nil).get("deductWht").(bool) {
		t.Error("live setting changed by a test-mode PATCH")
	}
	if r := a.ok("GET", "/platform/setting?test=true", nil); !r.get("deductWht").(bool) || !r.get("isForTest").(bool) {
		t.Errorf("test setting: %s", r.raw)
	}
}

func TestManual(t *testing.T) {
	_, a, clk := seeded(t, emulator.Options{})
	r := a.ok("POST", "/platform/transfers/manual", map[string]any{"id": "m1", "partnerId": "p1", "settlementAmount": -300, "settlementDate": "2023-08-20", "memo": "adj"})
	if r.str("transfer.type") != "MANUAL" || r.num("transfer.settlementAmount") != -300 || r.get("transfer.settlementTaxFreeAmount") == nil || r.str("transfer.status") != "IN_PROCESS" {
		t.Errorf("manual: %s", r.raw)
	}
	clk.Set(time.Date(2023, 8, 20, 0, 0, 0, 0, kst))
	if s := a.ok("GET", "/platform/transfers/m1", nil).str("status"); s != "SETTLED" {
		t.Errorf("manual on its date: %s", s)
	}
	a.ok("PATCH", "/platform/setting", map[string]any{"manualSettlementPerTransfer": true})
	a.fails("POST", "/platform/transfers/manual", map[string]any{"partnerId": "p1", "settlementAmount": -1, "settlementDate": "2023-08-20"}, 400, "PLATFORM_NEGATIVE_AMOUNT_NOT_ALLOWED")
	a.fails("POST", "/platform/transfers/manual", map[string]any{"partnerId": "zz", "settlementAmount": 1, "settlementDate": "2023-08-20"}, 404, "PLATFORM_PARTNER_NOT_FOUND")
}

func TestSummaries(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	for i := range 5 {
		a.ok("POST", "/platform/transfers/order", order(fmt.Sprintf("a%d", i), fmt.Sprintf("pa%d", i), "p1", 1000))
	}
	b := order("b0", "pb0", "p2", 1000)
	b["settlementStartDate"] = "2023-09-01"
	a.ok("POST", "/platform/transfers/order", b)
	a.ok("POST", "/platform/transfers/order-cancel", map[string]any{"id": "c0", "transferId": "a0", "cancellationId": "k", "orderDetail": map[string]any{"all": map[string]any{}}, "discounts": []any{}})
	a.ok("POST", "/platform/transfers/manual", map[string]any{"id": "m0", "partnerId": "p2", "settlementAmount": 5, "settlementDate": "2023-08-15"})

	count := func(filter any, page map[string]any) (int, int64, resp) {
		t.Helper()
		body := map[string]any{"filter": filter}
		if page != nil {
			body["page"] = page
		}
		r := a.ok("GET", "/platform/transfer-summaries?"+listQuery(body), nil)
		items, _ := r.get("transferSummaries").([]any)
		return len(items), r.num("page.totalCount"), r
	}
	for name, c := range map[string]struct {
		filter any
		want   int
	}{
		"all":              {map[string]any{}, 8},
		"partner keyword":  {map[string]any{"keyword": map[string]any{"partnerId": "p2"}}, 2},
		"partnerIds":       {map[string]any{"partnerIds": []string{"p1"}}, 6},
		"types":            {map[string]any{"types": []string{"ORDER_CANCEL", "MANUAL"}}, 2},
		"statuses":         {map[string]any{"statuses": []string{"SCHEDULED"}}, 1},
		"date range":       {map[string]any{"settlementDateRange": map[string]any{"from": "2023-08-01", "until": "2023-08-31"}}, 7},
		"start date range": {map[string]any{"settlementStartDateRange": map[string]any{"from": "2023-09-01", "until": "2023-09-30"}}, 1},
		"payment keyword":  {map[string]any{"keyword": map[string]any{"paymentId": "pa3"}}, 1},
	} {
		got, total, r := count(c.filter, map[string]any{"number": 0, "size": 100})
		if got != c.want || total != int64(c.want) {
			t.Errorf("%s: %d items (totalCount %d), want %d: %s", name, got, total, c.want, r.raw)
		}
	}
	got, total, r := count(map[string]any{}, map[string]any{"number": 1, "size": 3})
	if got != 3 || total != 8 || r.num("page.number") != 1 || r.num("page.size") != 3 || r.str("transferSummaries.0.id") != "a3" {
		t.Errorf("page 1: %s", r.raw)
	}
	a.fails("GET", "/platform/transfer-summaries?"+listQuery(map[string]any{"filter": map[string]any{
		"settlementDateRange":      map[string]any{"from": "2023-08-01", "until": "2023-08-31"},
		"settlementStartDateRange": map[string]any{"from": "2023-08-01", "until": "2023-08-31"},
	}}), nil, 400, "INVALID_REQUEST")
	// The GET body works too.
	if r := a.ok("GET", "/platform/transfer-summaries", map[string]any{"filter": map[string]any{"types": []string{"MANUAL"}}}); r.num("page.totalCount") != 1 {
		t.Errorf("GET body filter: %s", r.raw)
	}
}

func TestPartnersContractsPolicies(t *testing.T) {
	_, a, _ := seeded(t, emulator.Options{})
	r := a.ok("POST", "/platform/partners", partnerJSON("p3", "contractA"))
	if r.str("partner.type.type") != "BUSINESS" || r.str("partner.type.taxationType") != "NORMAL" || r.str("partner.account.status") == "" {
		t.Errorf("create partner: %s", r.raw)
	}
	a.fails("POST", "/platform/partners", partnerJSON("p4", "nope"), 404, "PLATFORM_CONTRACT_NOT_FOUND")
	r = a.ok("POST", "/platform/partners/batch", map[string]any{"partners": []any{partnerJSON("p5", "contractA"), partnerJSON("p6", "contractA")}})
	if r.str("partners.1.id") != "p6" {
		t.Errorf("batch: %s", r.raw)
	}
	r = a.fails("POST", "/platform/partners/batch", map[string]any{"partners": []any{partnerJSON("p7", "contractA"), partnerJSON("p1", "contractA")}}, 409, "PLATFORM_PARTNER_IDS_ALREADY_EXISTS")
	if ids, _ := r.get("ids").([]any); len(ids) != 1 || ids[0] != "p1" {
		t.Errorf("batch exists: %s", r.raw)
	}
	a.fails("POST", "/platform/partners/batch", map[string]any{"partners": []any{partnerJSON("p8", "contractA"), partnerJSON("p8", "contractA")}}, 400, "PLATFORM_PARTNER_IDS_DUPLICATED")
	a.fails("GET", "/platform/partners/p7", nil, 404, "PLATFORM_PARTNER_NOT_FOUND") // the failed batch created nothing

	r = a.ok("GET", "/platform/partners?"+listQuery(map[string]any{"page": map[string]any{"number": 0, "size": 2}}), nil)
	if r.num("page.totalCount") != 5 || len(r.get("items").([]any)) != 2 {
		t.Errorf("list partners: %s", r.raw)
	}
	r = a.ok("PATCH", "/platform/partners/p3", map[string]any{"name": "Renamed", "type": map[string]any{"whtPayer": map[string]any{"birthdate": "1990-01-01"}}})
	if r.str("partner.name") != "Renamed" || r.str("partner.type.type") != "WHT_PAYER" || r.str("partner.contact.email") != "p3@example.com" {
		t.Errorf("patch partner: %s", r.raw)
	}
	a.ok("POST", "/platform/partners/p3/archive", nil)
	a.fails("PATCH", "/platform/partners/p3", map[string]any{"name": "x"}, 409, "PLATFORM_ARCHIVED_PARTNER")
	if r := a.ok("GET", "/platform/partners?"+listQuery(map[string]any{"filter": map[string]any{"isArchived": true}}), nil); r.num("page.totalCount") != 1 {
		t.Errorf("archived partners: %s", r.raw)
	}
	if r := a.ok("POST", "/platform/partners/p3/recover", nil); r.get("partner.isArchived").(bool) {
		t.Errorf("recover: %s", r.raw)
	}

	// Contracts: update re-validates; archive blocks updates.
	r = a.ok("PATCH", "/platform/contracts/contractA", map[string]any{"platformFee": map[string]any{"fixedRate": 20000}})
	if r.str("contract.platformFee.type") != "FIXED_RATE" || r.num("contract.platformFee.rate") != 20000 || r.num("contract.settlementCycle.lagDays") != 2 {
		t.Errorf("patch contract: %s", r.raw)
	}
	// A new order uses the new rate; G10's partner B: 20 % of 5000.
	if r := a.ok("POST", "/platform/transfers/order", order("n1", "payn", "p1", 5000)); r.num("transfer.amount.settlement") != 3900 {
		t.Errorf("order after contract update: %s", r.raw)
	}
	a.fails("PATCH", "/platform/contracts/contractA", map[string]any{"platformFee": map[string]any{"fixedRate": 1, "fixedAmount": 1}}, 400, "INVALID_REQUEST")
	a.ok("POST", "/platform/contracts/contractA/archive", nil)
	a.fails("PATCH", "/platform/contracts/contractA", map[string]any{"name": "x"}, 409, "PLATFORM_ARCHIVED_CONTRACT")
	if r := a.ok("GET", "/platform/contracts?"+listQuery(map[string]any{}), nil); r.num("page.totalCount") != 0 {
		t.Errorf("archived contracts are hidden by default: %s", r.raw)
	}
	a.ok("POST", "/platform/contracts/contractA/recover", nil)

	// Policies.
	r = a.ok("PATCH", "/platform/discount-share-policies/dsp50", map[string]any{"partnerShareRate": 30000})
	if r.num("discountSharePolicy.partnerShareRate") != 30000 || r.str("discountSharePolicy.name") != "half" {
		t.Errorf("patch dsp: %s", r.raw)
	}
	r = a.ok("GET", "/platform/discount-share-policies?"+listQuery(map[string]any{"filter": map[string]any{"partnerShareRates": []int{30000}}}), nil)
	if r.str("items.0.id") != "dsp50" {
		t.Errorf("list dsp: %s", r.raw)
	}
	a.ok("POST", "/platform/discount-share-policies/dsp50/archive", nil)
	a.fails("PATCH", "/platform/discount-share-policies/dsp50", map[string]any{"name": "x"}, 409, "PLATFORM_ARCHIVED_DISCOUNT_SHARE_POLICY")
	r = a.ok("PATCH", "/platform/additional-fee-policies/afp5", map[string]any{"vatPayer": "MERCHANT"})
	if r.str("additionalFeePolicy.vatPayer") != "MERCHANT" || r.num("additionalFeePolicy.fee.rate") != 5000 {
		t.Errorf("patch afp: %s", r.raw)
	}
	a.ok("POST", "/platform/additional-fee-policies/afp5/archive", nil)
	a.fails("PATCH", "/platform/additional-fee-policies/afp5", map[string]any{"name": "x"}, 409, "PLATFORM_ARCHIVED_ADDITIONAL_FEE_POLICY")
	if r := a.ok("POST", "/platform/additional-fee-policies/afp5/recover", nil); r.get("additionalFeePolicy.isArchived").(bool) {
		t.Errorf("recover afp: %s", r.raw)
	}
	a.ok("POST", "/platform/additional-fee-policies", map[string]any{"name": "fixed", "fee": map[string]any{"fixedAmount": 300}, "vatPayer": "MERCHANT"})
	if r := a.ok("GET", "/platform/additional-fee-policies?"+listQuery(map[string]any{"filter": map[string]any{"vatPayers": []string{"MERCHANT"}}}), nil); r.num("page.totalCount") != 2 {
		t.Errorf("list afp: %s", r.raw)
	}
	// With no transfers, payouts are an empty list with counts.
	if r := a.ok("GET", "/platform/payouts", nil); r.get("items") == nil || r.get("counts") == nil {
		t.Errorf("payouts: %s", r.raw)
	}
}

func TestTamperAndInject(t *testing.T) {
	srv, a, _ := seeded(t, emulator.Options{})
	srv.Tamper(func(paymentID string, tr *transfer.Transfer) {
		if paymentID == "pay2" && tr.Amount != nil {
			tr.Amount.Settlement += 10
			tr.SettlementDate = "2023-09-01"
		}
	})
	a.ok("POST", "/platform/transfers/order", order("t1", "pay1", "p1", 10000))
	r := a.ok("POST", "/platform/transfers/order", order("t2", "pay2", "p1", 10000))
	if r.num("transfer.amount.settlement") != 8910 || r.str("transfer.settlementDate") != "2023-09-01" {
		t.Errorf("tampered create: %s", r.raw)
	}
	if r := a.ok("GET", "/platform/transfers/t1", nil); r.num("amount.settlement") != 8900 {
		t.Errorf("untouched: %s", r.raw)
	}
	if r := a.ok("GET", "/platform/transfers/t2", nil); r.num("amount.settlement") != 8910 {
		t.Errorf("tampered get: %s", r.raw)
	}
	// State is untouched.
	for _, tr := range srv.Transfers(false) {
		if tr.Amount.Settlement != 8900 {
			t.Errorf("state of %s tampered: %d", tr.ID, tr.Amount.Settlement)
		}
	}
	// Summaries see the tampered values (filters included).
	r = a.ok("GET", "/platform/transfer-summaries?"+listQuery(map[string]any{"filter": map[string]any{"settlementDateRange": map[string]any{"from": "2023-09-01", "until": "2023-09-01"}}}), nil)
	if r.num("page.totalCount") != 1 || r.str("transferSummaries.0.id") != "t2" || r.num("transferSummaries.0.amount.settlement") != 8910 {
		t.Errorf("tampered summary: %s", r.raw)
	}
	srv.ClearTampers()

	amt := transfer.AmountsToWire(settlement.Amounts{Order: 777, Payment: 777, Settlement: 777})
	id := srv.Inject(transfer.Transfer{
		Partner: json.RawMessage(`{"id":"p2"}`), Amount: &amt, SettlementStartDate: "2023-08-01", SettlementDate: "2023-08-10",
		Payment: &transfer.Payment{Type: "EXTERNAL", ID: "ghost", Currency: "KRW"},
	})
	r = a.ok("GET", "/platform/transfer-summaries?"+listQuery(map[string]any{"filter": map[string]any{"keyword": map[string]any{"paymentId": "ghost"}}}), nil)
	if r.str("transferSummaries.0.id") != id || r.str("transferSummaries.0.partner.name") != "Partner p2" ||
		r.str("transferSummaries.0.status") != "SETTLED" || r.num("transferSummaries.0.amount.settlement") != 777 {
		t.Errorf("injected summary: %s", r.raw)
	}
	if r := a.ok("GET", "/platform/transfers/"+id, nil); r.str("type") != "ORDER" || r.get("orderLines") == nil {
		t.Errorf("injected get: %s", r.raw)
	}
}

func TestRequestsRecorded(t *testing.T) {
	srv, a, _ := seeded(t, emulator.Options{})
	a.ok("POST", "/platform/transfers/order?test=true", order("t1", "pay1", "p1", 10000))
	a.fails("GET", "/platform/transfers/zz", nil, 404, "PLATFORM_TRANSFER_NOT_FOUND")
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(reqs))
	}
	r0 := reqs[0]
	if r0.Method != "POST" || r0.Path != "/platform/transfers/order" || r0.Query != "test=true" || r0.Status != 200 ||
		!strings.Contains(string(r0.Body), `"pay1"`) || r0.Header.Get("Authorization") != "" || r0.Header.Get("Content-Type") == "" ||
		!r0.Time.Equal(time.Date(2023, 8, 11, 9, 0, 0, 0, kst)) {
		t.Errorf("request 0: %+v", r0)
	}
	if reqs[1].Status != 404 {
		t.Errorf("request 1 status %d", reqs[1].Status)
	}
	reqs[0].Body[0] = 'X' // a copy
	if srv.Requests()[0].Body[0] == 'X' {
		t.Error("Requests does not copy")
	}
}

func TestSeedFile(t *testing.T) {
	srv := emulator.New(emulator.Options{})
	seed := `{"contracts":[{"id":"c","name":"c","platformFee":{"fixedRate":10000},"settlementCycle":{"lagDays":1,"datePolicy":"CALENDAR_DAY","method":{"daily":{}}},"platformFeeVatPayer":"MERCHANT","subtractPaymentVatAmount":false}],
	"partners":[{"id":"p","name":"p","contact":{"name":"n","email":"e@x"},"account":{"bank":"KOOKMIN","currency":"KRW","number":"1","holder":"h"},"defaultContractId":"c","tags":[],"type":{"nonWhtPayer":{}}}],
	"setting":{"supportsMultipleOrderTransfersPerPartner":true}}`
	if err := srv.Seed(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	for _, test := range []bool{false, true} {
		if len(srv.Transfers(test)) != 0 {
			t.Fatal("seed created transfers")
		}
	}
	if err := srv.Seed(strings.NewReader(`{"contracts":[],"bogus":1}`)); err == nil {
		t.Error("unknown seed field accepted")
	}
	if err := srv.Seed(strings.NewReader(`{"partners":[{"id":"q","name":"q","contact":{"name":"n","email":"e"},"account":{"bank":"B","currency":"KRW","number":"1","holder":"h"},"defaultContractId":"missing","tags":[],"type":{"whtPayer":{}}}]}`)); err == nil {
		t.Error("partner with unknown contract seeded")
	}
}
