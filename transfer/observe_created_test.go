package transfer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// sentAnswer is a three-line order answer as PortOne sends it: the
// partner with its account, the contract, and every discount and fee with
// its whole policy, members in PortOne's order, a member this package does
// not know (with an account inside), a number beyond float64.
const sentAnswer = `{"type":"ORDER","id":"stl-o-1","graphqlId":"g1",
"partner":{"id":"p-1","graphqlId":"gp","name":"가게 <A&B>","account":{"bank":"KOOKMIN","number":"123-456-789012","holder":"홍길동"},"tags":["x"]},
"status":"SCHEDULED","settlementDate":"2023-08-31","settlementCurrency":"KRW","isForTest":false,"userDefinedProperties":[],
"amount":{"settlement":4450,"settlementTaxFree":0,"payment":5000,"paymentVat":454,"paymentVatBurden":0,"paymentTaxFree":0,"paymentSupply":4546,"order":5000,"orderTaxFree":0,"platformFee":500,"platformFeeVat":50,"additionalFee":0,"additionalFeeVat":0,"discount":0,"discountTaxFree":0,"discountShare":0,"discountShareTaxFree":0,"userDefinedFormulas":{"BONUS":7},"newAmount":{"x":1,"accountNo":"123-456-789012"}},
"contract":{"id":"c-1","graphqlId":"gc","name":"기본","platformFee":{"type":"FIXED_RATE","rate":10000},"platformFeeVatPayer":"PARTNER","appliedAt":"2023-08-01T00:00:00Z"},
"payment":{"type":"EXTERNAL","id":"pay-1","currency":"KRW"},"settlementStartDate":"2023-08-12",
"orderLines":[{"product":{"id":"sku-1","name":"상품","amount":5000,"taxFreeAmount":0},"quantity":1,
 "discounts":[{"sharePolicy":{"id":"d-1","graphqlId":"gd","name":"반반","partnerShareRate":50000,"isArchived":false,"appliedAt":"2023-08-01T00:00:00Z","isForTest":false},"amount":100,"taxFreeAmount":0,"shareAmount":50,"shareTaxFreeAmount":0}],
 "additionalFees":[{"policy":{"id":"f-1","graphqlId":"gf","name":"PG","fee":{"type":"FIXED_RATE","rate":3300},"vatPayer":"PARTNER","isArchived":false,"appliedAt":"2023-08-01T00:00:00Z","isForTest":false},"amount":30,"vat":3}],
 "amount":{"settlement":4450,"settlementTaxFree":0,"payment":5000,"paymentVat":454,"paymentVatBurden":0,"paymentTaxFree":0,"paymentSupply":4546,"order":5000,"orderTaxFree":0,"platformFee":500,"platformFeeVat":50,"additionalFee":30,"additionalFeeVat":3,"discount":100,"discountTaxFree":0,"discountShare":50,"discountShareTaxFree":0,"userDefinedFormulas":{}}}],
"additionalFees":[],"discounts":[],"parameters":{},
"settlementTo":{"bankAccountNumber":"123-456-789012","kept":1},"bigNumber":9007199254740993}`

// TestObserveCreatedTrimsTheSentBytes: a create's answer is trimmed from
// the bytes PortOne sent: the same domain transfer as Observe, every
// snapshot (partner, contract, each discount's and fee's policy) reduced
// to its id and name, the amount blocks left to Transfer but for members
// this package does not know, no account anywhere, and every other value
// as sent.
func TestObserveCreatedTrimsTheSentBytes(t *testing.T) {
	var a transferAnswer
	if err := json.Unmarshal([]byte(`{"transfer":`+sentAnswer+`}`), &a); err != nil {
		t.Fatal(err)
	}
	if string(a.raw) != sentAnswer {
		t.Fatalf("raw is not the transfer as sent:\n%s", a.raw)
	}
	res := CreateResult{Transfer: a.transfer, Raw: a.raw}
	o, re := ObserveCreated(res), Observe(res.Transfer)
	if fmt.Sprint(o.Transfer, o.ID, o.Status, o.Negated) != fmt.Sprint(re.Transfer, re.ID, re.Status, re.Negated) {
		t.Errorf("ObserveCreated = %+v, Observe = %+v", o, re)
	}
	if o.Transfer.Amounts.PaymentVat != 454 || o.Transfer.UserDefined["BONUS"] != 7 || o.Transfer.Lines[0].Amounts.DiscountShare != 50 {
		t.Errorf("amounts not kept in Transfer: %+v", o.Transfer)
	}
	raw := string(o.Raw)
	for _, leak := range []string{"123-456-789012", "KOOKMIN", "account", "Account", "홍길동", "partnerShareRate", "vatPayer", "appliedAt", "gd", "gf", "tags",
		`"settlement":`, "paymentVat", "userDefinedFormulas", "BONUS"} {
		if strings.Contains(raw, leak) {
			t.Errorf("Raw keeps %q: %s", leak, raw)
		}
	}
	for _, want := range []string{
		`"partner":{"id":"p-1","name":"가게 <A&B>"}`, `"contract":{"id":"c-1","name":"기본"}`,
		`"sharePolicy":{"id":"d-1","name":"반반"}`, `"policy":{"id":"f-1","name":"PG"}`,
		`"settlementTo":{"kept":1}`, `"bigNumber":9007199254740993`, `"shareAmount":50`, `"amount":{"newAmount":{"x":1}}`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("Raw lacks %s: %s", want, raw)
		}
	}
	// Encoded again and trimmed, the decoded answer says the same, but for
	// the amount's member this package does not know (SettlementAmount
	// keeps none): the bytes sent keep it.
	var fromSent, fromDecoded map[string]any
	if err := json.Unmarshal(o.Raw, &fromSent); err != nil {
		t.Fatal(err)
	}
	delete(fromSent, "amount")
	if err := json.Unmarshal(re.Raw, &fromDecoded); err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprint(fromSent), fmt.Sprint(fromDecoded); a != b {
		t.Errorf("trimmed from the bytes sent:\n%s\nfrom the decoded answer:\n%s", a, b)
	}
}

