package jobs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// The PortOne request of a transfer intent is the stored record's body
// with the fields settle decides: the client transfer id, the contract,
// the settlement start date, and for a cancel the order transfer it
// cancels. It is built once, when the record is settled, and stored with
// the intent: every attempt posts the same bytes.
//
// A record is stored as intake wrote it: PortOne's body encoded by
// encoding/json (so each value is already in the form encoding/json
// writes), then the record's own fields. The request is therefore made
// without decoding the body: each of the body type's members is copied as
// it is stored, in the body type's field order, with the decided fields
// put in; the record's own and unknown fields are left out. That is the
// same bytes as decoding the record into the body type and encoding it
// again (TestRequestFromRecordMatchesTyped), for a fraction of the cost;
// a record this cannot read is composed the slow way.

// bodyField is one member of a PortOne request body.
type bodyField struct {
	name  string
	empty func([]byte) bool // the stored values omitempty leaves out; nil: none
}

// bodyShape is the member order of a body type and each name's index.
type bodyShape struct {
	fields []bodyField
	index  map[string]int
}

func shapeOf(t reflect.Type) *bodyShape {
	s := &bodyShape{index: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		bf := bodyField{name: name}
		if strings.Contains(opts, "omitempty") {
			bf.empty = emptyOf(f.Type)
		}
		s.index[name] = len(s.fields)
		s.fields = append(s.fields, bf)
	}
	return s
}

var (
	orderShape  = shapeOf(reflect.TypeFor[transfer.CreateOrderTransferBody]())
	cancelShape = shapeOf(reflect.TypeFor[transfer.CreateOrderCancelTransferBody]())
)

// compose writes the request of shape from the top-level members of
// record, with set overriding members (an empty value: the member is left
// out, as omitempty does). ok is false when record is not a JSON object
// this can copy from: one intake did not write (it always writes "type"
// after the body).
func (s *bodyShape) compose(record []byte, set map[string]string) ([]byte, bool) {
	vals := make([][]byte, len(s.fields))
	typed := false
	ok := eachMember(record, func(name string, v []byte) {
		typed = typed || name == "type"
		if i, ok := s.index[name]; ok {
			if e := s.fields[i].empty; e != nil && e(v) {
				return
			}
			vals[i] = v
		}
	})
	if !ok || !typed {
		return nil, false
	}
	out := make([]byte, 0, len(record)+len(set)*48)
	out = append(out, '{')
	for i, f := range s.fields {
		v := []byte(vals[i])
		if x, ok := set[f.name]; ok {
			if x == "" {
				continue
			}
			q, err := json.Marshal(x)
			if err != nil {
				return nil, false
			}
			v = q
		}
		if v == nil {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, f.name...)
		out = append(out, '"', ':')
		out = append(out, v...)
	}
	return append(out, '}'), true
}

// eachMember calls fn with the name and the value (as written) of each
// member of the JSON object b, in order. It reads the object's outline
// only, trusting what the store holds to be JSON; ok is false for anything
// else, and for a name written with escapes (none of PortOne's is).
func eachMember(b []byte, fn func(name string, v []byte)) (ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for i < len(b) && b[i] == '"' {
		end := skipString(b, i)
		if end < 0 || bytes.IndexByte(b[i:end], '\\') >= 0 {
			return false
		}
		name := string(b[i+1 : end-1])
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		end = skipValue(b, i)
		if end < 0 {
			return false
		}
		fn(name, b[i:end])
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return skipSpace(b, i+1) == len(b)
		}
		return false
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i], or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				if j = skipString(b, j); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// emptyOf says which stored values of a field of type t decode to what
// omitempty leaves out when encoded again.
func emptyOf(t reflect.Type) func([]byte) bool {
	switch {
	case t == reflect.TypeFor[json.RawMessage]():
		return nil // a stored null decodes to the raw "null", which is encoded
	case t.Kind() == reflect.String:
		return func(v []byte) bool { return string(v) == `""` || string(v) == "null" }
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Map:
		return func(v []byte) bool { return string(v) == "[]" || string(v) == "{}" || string(v) == "null" }
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface:
		return func(v []byte) bool { return string(v) == "null" }
	}
	return nil
}

// orderRequest is the PortOne request of the order transfer of rec under
// contractID.
func orderRequest(rec *store.OrderRecord, contractID string) ([]byte, error) {
	o := &rec.Order
	id := string(store.IntentID(o.PartnerID, o.PaymentID, settlement.KindOrder, "", rec.Generation))
	start := o.SettlementStartDate.String() // always explicit (DESIGN.md §3)
	if b, ok := orderShape.compose(rec.Request, map[string]string{"id": id, "contractId": contractID, "settlementStartDate": start}); ok {
		return b, nil
	}
	return orderRequestTyped(rec, contractID)
}

// orderRequestTyped is orderRequest the slow way: the stored record decoded
// into PortOne's body type and encoded again.
func orderRequestTyped(rec *store.OrderRecord, contractID string) ([]byte, error) {
	o := &rec.Order
	id := string(store.IntentID(o.PartnerID, o.PaymentID, settlement.KindOrder, "", rec.Generation))
	start := o.SettlementStartDate.String()
	var body transfer.CreateOrderTransferBody
	if err := json.Unmarshal(rec.Request, &body); err != nil {
		return nil, &settlement.Error{Type: settlement.ErrInvalidRequest, Message: "stored request: " + err.Error()}
	}
	body.ID, body.ContractID, body.SettlementStartDate = id, contractID, start
	return json.Marshal(body)
}

// cancelRequest is the PortOne request of the cancel transfer of rec, whose
// order is of generation orderGen.
func cancelRequest(rec *store.CancellationRecord, orderGen int) ([]byte, error) {
	id := string(store.IntentID(rec.PartnerID, rec.PaymentID, settlement.KindOrderCancel, rec.Cancellation.CancellationID, rec.Generation))
	// Name the order transfer by the id we gave it: PortOne requires
	// transferId when a payment has several transfers, and it is never wrong.
	order := string(store.IntentID(rec.PartnerID, rec.PaymentID, settlement.KindOrder, "", orderGen))
	start := rec.Cancellation.SettlementStartDate.String()
	set := map[string]string{"id": id, "transferId": order, "partnerId": "", "paymentId": "", "settlementStartDate": start}
	if b, ok := cancelShape.compose(rec.Request, set); ok {
		return b, nil
	}
	return cancelRequestTyped(rec, orderGen)
}

// cancelRequestTyped is cancelRequest the slow way (see orderRequestTyped).
func cancelRequestTyped(rec *store.CancellationRecord, orderGen int) ([]byte, error) {
	id := string(store.IntentID(rec.PartnerID, rec.PaymentID, settlement.KindOrderCancel, rec.Cancellation.CancellationID, rec.Generation))
	order := string(store.IntentID(rec.PartnerID, rec.PaymentID, settlement.KindOrder, "", orderGen))
	start := rec.Cancellation.SettlementStartDate.String()
	var body transfer.CreateOrderCancelTransferBody
	if err := json.Unmarshal(rec.Request, &body); err != nil {
		return nil, &settlement.Error{Type: settlement.ErrInvalidRequest, Message: "stored request: " + err.Error()}
	}
	body.ID, body.TransferID, body.PartnerID, body.PaymentID, body.SettlementStartDate = id, order, "", "", start
	return json.Marshal(body)
}
