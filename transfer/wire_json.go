package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// UnmarshalJSON keeps unknown fields in Extra.
func (s *PartnerSettlement) UnmarshalJSON(data []byte) error {
	type plain PartnerSettlement
	return unmarshalKeeping(data, (*plain)(s), &s.Extra)
}

// MarshalJSON encodes the settlement with its Extra fields.
func (s PartnerSettlement) MarshalJSON() ([]byte, error) {
	type plain PartnerSettlement
	return marshalKeeping(plain(s), s.Extra)
}

// UnmarshalJSON keeps unknown fields in Extra.
func (p *Payout) UnmarshalJSON(data []byte) error {
	type plain Payout
	return unmarshalKeeping(data, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes the payout with its Extra fields.
func (p Payout) MarshalJSON() ([]byte, error) {
	type plain Payout
	return marshalKeeping(plain(p), p.Extra)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MarshalJSON sends discounts and additionalFees as [] when empty.
func (l OrderLineInput) MarshalJSON() ([]byte, error) {
	type plain OrderLineInput
	l.Discounts = orEmpty(l.Discounts)
	l.AdditionalFees = orEmpty(l.AdditionalFees)
	return marshal(plain(l))
}

// MarshalJSON sends discounts as [] when empty.
func (l CancelOrderLineInput) MarshalJSON() ([]byte, error) {
	type plain CancelOrderLineInput
	l.Discounts = orEmpty(l.Discounts)
	return marshal(plain(l))
}

// MarshalJSON sends discounts and additionalFees as [] when empty.
func (b CreateOrderTransferBody) MarshalJSON() ([]byte, error) {
	type plain CreateOrderTransferBody
	b.Discounts = orEmpty(b.Discounts)
	b.AdditionalFees = orEmpty(b.AdditionalFees)
	return marshal(plain(b))
}

// MarshalJSON sends discounts as [] when empty.
func (b CreateOrderCancelTransferBody) MarshalJSON() ([]byte, error) {
	type plain CreateOrderCancelTransferBody
	b.Discounts = orEmpty(b.Discounts)
	return marshal(plain(b))
}

// MarshalJSON sends daysOfWeek as [] when empty.
func (w WeeklyInput) MarshalJSON() ([]byte, error) {
	type plain WeeklyInput
	w.DaysOfWeek = orEmpty(w.DaysOfWeek)
	return json.Marshal(plain(w))
}

// MarshalJSON sends daysOfMonth as [] when empty.
func (m MonthlyInput) MarshalJSON() ([]byte, error) {
	type plain MonthlyInput
	m.DaysOfMonth = orEmpty(m.DaysOfMonth)
	return json.Marshal(plain(m))
}

// MarshalJSON sends dates as [] when empty.
func (m ManualDatesInput) MarshalJSON() ([]byte, error) {
	type plain ManualDatesInput
	m.Dates = orEmpty(m.Dates)
	return json.Marshal(plain(m))
}

// jsonNames lists the JSON names of t's fields (t a struct type).
func jsonNames(t reflect.Type) map[string]bool {
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	return names
}

// unmarshalKeeping decodes a response type that keeps unknown fields. P is
// the type's plain twin (type plain T: the same fields without the methods,
// so decoding does not call UnmarshalJSON again) and dst the value being
// decoded, seen as a *P; extra is the value's Extra. data is decoded into a
// fresh P, which then replaces *dst, and *extra is set to the members P has
// no field for. On error *dst is left as it was.
func unmarshalKeeping[P any](data []byte, dst *P, extra *map[string]json.RawMessage) error {
	var v P
	if err := unmarshal(data, &v); err != nil {
		return err
	}
	unknown, err := unknownMembers(data, knownNames(reflect.TypeFor[P]()))
	if err != nil {
		return err
	}
	*dst = v
	*extra = unknown
	return nil
}

// knownNames caches jsonNames by type: every answer PortOne sends is
// decoded through unmarshalKeeping.
var knownNames = func() func(reflect.Type) map[string]bool {
	var cache sync.Map // reflect.Type → map[string]bool, read-only once stored
	return func(t reflect.Type) map[string]bool {
		if m, ok := cache.Load(t); ok {
			return m.(map[string]bool)
		}
		m, _ := cache.LoadOrStore(t, jsonNames(t))
		return m.(map[string]bool)
	}
}()

// unknownMembers returns the members of the JSON object data whose names
// are not in known, each as sent (the last one of a name sent twice, as
// encoding/json keeps it). data has been decoded already (unmarshalKeeping
// calls it on what unmarshal accepted), so it is walked without being
// checked again: gjson steps over the members' values without tokenizing
// them and copies only the unknown ones. Decoding every member into a map
// of raw values was a fifth of posting's CPU time, and a jsontext scan of
// the members 5 %. null has no members.
func unknownMembers(data []byte, known map[string]bool) (map[string]json.RawMessage, error) {
	v := gjson.ParseBytes(data)
	switch {
	case v.Type == gjson.Null:
		return nil, nil
	case !v.IsObject():
		return nil, fmt.Errorf("want a JSON object, got %.20s", v.Raw)
	}
	var unknown map[string]json.RawMessage
	v.ForEach(func(name, value gjson.Result) bool {
		k := name.Str
		if !utf8.ValidString(k) {
			k = string([]rune(k)) // each invalid byte U+FFFD, as encoding/json decodes a name
		}
		if known[k] {
			return true
		}
		if unknown == nil {
			unknown = map[string]json.RawMessage{}
		}
		unknown[k] = json.RawMessage(value.Raw)
		return true
	})
	return unknown, nil
}

// marshalKeeping encodes v and appends the extra members (sorted by name)
// that the encoding does not already carry.
func marshalKeeping(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(b, &present); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if _, ok := present[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.Write(bytes.TrimSuffix(bytes.TrimSpace(b), []byte("}")))
	empty := bytes.Equal(bytes.TrimSpace(b), []byte("{}"))
	for _, k := range keys {
		if !empty {
			buf.WriteByte(',')
		}
		empty = false
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		if len(extra[k]) == 0 {
			buf.WriteString("null")
		} else {
			buf.Write(extra[k])
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON decodes a PlatformTransfer, keeping unknown fields in Extra.
func (t *Transfer) UnmarshalJSON(data []byte) error {
	type plain Transfer
	return unmarshalKeeping(data, (*plain)(t), &t.Extra)
}

// MarshalJSON encodes the transfer with its Extra fields. The arrays and
// objects the schema requires of its branch are always present: [] for
// userDefinedProperties and, on ORDER and ORDER_CANCEL, for orderLines,
// additionalFees and discounts (omitted by the struct tags when empty), and
// {} for parameters.
func (t Transfer) MarshalJSON() ([]byte, error) {
	type plain Transfer
	t.UserDefinedProperties = orEmpty(t.UserDefinedProperties)
	extra := t.Extra
	if t.Type == "ORDER" || t.Type == "ORDER_CANCEL" {
		if len(t.Parameters) == 0 {
			t.Parameters = json.RawMessage(`{}`)
		}
		extra = make(map[string]json.RawMessage, len(t.Extra)+3)
		for k, v := range t.Extra {
			extra[k] = v
		}
		for name, empty := range map[string]bool{"orderLines": len(t.OrderLines) == 0, "additionalFees": len(t.AdditionalFees) == 0, "discounts": len(t.Discounts) == 0} {
			if empty {
				extra[name] = json.RawMessage(`[]`)
			}
		}
	}
	return marshalKeeping(plain(t), extra)
}

// UnmarshalJSON decodes a PlatformContract, keeping unknown fields in Extra.
func (c *Contract) UnmarshalJSON(data []byte) error {
	type plain Contract
	return unmarshalKeeping(data, (*plain)(c), &c.Extra)
}

// MarshalJSON encodes the contract with its Extra fields.
func (c Contract) MarshalJSON() ([]byte, error) {
	type plain Contract
	return marshalKeeping(plain(c), c.Extra)
}

// UnmarshalJSON decodes a PlatformDiscountSharePolicy, keeping unknown fields in Extra.
func (p *DiscountSharePolicy) UnmarshalJSON(data []byte) error {
	type plain DiscountSharePolicy
	return unmarshalKeeping(data, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes the policy with its Extra fields.
func (p DiscountSharePolicy) MarshalJSON() ([]byte, error) {
	type plain DiscountSharePolicy
	return marshalKeeping(plain(p), p.Extra)
}

// UnmarshalJSON decodes a PlatformAdditionalFeePolicy, keeping unknown fields in Extra.
func (p *AdditionalFeePolicy) UnmarshalJSON(data []byte) error {
	type plain AdditionalFeePolicy
	return unmarshalKeeping(data, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes the policy with its Extra fields.
func (p AdditionalFeePolicy) MarshalJSON() ([]byte, error) {
	type plain AdditionalFeePolicy
	return marshalKeeping(plain(p), p.Extra)
}

// UnmarshalJSON decodes a PlatformTransferSummary, keeping unknown fields in Extra.
func (s *TransferSummary) UnmarshalJSON(data []byte) error {
	type plain TransferSummary
	return unmarshalKeeping(data, (*plain)(s), &s.Extra)
}

// MarshalJSON encodes the summary with its Extra fields.
func (s TransferSummary) MarshalJSON() ([]byte, error) {
	type plain TransferSummary
	return marshalKeeping(plain(s), s.Extra)
}

// UnmarshalJSON decodes a PlatformPartner, keeping unknown fields in Extra.
func (p *Partner) UnmarshalJSON(data []byte) error {
	type plain Partner
	return unmarshalKeeping(data, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes the partner with its Extra fields.
func (p Partner) MarshalJSON() ([]byte, error) {
	type plain Partner
	return marshalKeeping(plain(p), p.Extra)
}

// MarshalJSON sends tags as [] when empty.
func (b CreatePartnerBody) MarshalJSON() ([]byte, error) {
	type plain CreatePartnerBody
	b.Tags = orEmpty(b.Tags)
	return json.Marshal(plain(b))
}