// TestObserveCreatedFallsBack: bytes that cannot be trimmed (not one JSON
// object, invalid UTF-8, a repeated member) leave Raw to the decoded
// answer encoded again, never empty and never untrimmed.
func TestObserveCreatedFallsBack(t *testing.T) {
	var w Transfer
	if err := json.Unmarshal([]byte(sentAnswer), &w); err != nil {
		t.Fatal(err)
	}
	want := string(Observe(w).Raw)
	for _, sent := range []string{"", "null", `[1]`, sentAnswer + ` {}`, strings.Replace(sentAnswer, `"상품"`, "\"\xff\"", 1),
		strings.Replace(sentAnswer, `"status":"SCHEDULED"`, `"status":"SCHEDULED","status":"SCHEDULED"`, 1)} {
		if got := string(ObserveCreated(CreateResult{Transfer: w, Raw: json.RawMessage(sent)}).Raw); got != want {
			t.Errorf("sent %.40q: Raw = %s, want %s", sent, got, want)
		}
	}
}

// TestCreateKeepsTheSentBytes: the client hands back the transfer's bytes
// with the decoded transfer, for a create and for an adoption's GET.
func TestCreateKeepsTheSentBytes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replies []http.HandlerFunc
		adopted bool
	}{
		{"created", []http.HandlerFunc{reply(200, `{"other":{"transfer":1},"transfer":`+orderTransferJSON+`}`)}, false},
		{"adopted", []http.HandlerFunc{reply(409, `{"type":"PLATFORM_TRANSFER_ID_ALREADY_USED"}`), reply(200, orderTransferJSON)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, tc.replies...)
			c, _ := testClient(t, s.srv.URL)
			res, err := c.CreateOrderTransfer(context.Background(), orderBody())
			if err != nil {
				t.Fatal(err)
			}
			if res.Adopted != tc.adopted || res.Transfer.ID != "tr-order-1" || string(res.Raw) != orderTransferJSON {
				t.Errorf("CreateOrderTransfer = adopted %t, id %q, raw %s", res.Adopted, res.Transfer.ID, res.Raw)
			}
		})
	}
}

// BenchmarkCreateAnswer: a create's answer from the bytes on the wire to
// what the store keeps, the way posting did it (decode, then Observe, which
// encodes the transfer again to trim it) and the way it does it now.
func BenchmarkCreateAnswer(b *testing.B) {
	body := []byte(`{"transfer":` + sentAnswer + `}`)
	b.Run("decode+Observe", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out struct {
				Transfer Transfer `json:"transfer"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
			Observe(out.Transfer)
		}
	})
	b.Run("ObserveCreated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out transferAnswer
			if err := decodeAnswer(body, &out); err != nil {
				b.Fatal(err)
			}
			ObserveCreated(CreateResult{Transfer: out.transfer, Raw: out.raw})
		}
	})
}

// TestCreateAnswerDecodesAsEncodingJSON: a create's answer decodes to what
// encoding/json makes of {"transfer": …}: the last member of a repeated
// name, a name in other case, null or no member (a zero transfer), and the
// same refusals (not an object, a second value, a member that is not a
// transfer).
func TestCreateAnswerDecodesAsEncodingJSON(t *testing.T) {
	one := `{"type":"ORDER","id":"t-1","status":"SCHEDULED"}`
	two := `{"type":"ORDER","id":"t-2","status":"SETTLED"}`
	for _, body := range []string{
		`{"transfer":` + one + `}`,
		`{"transfer":` + one + `,"transfer":` + two + `}`,
		`{"TRANSFER":` + one + `}`,
		`{"Transfer":` + one + `,"other":[1,{"a":"\u00e9"}]}`,
		`{"transfer":null}`,
		`{}`,
		`{"other":"a` + "\xff" + `b","transfer":` + one + `}`,
		`[` + one + `]`,
		`{"transfer":` + one + `} {}`,
		`{"transfer":"t-1"}`,
		`{"transfer":` + one + `,}`,
		`null`,
	} {
		var got transferAnswer
		gerr := decodeAnswer([]byte(body), &got)
		var want struct {
			Transfer sentTransfer `json:"transfer"`
		}
		werr := json.Unmarshal([]byte(body), &want)
		if (gerr != nil) != (werr != nil) {
			t.Errorf("%s: error %v, encoding/json's %v", body, gerr, werr)
			continue
		}
		if gerr == nil && (got.transfer.ID != want.Transfer.transfer.ID || string(got.raw) != string(want.Transfer.raw)) {
			t.Errorf("%s: decoded %q (%s), encoding/json %q (%s)", body, got.transfer.ID, got.raw, want.Transfer.transfer.ID, want.Transfer.raw)
		}
	}
}
