package transfer

import (
	"bytes"
	"encoding/json"
	"testing"
)

// marshalProbe has every kind of field the create bodies have (strings,
// int64, *int64, omitempty, nested structs and slices of them, nil and
// empty slices, raw JSON), without MarshalJSON methods, so that
// encoding/json encodes it on its own.
type marshalProbe struct {
	ID       string          `json:"id,omitempty"`
	Name     string          `json:"name"`
	Amount   int64           `json:"amount"`
	TaxFree  *int64          `json:"taxFreeAmount,omitempty"`
	Lines    []marshalLine   `json:"orderLines"`
	Empty    []marshalLine   `json:"empty"`
	Nil      []marshalLine   `json:"nil"`
	Detail   *marshalLine    `json:"detail,omitempty"`
	Params   json.RawMessage `json:"parameters,omitempty"`
	Value    json.RawMessage `json:"value"`
	Flag     *bool           `json:"isForTest,omitempty"`
	Currency Currency        `json:"currency"`
}

type marshalLine struct {
	Product   ProductInput    `json:"product"`
	Quantity  int64           `json:"quantity"`
	Discounts []DiscountInput `json:"discounts"`
}

// FuzzMarshalAsEncodingJSON: marshal (goccy) encodes every kind of field
// the create bodies have to the bytes encoding/json makes: HTML
// characters, U+2028, invalid UTF-8, the ends of int64, raw JSON with
// spaces.
func FuzzMarshalAsEncodingJSON(f *testing.F) {
	f.Add("p-1", "상품 <A&B>", int64(5000), int64(2), []byte(`{"a": [1, 2], "b": "<x>"}`))
	f.Add("\u2028\u2029\xff\"\\\x00\x1f", "", int64(-1<<63), int64(1<<63-1), []byte(` "s" `))
	f.Fuzz(func(t *testing.T, id, name string, amount, qty int64, raw []byte) {
		tf, yes := amount/3, true
		line := marshalLine{Product: ProductInput{ID: id, Name: name, Amount: amount, TaxFreeAmount: &tf, Tag: name}, Quantity: qty,
			Discounts: []DiscountInput{{SharePolicyID: name, Amount: qty, TaxFreeAmount: &tf}}}
		v := marshalProbe{ID: id, Name: name, Amount: amount, TaxFree: &tf, Lines: []marshalLine{line, {}}, Empty: []marshalLine{}, Detail: &line,
			Flag: &yes, Currency: Currency(name), Value: json.RawMessage(`null`)}
		if json.Valid(raw) {
			v.Params, v.Value = raw, raw
		}
		for _, x := range []any{v, &v, marshalProbe{}} {
			want, werr := json.Marshal(x)
			got, gerr := marshal(x)
			if (werr == nil) != (gerr == nil) || !bytes.Equal(want, got) {
				t.Fatalf("marshal(%T) = %s, %v\nencoding/json: %s, %v", x, got, gerr, want, werr)
			}
		}
	})
}

// FuzzDecodeRequestAsEncodingJSON: a stored request body decodes through
// DecodeRequest to what encoding/json makes of it, whatever the bytes
// (names in other case, repeated names, unknown members, nulls).
func FuzzDecodeRequestAsEncodingJSON(f *testing.F) {
	f.Add(`{"id":"i","partnerId":"p","paymentId":"pay","orderDetail":{"orderLines":[{"product":{"id":"s","name":"상품","amount":5000},"quantity":2,"discounts":[{"sharePolicyId":"d","amount":100}],"additionalFees":[{"policyId":"f"}]}]},"discounts":[],"additionalFees":[],"parameters":{"a": 1}}`)
	f.Add(`{"ID":"x","id":"y","orderDetail":{"orderAmount":1},"taxFreeAmount":null,"other":[1]}`)
	f.Fuzz(func(t *testing.T, in string) {
		var want, got CreateOrderTransferBody
		werr := json.Unmarshal([]byte(in), &want)
		if werr != nil {
			return // a stored body is one settle encoded
		}
		if err := DecodeRequest([]byte(in), &got); err != nil {
			t.Fatalf("DecodeRequest(%q): %v; encoding/json decodes it", in, err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			t.Fatalf("DecodeRequest(%q) = %s\nencoding/json: %s", in, gb, wb)
		}
	})
}
