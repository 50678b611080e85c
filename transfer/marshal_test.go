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
