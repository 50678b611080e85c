package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// The record types of the one record shape (DESIGN.md §3). They are the
// names of PortOne's transfer types.
const (
	TypeOrder       = string(settlement.KindOrder)
	TypeOrderCancel = string(settlement.KindOrderCancel)
)

// OrderRecord is a paid order as a marketplace registers it: PortOne's
// CreatePlatformOrderTransferBody plus paidAt.
//
// JSON is the record as stored: the input object with every field kept
// (unknown ones included), "type" set to ORDER, settlementStartDate filled
// in when it was absent, absent required arrays set to [], and keys sorted.
// Two postings of the same order have the same JSON; it is what the store
// compares to tell a duplicate from a conflict.
type OrderRecord struct {
	Body   transfer.CreateOrderTransferBody
	PaidAt time.Time
	Order  settlement.Order
	JSON   json.RawMessage
}

// Key names the record in logs, errors and the store: "ORDER partner/payment".
func (r *OrderRecord) Key() string { return OrderKey(r.Body.PartnerID, r.Body.PaymentID) }

// CancelRecord is a cancellation as a marketplace registers it: PortOne's
// CreatePlatformOrderCancelTransferBody plus cancelledAt. partnerId and
// paymentId are required here (PortOne lets transferId replace them; settle
// chooses the transfer itself). JSON is as for OrderRecord, with "type" set
// to ORDER_CANCEL.
type CancelRecord struct {
	Body         transfer.CreateOrderCancelTransferBody
	CancelledAt  time.Time
	Cancellation settlement.Cancellation
	JSON         json.RawMessage
}

// Key names the record: "ORDER_CANCEL partner/cancellation".
func (r *CancelRecord) Key() string {
	return cancelKey(r.Body.PartnerID, r.Body.CancellationID)
}

// Record is one decoded record of either type: exactly one of Order and
// Cancel is set.
type Record struct {
	Order  *OrderRecord
	Cancel *CancelRecord
}

// Type is ORDER or ORDER_CANCEL.
func (r Record) Type() string {
	if r.Cancel != nil {
		return TypeOrderCancel
	}
	return TypeOrder
}

// Key is the record's key (see OrderRecord.Key and CancelRecord.Key).
func (r Record) Key() string {
	if r.Cancel != nil {
		return r.Cancel.Key()
	}
	if r.Order != nil {
		return r.Order.Key()
	}
	return ""
}

func (r Record) PartnerID() string {
	if r.Cancel != nil {
		return r.Cancel.Body.PartnerID
	}
	if r.Order != nil {
		return r.Order.Body.PartnerID
	}
	return ""
}

func (r Record) PaymentID() string {
	if r.Cancel != nil {
		return r.Cancel.Body.PaymentID
	}
	if r.Order != nil {
		return r.Order.Body.PaymentID
	}
	return ""
}

func (r Record) CancellationID() string {
	if r.Cancel != nil {
		return r.Cancel.Body.CancellationID
	}
	return ""
}

// JSON is the stored form of the record.
func (r Record) JSON() json.RawMessage {
	if r.Cancel != nil {
		return r.Cancel.JSON
	}
	if r.Order != nil {
		return r.Order.JSON
	}
	return nil
}

// OrderKey names an order record: "ORDER partner/payment".
func OrderKey(partner, payment string) string { return TypeOrder + " " + partner + "/" + payment }
func cancelKey(partner, cancellation string) string {
	return TypeOrderCancel + " " + partner + "/" + cancellation
}

// DecodeRecord decodes one JSON object of either type. A record whose
// "type" is ORDER_CANCEL, or that has a cancellationId, is a cancellation;
// when both say something they must agree. Errors are *settlement.Error
// naming the field at fault.
func DecodeRecord(data []byte, loc *time.Location) (Record, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return Record{}, err
	}
	typ, err := recordType(obj, "")
	if err != nil {
		return Record{}, err
	}
	if typ == TypeOrderCancel {
		c, err := decodeCancel(data, obj, loc)
		if err != nil {
			return Record{}, err
		}
		return Record{Cancel: c}, nil
	}
	o, err := decodeOrder(data, obj, loc)
	if err != nil {
		return Record{}, err
	}
	return Record{Order: o}, nil
}

// DecodeOrder decodes and validates one order record. loc is the business
// time zone (SETTLE_TZ) in which paidAt's date becomes the default
// settlementStartDate. Errors are *settlement.Error naming the field.
func DecodeOrder(data []byte, loc *time.Location) (*OrderRecord, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	if _, err := recordType(obj, TypeOrder); err != nil {
		return nil, err
	}
	return decodeOrder(data, obj, loc)
}

