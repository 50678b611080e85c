package intake

import (
	"bytes"
	"encoding/json"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
// CreatePlatformOrderTransferBody plus paidAt, decoded and validated.
//
// Body is what settle will post: settlementStartDate filled in when it was
// absent, the required arrays as [], and no isForTest (the test query
// parameter of every call decides, not the deprecated body flag). JSON is
// the record as stored: Body plus "type", "paidAt" and the record's unknown
// fields. Two postings of the same order have the same JSON up to key order
// (the store compares canonical forms); it is what tells a duplicate from a
// conflict.
type OrderRecord struct {
	Body   transfer.CreateOrderTransferBody
	PaidAt time.Time
	Order  settlement.Order
	JSON   json.RawMessage

	canonical []byte // JSON's canonical form (store.CanonicalRequest), made with it
}

// Key names the record in logs, errors and the store: "ORDER partner/payment".
func (r *OrderRecord) Key() string { return OrderKey(r.Body.PartnerID, r.Body.PaymentID) }

// CancelRecord is a cancellation as a marketplace registers it: PortOne's
// CreatePlatformOrderCancelTransferBody plus cancelledAt. partnerId and
// paymentId are required here (PortOne lets transferId replace them; settle
// chooses the transfer itself). Body and JSON are as for OrderRecord, with
// "type" ORDER_CANCEL and "cancelledAt".
type CancelRecord struct {
	Body         transfer.CreateOrderCancelTransferBody
	CancelledAt  time.Time
	Cancellation settlement.Cancellation
	JSON         json.RawMessage

	canonical []byte // see OrderRecord
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

// ---- the wire form of a record ----

// orderBody and cancelBody are PortOne's bodies without their methods, so
// that the JSON decoder can embed them in the record types below.
type (
	orderBody  transfer.CreateOrderTransferBody
	cancelBody transfer.CreateOrderCancelTransferBody
)

// orderInput is an order record as it arrives, whatever carries it: the
// JSON of the HTTP API, a JSON Lines line or `settle preview`, or the rows
// of a CSV record (built field by field). Unknown holds the record's own
// top-level fields that PortOne's body does not have, verbatim.
type orderInput struct {
	orderBody
	Type      string         `json:"type,omitempty"`
	PaidAt    string         `json:"paidAt,omitempty"`
	IsForTest *bool          `json:"isForTest,omitempty"` // shadows the body's: checked, never stored
	Unknown   jsontext.Value `json:",embed"`
}

// cancelInput is a cancellation record as it arrives; see orderInput.
type cancelInput struct {
	cancelBody
	Type        string         `json:"type,omitempty"`
	CancelledAt string         `json:"cancelledAt,omitempty"`
	IsForTest   *bool          `json:"isForTest,omitempty"`
	Unknown     jsontext.Value `json:",embed"`
}

// recordProbe reads what decides a JSON record's type.
type recordProbe struct {
	Type           jsontext.Value `json:"type"`
	CancellationID jsontext.Value `json:"cancellationId"`
}

// DecodeRecord decodes and validates one JSON record of either type with
// the rules r. A record whose "type" is ORDER_CANCEL, or that has a
// cancellationId, is a cancellation; when both say something they must
// agree. Errors are *settlement.Error naming the field at fault.
func (r Rules) DecodeRecord(data []byte) (Record, error) {
	return r.decode(data, "")
}

// DecodeOrder decodes and validates one order record (POST /v1/orders).
func (r Rules) DecodeOrder(data []byte) (*OrderRecord, error) {
	rec, err := r.decode(data, TypeOrder)
	return rec.Order, err
}

// DecodeCancel decodes and validates one cancellation record (POST /v1/cancellations).
func (r Rules) DecodeCancel(data []byte) (*CancelRecord, error) {
	rec, err := r.decode(data, TypeOrderCancel)
	return rec.Cancel, err
}

// DecodeRecord decodes one record with the default rules in loc: live
// mode, no horizon (see Rules).
func DecodeRecord(data []byte, loc *time.Location) (Record, error) {
	return Rules{Location: loc}.DecodeRecord(data)
}

// decode is the one JSON decoder of a record: strict JSON (valid UTF-8,
// no duplicate names, no data after the object), PortOne's body shape with
// unknown fields kept at the top level only, then the one validator.
func (r Rules) decode(data []byte, want string) (Record, error) {
	if rec, ok := r.decodeOrderFast(data, want); ok {
		return rec, nil
	}
	typ, terr := jsonRecordType(data, want)
	if terr != nil {
		return Record{}, terr
	}
	if typ == TypeOrderCancel {
		var in cancelInput
		if err := decodeStrict(data, &in, &in.Unknown, cancelNames); err != nil {
			return Record{}, err
		}
		c, err := r.cancel(&in, nil)
		if err != nil {
			return Record{}, err
		}
		return Record{Cancel: c}, nil
	}
	var in orderInput
	if err := decodeStrict(data, &in, &in.Unknown, orderNames); err != nil {
		return Record{}, err
	}
	o, err := r.order(&in, nil)
	if err != nil {
		return Record{}, err
	}
	return Record{Order: o}, nil
}

// jsonRecordType reads "type" and cancellationId. want, when not "", is the
// type the caller expects (the endpoint).
func jsonRecordType(data []byte, want string) (string, *settlement.Error) {
	var p recordProbe
	// Duplicates are refused by the decode that follows (decodeStrict).
	if err := jsonv2.Unmarshal(data, &p, jsontext.AllowDuplicateNames(true)); err != nil {
		return "", jsonError(err)
	}
	var declared string
	if len(p.Type) > 0 && p.Type.Kind() != 'n' {
		if p.Type.Kind() != '"' {
			return "", invalid("type", "want %q or %q, got JSON %s", TypeOrder, TypeOrderCancel, kindName(p.Type.Kind()))
		}
		_ = jsonv2.Unmarshal(p.Type, &declared)
		if declared == "" {
			return "", invalid("type", "want %q or %q, got %q", TypeOrder, TypeOrderCancel, "")
		}
	}
	hasCancel := len(p.CancellationID) > 0 && p.CancellationID.Kind() != 'n'
	return recordType(declared, hasCancel, want)
}

// recordType decides a record's type from its declared "type" (may be "")
// and whether it has a cancellationId; want, when not "", is the type the
// caller expects (an endpoint, or a CSV row type).
func recordType(declared string, hasCancel bool, want string) (string, *settlement.Error) {
	switch {
	case declared != "" && declared != TypeOrder && declared != TypeOrderCancel:
		return "", invalid("type", "want %q or %q, got %q", TypeOrder, TypeOrderCancel, clip(declared))
	case declared == TypeOrder && hasCancel:
		return "", invalid("type", "is %q but the record has a cancellationId", TypeOrder)
	case want != "" && declared != "" && declared != want:
		return "", invalid("type", "want %q here, got %q", want, declared)
	case want == TypeOrder && hasCancel:
		return "", invalid("cancellationId", "not allowed on an %s record", want)
	case want == TypeOrderCancel && !hasCancel:
		return "", invalid("cancellationId", "required")
	case want != "":
		return want, nil
	case declared != "":
		return declared, nil
	case hasCancel:
		return TypeOrderCancel, nil
	}
	return TypeOrder, nil
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

// fastDecodeMax is the largest record decodeOrderFast takes: the
// duplicate check of a one-pass decode remembers every name, which for a
// record of many unknown members is what decodeStrict avoids.
const fastDecodeMax = 64 << 10

// decodeOrderFast is decode for the common record, an order that says
// nothing of its type, in one strict pass instead of three (the type
// probe, the decode, the duplicate check). It takes only a record that
// cannot name "type" or "cancellationId" (neither appears, and no escape
// could spell them), and keeps only a success: anything the pass refuses
// is decoded again the full way, so every error is the one decode gives.
func (r Rules) decodeOrderFast(data []byte, want string) (Record, bool) {
	if len(data) > fastDecodeMax || want == TypeOrderCancel || bytes.IndexByte(data, '\\') >= 0 ||
		bytes.Contains(data, []byte(`"type"`)) || bytes.Contains(data, []byte(`"cancellationId"`)) {
		return Record{}, false
	}
	var in orderInput
	if err := jsonv2.Unmarshal(data, &in, jsonv2.RejectUnknownMembers(true)); err != nil {
		return Record{}, false
	}
	o, err := r.order(&in, nil)
	if err != nil {
		return Record{}, false
	}
	return Record{Order: o}, true
}
