package transfer

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files: here testdata/portone/requests/*.json, from the request bodies")

// decoded turns JSON into generic values for comparisons that ignore
// member order and whitespace.
func decoded(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// at follows a path like "orderDetail.orderLines.0.discounts" in decoded JSON.
func at(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func TestRequiredArraysEncodeAsEmpty(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  any
		paths []string
	}{
		{"order", CreateOrderTransferBody{ID: "t", PartnerID: "p", PaymentID: "pay", OrderDetail: OrderDetailInput{OrderAmount: amount(1)}},
			[]string{"discounts", "additionalFees"}},
		{"order lines", &CreateOrderTransferBody{ID: "t", PartnerID: "p", PaymentID: "pay", OrderDetail: OrderDetailInput{OrderLines: []OrderLineInput{{Product: ProductInput{ID: "A"}, Quantity: 1}}}},
			[]string{"discounts", "additionalFees", "orderDetail.orderLines.0.discounts", "orderDetail.orderLines.0.additionalFees"}},
		{"cancel", CreateOrderCancelTransferBody{ID: "c", CancellationID: "x", OrderDetail: &CancelOrderDetailInput{OrderLines: []CancelOrderLineInput{{ProductID: "A", Quantity: 1}}}},
			[]string{"discounts", "orderDetail.orderLines.0.discounts"}},
		{"partner", CreatePartnerBody{Name: "n", Type: PartnerTypeInput{WhtPayer: &IndividualInput{}}}, []string{"tags"}},
		{"partners batch", struct {
			Partners []CreatePartnerBody `json:"partners"`
		}{orEmpty([]CreatePartnerBody(nil))}, []string{"partners"}},
		{"contract weekly", CreateContractBody{Name: "c", SettlementCycle: CycleInput{Method: CycleMethodInput{Weekly: &WeeklyInput{}}}}, []string{"settlementCycle.method.weekly.daysOfWeek"}},
		{"contract monthly", CreateContractBody{Name: "c", SettlementCycle: CycleInput{Method: CycleMethodInput{Monthly: &MonthlyInput{}}}}, []string{"settlementCycle.method.monthly.daysOfMonth"}},
		{"contract manual", CreateContractBody{Name: "c", SettlementCycle: CycleInput{Method: CycleMethodInput{ManualDates: &ManualDatesInput{}}}}, []string{"settlementCycle.method.manualDates.dates"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			v := decoded(t, b)
			for _, p := range tc.paths {
				got, ok := at(v, p)
				if arr, isArr := got.([]any); !ok || !isArr || len(arr) != 0 {
					t.Errorf("%s: %s = %v (present %t), want []; body %s", tc.name, p, got, ok, b)
				}
			}
		})
	}
}

func TestUnknownFieldsAndEnumsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		into any
		// check inspects the decoded value.
		check func(v any) string
	}{
		{"transfer", strings.Replace(orderTransferJSON, `"status":"SCHEDULED"`, `"status":"ON_HOLD","futureField":{"a":[1,2]},"risk":"low"`, 1), &Transfer{},
			func(v any) string {
				tr := v.(*Transfer)
				if tr.Status != "ON_HOLD" || string(tr.Extra["risk"]) != `"low"` || string(tr.Extra["futureField"]) != `{"a":[1,2]}` {
					return fmt.Sprintf("%+v", tr)
				}
				return ""
			}},
		{"transfer of an unknown type", `{"type":"REFUND","id":"r1","status":"NEW","graphqlId":"g","settlementDate":"2026-01-01","settlementCurrency":"KRW","isForTest":false,"userDefinedProperties":[],"refund":{"x":1}}`, &Transfer{},
			func(v any) string {
				if tr := v.(*Transfer); tr.Type != "REFUND" || tr.Extra["refund"] == nil {
					return fmt.Sprintf("%+v", tr)
				}
				return ""
			}},
		{"summary", `{"type":"ORDER","id":"s","graphqlId":"g","storeId":"st","partner":{"id":"p","graphqlId":"g","name":"n","type":"BUSINESS","userDefinedProperties":[]},"status":"PAYOUT_HELD","settlementDate":"2026-01-01","settlementCurrency":"KRW","isForTest":true,"partnerUserDefinedProperties":[],"userDefinedProperties":[],"newThing":true}`, &TransferSummary{},
			func(v any) string {
				if s := v.(*TransferSummary); s.Status != "PAYOUT_HELD" || string(s.Extra["newThing"]) != "true" {
					return fmt.Sprintf("%+v", s)
				}
				return ""
			}},
		{"partner", `{"id":"p","graphqlId":"g","name":"n","contact":{"name":"c","email":"e"},"account":{"bank":"KOOKMIN","currency":"KRW","number":"123456789012","holder":"h","status":"BRAND_NEW"},"status":"PENDING","defaultContractId":"c","tags":[],"type":{"type":"FOREIGN_CORP","registry":"x"},"isArchived":false,"appliedAt":"2026-01-01T00:00:00Z","userDefinedProperties":{},"isForTest":true,"tier":"gold"}`, &Partner{},
			func(v any) string {
				if p := v.(*Partner); p.Type.Type != "FOREIGN_CORP" || p.Account.Status != "BRAND_NEW" || string(p.Extra["tier"]) != `"gold"` {
					return fmt.Sprintf("%+v", p)
				}
				return ""
			}},
		{"contract", `{"id":"c","graphqlId":"g","name":"n","platformFee":{"type":"FIXED_RATE","rate":10000},"settlementCycle":{"lagDays":2,"datePolicy":"HOLIDAY_BEFORE","method":{"type":"MONTHLY","daysOfMonth":[31]}},"platformFeeVatPayer":"PLATFORM","subtractPaymentVatAmount":false,"isArchived":false,"appliedAt":"t","isForTest":true,"currency":"KRW"}`, &Contract{},
			func(v any) string {
				if c := v.(*Contract); c.PlatformFeeVatPayer != "PLATFORM" || string(c.Extra["currency"]) != `"KRW"` {
					return fmt.Sprintf("%+v", c)
				}
				return ""
			}},
		{"discount share policy", `{"id":"d","graphqlId":"g","name":"n","partnerShareRate":50000,"isArchived":false,"appliedAt":"t","isForTest":true,"cap":3}`, &DiscountSharePolicy{}, nil},
		{"additional fee policy", `{"id":"f","graphqlId":"g","name":"n","fee":{"type":"FIXED_RATE","rate":5000},"vatPayer":"PLATFORM","isArchived":false,"appliedAt":"t","isForTest":true,"cap":3}`, &AdditionalFeePolicy{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := json.Unmarshal([]byte(tc.in), tc.into); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if tc.check != nil {
				if msg := tc.check(tc.into); msg != "" {
					t.Errorf("decoded %s", msg)
				}
			}
			out, err := json.Marshal(tc.into)
			if err != nil {
				t.Fatal(err)
			}
			// Every member of the input survives (optional empty members
			// the input lacked may not appear; none are in these inputs).
			in := decoded(t, []byte(tc.in)).(map[string]any)
			got := decoded(t, out).(map[string]any)
			for k, v := range in {
				if diff := cmp.Diff(v, got[k]); diff != "" {
					t.Errorf("member %s lost or changed (-in +out):\n%s", k, diff)
				}
			}
		})
	}
}

func TestAccountNumbersAreMasked(t *testing.T) {
	const number = "110-123-456789"
	values := map[string]any{
		"account":        Account{Bank: "SHINHAN", Number: number, Holder: "h"},
		"account input":  AccountInput{Bank: "SHINHAN", Number: number},
		"payout account": PayoutAccount{Number: number},
		"partner":        Partner{ID: "p", Account: Account{Number: number}},
		"&partner":       &Partner{ID: "p", Account: Account{Number: number}},
		"partner body":   CreatePartnerBody{Account: AccountInput{Number: number}},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "123456789") || strings.Contains(out, "456789") {
				t.Errorf("%s %s shows the account number: %s", verb, name, out)
			}
		}
	}
	if got := MaskAccountNumber(number); got != "***-***-**6789" {
		t.Errorf("MaskAccountNumber(%q) = %q", number, got)
	}
	// The wire still carries the number: PortOne needs it.
	b, _ := json.Marshal(AccountInput{Number: number})
	if !strings.Contains(string(b), number) {
		t.Errorf("AccountInput JSON %s lost the number", b)
	}
}

// goldenBodies are the request bodies the client sends, one per create
// shape; testdata/portone/requests holds them, compared after decoding.
func goldenBodies() map[string]any {
	rate, fixed := int64(10000), int64(500)
	tf := int64(1000)
	return map[string]any{
		"order_amount": CreateOrderTransferBody{ID: "tr-G1", PartnerID: "partner-A", PaymentID: "pay-1",
			OrderDetail: OrderDetailInput{OrderAmount: amount(10000)}, SettlementStartDate: "2023-08-11"},
		"order_lines": CreateOrderTransferBody{ID: "tr-G3", PartnerID: "partner-A", PaymentID: "pay-3", ContractID: "contract-A",
			OrderDetail: OrderDetailInput{OrderLines: []OrderLineInput{
				{Product: ProductInput{ID: "product_A", Name: "A", Amount: 2000}, Quantity: 5},
				{Product: ProductInput{ID: "product_B", Name: "B", Amount: 4000, TaxFreeAmount: &tf, Tag: "food"}, Quantity: 1,
					Discounts: []DiscountInput{{SharePolicyID: "dsp-50", Amount: 500}}, AdditionalFees: []AdditionalFeeInput{{PolicyID: "fee-5"}}},
			}},
			Discounts: []DiscountInput{{SharePolicyID: "dsp-50", Amount: 2000}},
			ExternalPaymentDetail: &ExternalPaymentDetail{Currency: "KRW", OrderName: "order", PaidAt: "2023-08-11T08:21:01.241Z",
				Method: &PaymentMethodInput{EasyPay: &EasyPayInput{Provider: "KAKAOPAY"}}}},
		"cancel_amount": CreateOrderCancelTransferBody{ID: "tr-G2", TransferID: "tr-G1", CancellationID: "cancel-1",
			OrderDetail: &CancelOrderDetailInput{OrderAmount: amount(5000)}, SettlementStartDate: "2023-08-12"},
		"cancel_lines": CreateOrderCancelTransferBody{ID: "tr-G4", PartnerID: "partner-A", PaymentID: "pay-3", CancellationID: "cancel-2",
			OrderDetail: &CancelOrderDetailInput{OrderLines: []CancelOrderLineInput{{ProductID: "product_A", Quantity: 2}}}},
		"cancel_all": CreateOrderCancelTransferBody{ID: "tr-all", TransferID: "tr-G1", CancellationID: "cancel-3",
			OrderDetail: &CancelOrderDetailInput{All: &struct{}{}}, ExternalCancellationDetail: &ExternalCancellationDetail{CancelledAt: "2023-08-12T11:57:15Z"}},
		"manual": CreateManualTransferBody{ID: "tr-manual", PartnerID: "partner-A", SettlementAmount: -3000, SettlementDate: "2026-03-31", SettlementCurrency: "KRW", Memo: "adjustment"},
		"partner": CreatePartnerBody{ID: "partner-A", Name: "Partner A", Contact: ContactInput{Name: "Kim", Email: "kim@example.com"},
			Account:           AccountInput{Bank: "SHINHAN", Currency: "KRW", Number: "110123456789", Holder: "Kim"},
			DefaultContractID: "contract-A",
			Type:              PartnerTypeInput{Business: &BusinessInput{CompanyName: "A Co", BusinessRegistrationNumber: "1234567890", RepresentativeName: "Kim"}}},
		"contract": CreateContractBody{ID: "contract-A", Name: "A", PlatformFee: FeeInput{FixedRate: &rate},
			SettlementCycle:     CycleInput{LagDays: 2, DatePolicy: "HOLIDAY_BEFORE", Method: CycleMethodInput{Monthly: &MonthlyInput{DaysOfMonth: []int{31}}}},
			PlatformFeeVatPayer: "PARTNER"},
		"discount_share_policy": CreateDiscountSharePolicyBody{ID: "dsp-50", Name: "half", PartnerShareRate: 50000},
		"additional_fee_policy": CreateAdditionalFeePolicyBody{ID: "fee-5", Name: "pg", Fee: FeeInput{FixedAmount: &fixed}, VatPayer: "PARTNER"},
	}
}

func TestGoldenRequestBodies(t *testing.T) {
	dir := filepath.Join("..", "testdata", "portone", "requests")
	for name, body := range goldenBodies() {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(body, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name+".json")
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./transfer -run TestGoldenRequestBodies -update)", err)
			}
			if diff := cmp.Diff(decoded(t, want), decoded(t, got)); diff != "" {
				t.Errorf("%s body (-golden +got):\n%s", name, diff)
			}
		})
	}
}

func TestTransferResponseCarriesRequiredArrays(t *testing.T) {
	b, err := json.Marshal(Transfer{Type: "ORDER", ID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	v := decoded(t, b)
	for _, p := range []string{"orderLines", "additionalFees", "discounts", "userDefinedProperties"} {
		if got, ok := at(v, p); !ok || len(got.([]any)) != 0 {
			t.Errorf("Transfer JSON %s: %s = %v, want []", b, p, got)
		}
	}
	if got, ok := at(v, "parameters"); !ok || len(got.(map[string]any)) != 0 {
		t.Errorf("Transfer JSON %s: parameters = %v, want {}", b, got)
	}
	m, _ := json.Marshal(Transfer{Type: "MANUAL", ID: "m", SettlementAmount: amount(1), SettlementTaxFreeAmount: amount(0)})
	if _, ok := at(decoded(t, m), "orderLines"); ok {
		t.Errorf("MANUAL transfer JSON %s carries orderLines", m)
	}
}

// TestUnmarshalKeepingReplaces pins what UnmarshalJSON does to a value that
// already holds data: a decode replaces it whole (fields absent from the
// JSON go back to zero, Extra is the new unknown members), and a failed
// decode leaves it as it was.
func TestUnmarshalKeepingReplaces(t *testing.T) {
	before := Contract{ID: "c-old", Memo: "old memo", Extra: map[string]json.RawMessage{"old": json.RawMessage(`1`)}}
	c := before
	if err := json.Unmarshal([]byte(`{"id":"c-new","newField":true}`), &c); err != nil {
		t.Fatal(err)
	}
	want := Contract{ID: "c-new", Extra: map[string]json.RawMessage{"newField": json.RawMessage(`true`)}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded over a value (-want +got):\n%s", diff)
	}
	c = before
	if err := json.Unmarshal([]byte(`{"id":5}`), &c); err == nil {
		t.Fatal("decoding a number into id: no error")
	}
	if diff := cmp.Diff(before, c); diff != "" {
		t.Errorf("failed decode changed the value (-before +after):\n%s", diff)
	}
}

// TestUnknownMembers: the members a type has no field for are kept as
// sent (whitespace and digits included); a name sent twice keeps the last,
// as encoding/json does; invalid UTF-8 and null do not fail.
func TestUnknownMembers(t *testing.T) {
	known := map[string]bool{"id": true, "amount": true}
	for _, c := range []struct {
		name, in string
		want     map[string]string
	}{
		{"none", `{"id":"a","amount":1}`, nil},
		{"kept as sent", `{"id":"a","new": { "x" : [1.50, 2e3] },"amount":1}`, map[string]string{"new": `{ "x" : [1.50, 2e3] }`}},
		{"twice", `{"new":1,"new":2}`, map[string]string{"new": `2`}},
		{"case differs", `{"ID":"a"}`, map[string]string{"ID": `"a"`}},
		{"invalid utf-8", "{\"new\":\"\xff\"}", map[string]string{"new": "\"\xff\""}},
		{"null", `null`, nil},
	} {
		got, err := unknownMembers([]byte(c.in), known)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		for k, v := range c.want {
			if string(got[k]) != v {
				t.Errorf("%s: %s = %s, want %s", c.name, k, got[k], v)
			}
		}
	}
}