// DecodeCancel decodes and validates one cancellation record; see DecodeOrder.
func DecodeCancel(data []byte, loc *time.Location) (*CancelRecord, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	if _, err := recordType(obj, TypeOrderCancel); err != nil {
		return nil, err
	}
	return decodeCancel(data, obj, loc)
}

// recordType reads "type" and cancellationId. want, when not "", is the
// type the caller expects (an endpoint or a CSV row type).
func recordType(obj map[string]any, want string) (string, error) {
	var declared string
	if v, ok := obj["type"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return "", invalid("type", "want %q or %q, got %s", TypeOrder, TypeOrderCancel, jsonKind(v))
		}
		if s != TypeOrder && s != TypeOrderCancel {
			return "", invalid("type", "want %q or %q, got %q", TypeOrder, TypeOrderCancel, clip(s))
		}
		declared = s
	}
	_, hasCancel := obj["cancellationId"]
	if hasCancel && obj["cancellationId"] == nil {
		hasCancel = false
	}
	typ := declared
	switch {
	case declared == "" && hasCancel:
		typ = TypeOrderCancel
	case declared == "":
		typ = TypeOrder
	case declared == TypeOrder && hasCancel:
		return "", invalid("type", "is %q but the record has a cancellationId", TypeOrder)
	}
	if want != "" && typ != want {
		if declared == "" {
			// Only cancellationId said so: name it.
			return "", invalid("cancellationId", "not allowed on an %s record", want)
		}
		return "", invalid("type", "want %q here, got %q", want, declared)
	}
	return typ, nil
}

func decodeOrder(data []byte, obj map[string]any, loc *time.Location) (*OrderRecord, error) {
	var body transfer.CreateOrderTransferBody
	if err := unmarshalTyped(data, &body); err != nil {
		return nil, err
	}
	paidAt, err := instantField(obj, "paidAt")
	if err != nil {
		return nil, err
	}
	o, err := body.Order(paidAt, loc)
	if err != nil {
		return nil, asFieldError(err, "")
	}
	if err := checkOrderBody(&body); err != nil {
		return nil, err
	}
	if err := checkDates(o.SettlementStartDate, o.SettlementDate); err != nil {
		return nil, err
	}
	if body.SettlementStartDate == "" {
		body.SettlementStartDate = o.SettlementStartDate.String()
		obj["settlementStartDate"] = body.SettlementStartDate
	}
	normalizeOrderBody(&body)
	normalizeOrderObject(obj)
	obj["type"] = TypeOrder
	js, err := canonicalJSON(obj)
	if err != nil {
		return nil, err
	}
	return &OrderRecord{Body: body, PaidAt: paidAt, Order: o, JSON: js}, nil
}

func decodeCancel(data []byte, obj map[string]any, loc *time.Location) (*CancelRecord, error) {
	var body transfer.CreateOrderCancelTransferBody
	if err := unmarshalTyped(data, &body); err != nil {
		return nil, err
	}
	cancelledAt, err := instantField(obj, "cancelledAt")
	if err != nil {
		return nil, err
	}
	c, err := body.Cancellation(cancelledAt, loc)
	if err != nil {
		return nil, asFieldError(err, "")
	}
	if err := checkCancelBody(&body); err != nil {
		return nil, err
	}
	if err := checkDates(c.SettlementStartDate, c.SettlementDate); err != nil {
		return nil, err
	}
	if body.SettlementStartDate == "" {
		body.SettlementStartDate = c.SettlementStartDate.String()
		obj["settlementStartDate"] = body.SettlementStartDate
	}
	normalizeCancelBody(&body)
	normalizeCancelObject(obj)
	obj["type"] = TypeOrderCancel
	js, err := canonicalJSON(obj)
	if err != nil {
		return nil, err
	}
	return &CancelRecord{Body: body, CancelledAt: cancelledAt, Cancellation: c, JSON: js}, nil
}

// decodeObject parses data as exactly one JSON object, numbers kept as text.
func decodeObject(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, invalid("", "not UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("", "invalid JSON: data after the object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("", "want a JSON object, got %s", jsonKind(v))
	}
	return obj, nil
}

func syntaxProblem(err error) *settlement.Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid("", "invalid JSON at byte %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalid("", "invalid JSON: unexpected end of input")
	}
	return invalid("", "invalid JSON: %v", err)
}

// unmarshalTyped decodes data into a wire body; a type mismatch names the
// field by its JSON path.
func unmarshalTyped(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if obj, derr := decodeAny(data); derr == nil {
			if p, ok := locate(obj, strings.Split(te.Field, "."), te.Type, ""); ok {
				field = p
			}
		}
		return invalid(field, "want %s, got JSON %s", goKind(te.Type), te.Value)
	}
	return asFieldError(syntaxProblem(err), "")
}

func decodeAny(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// locate finds the first value along path (a json.UnmarshalTypeError
// field, which has no array indexes) that a Go value of type want cannot
// hold, and returns its path with the indexes filled in.
func locate(v any, path []string, want reflect.Type, at string) (string, bool) {
	if arr, ok := v.([]any); ok {
		for i, e := range arr {
			if p, ok := locate(e, path, want, fmt.Sprintf("%s[%d]", at, i)); ok {
				return p, true
			}
		}
		return "", false
	}
	if len(path) == 0 || (len(path) == 1 && path[0] == "") {
		return at, !fits(v, want)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	e, ok := obj[path[0]]
	if !ok {
		return "", false
	}
	next := path[0]
	if at != "" {
		next = at + "." + path[0]
	}
	if len(path) == 1 {
		if _, isArr := e.([]any); isArr && want != nil && want.Kind() != reflect.Slice {
			return locate(e, nil, want, next)
		}
		return next, !fits(e, want)
	}
	return locate(e, path[1:], want, next)
}

// fits reports whether a decoded JSON value can be decoded into want.
func fits(v any, want reflect.Type) bool {
	if want == nil || v == nil {
		return true
	}
	for want.Kind() == reflect.Pointer {
		want = want.Elem()
	}
	switch want.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(string(n), 10, want.Bits())
		return err == nil
	case reflect.String:
		_, ok := v.(string)
		return ok
	case reflect.Bool:
		_, ok := v.(bool)
		return ok
	case reflect.Slice, reflect.Array:
		_, ok := v.([]any)
		return ok
	case reflect.Struct, reflect.Map:
		_, ok := v.(map[string]any)
		return ok
	}
	return true
}

func goKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return goKind(t.Elem())
	}
	return t.String()
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// instantField reads a required RFC 3339 instant.
func instantField(obj map[string]any, name string) (time.Time, error) {
	v, ok := obj[name]
	if !ok || v == nil {
		return time.Time{}, invalid(name, "required (RFC 3339, e.g. 2025-10-01T14:30:00+09:00)")
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, invalid(name, "want an RFC 3339 string, got %s", jsonKind(v))
	}
	return parseInstant(name, s)
}

func parseInstant(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, invalid(name, "required (RFC 3339, e.g. 2025-10-01T14:30:00+09:00)")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid(name, "want RFC 3339 (e.g. 2025-10-01T14:30:00+09:00), got %q", clip(s))
	}
	return t, nil
}

// canonicalJSON is the stored form: sorted keys, no insignificant space,
// no HTML escaping, numbers as they came.
func canonicalJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, invalid("", "cannot encode record: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// The required arrays of PortOne's bodies may be omitted or null in a
// record; they are stored (and later sent) as [].

func normalizeOrderBody(b *transfer.CreateOrderTransferBody) {
	if b.Discounts == nil {
		b.Discounts = []transfer.DiscountInput{}
	}
	if b.AdditionalFees == nil {
		b.AdditionalFees = []transfer.AdditionalFeeInput{}
	}
	for i := range b.OrderDetail.OrderLines {
		l := &b.OrderDetail.OrderLines[i]
		if l.Discounts == nil {
			l.Discounts = []transfer.DiscountInput{}
		}
		if l.AdditionalFees == nil {
			l.AdditionalFees = []transfer.AdditionalFeeInput{}
		}
	}
}

func normalizeCancelBody(b *transfer.CreateOrderCancelTransferBody) {
	if b.Discounts == nil {
		b.Discounts = []transfer.DiscountInput{}
	}
	if b.OrderDetail != nil {
		for i := range b.OrderDetail.OrderLines {
			l := &b.OrderDetail.OrderLines[i]
			if l.Discounts == nil {
				l.Discounts = []transfer.DiscountInput{}
			}
		}
	}
}

func normalizeOrderObject(obj map[string]any) {
	ensureArray(obj, "discounts")
	ensureArray(obj, "additionalFees")
	for _, l := range orderLinesOf(obj) {
		ensureArray(l, "discounts")
		ensureArray(l, "additionalFees")
	}
}

func normalizeCancelObject(obj map[string]any) {
	ensureArray(obj, "discounts")
	for _, l := range orderLinesOf(obj) {
		ensureArray(l, "discounts")
	}
}

func orderLinesOf(obj map[string]any) []map[string]any {
	od, _ := obj["orderDetail"].(map[string]any)
	lines, _ := od["orderLines"].([]any)
	out := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		if m, ok := l.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func ensureArray(obj map[string]any, key string) {
	if v, ok := obj[key]; !ok || v == nil {
		obj[key] = []any{}
	}
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}
