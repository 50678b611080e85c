package intake

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// A record's two JSON forms, made once when it is decoded:
//
//   - the stored form (storedForm): PortOne's body as encoding/json writes
//     it, in the body type's field order, then the record's own fields and
//     its unknown fields; jobs copies the body's members from it as they
//     are (settle_request.go), so its bytes must not change;
//   - its canonical form (store.CanonicalRequest: keys sorted, no white
//     space), whose hash tells a duplicate from a conflict.
//
// Both used to be made by reflection: encoding/json wrote the body (and
// compacted and validated each nested MarshalJSON's output again), and the
// store parsed the stored form back to sort it. Here both are written
// straight from the typed body, which the decoder has already checked: the
// same member writers in two orders (the struct's, and sorted by name).
// What this writer does not handle — a record with unknown fields,
// parameters or userDefinedProperties (free JSON), a string that needs
// escaping — takes the old way for that record, so the bytes are the same
// whatever the record (TestStoredFormsMatch, FuzzStoredForms).

// fieldWriter appends the value of the member name and reports whether it
// is written (false: omitted, as omitempty would; what it appended is cut).
// ok is false when the member cannot be written here (the slow path).
type fieldWriter func(dst []byte, name string, sorted bool) (out []byte, written, ok bool)

// shape is a struct's member names in struct order and sorted.
type shape struct{ inOrder, sorted []string }

func newShape(names ...string) shape {
	s := shape{inOrder: names, sorted: slices.Clone(names)}
	slices.Sort(s.sorted)
	return s
}

// jsonNamesOf lists the JSON member names of struct type t in field order.
func jsonNamesOf(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

var (
	orderShape   = newShape(append(jsonNamesOf(reflect.TypeFor[transfer.CreateOrderTransferBody]()), "type", "paidAt")...)
	cancelShape  = newShape(append(jsonNamesOf(reflect.TypeFor[transfer.CreateOrderCancelTransferBody]()), "type", "cancelledAt")...)
	detailShape  = newShape(jsonNamesOf(reflect.TypeFor[transfer.OrderDetailInput]())...)
	lineShape    = newShape(jsonNamesOf(reflect.TypeFor[transfer.OrderLineInput]())...)
	productShape = newShape(jsonNamesOf(reflect.TypeFor[transfer.ProductInput]())...)
	discShape    = newShape(jsonNamesOf(reflect.TypeFor[transfer.DiscountInput]())...)
	feeShape     = newShape(jsonNamesOf(reflect.TypeFor[transfer.AdditionalFeeInput]())...)
	extPayShape  = newShape(jsonNamesOf(reflect.TypeFor[transfer.ExternalPaymentDetail]())...)
	methodShape  = newShape(jsonNamesOf(reflect.TypeFor[transfer.PaymentMethodInput]())...)
	easyPayShape = newShape(jsonNamesOf(reflect.TypeFor[transfer.EasyPayInput]())...)
	cDetailShape = newShape(jsonNamesOf(reflect.TypeFor[transfer.CancelOrderDetailInput]())...)
	cLineShape   = newShape(jsonNamesOf(reflect.TypeFor[transfer.CancelOrderLineInput]())...)
	extCanShape  = newShape(jsonNamesOf(reflect.TypeFor[transfer.ExternalCancellationDetail]())...)
)

// object appends the object of s's members written by f, in struct order
// or sorted.
func object(dst []byte, s shape, sorted bool, f fieldWriter) ([]byte, bool) {
	names := s.inOrder
	if sorted {
		names = s.sorted
	}
	dst = append(dst, '{')
	n := 0
	for _, name := range names {
		mark := len(dst)
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		var written, ok bool
		if dst, written, ok = f(dst, name, sorted); !ok {
			return dst, false
		}
		if written {
			n++
		} else {
			dst = dst[:mark]
		}
	}
	return append(dst, '}'), true
}

// array appends the array of n elements written by elem.
func array(dst []byte, n int, elem func(dst []byte, i int) ([]byte, bool)) ([]byte, bool) {
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = elem(dst, i); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

// appendPlain appends s quoted when encoding/json writes it as it is (no
// quote, backslash, control character, <, >, &, invalid UTF-8, U+2028 or
// U+2029); ok is false otherwise.
func appendPlain(dst []byte, s string) ([]byte, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return dst, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && (!utf8.ValidString(s) || strings.ContainsRune(s, '\u2028') || strings.ContainsRune(s, '\u2029')) {
		return dst, false
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), true
}

func str(dst []byte, s string, omitEmpty bool) ([]byte, bool, bool) {
	if omitEmpty && s == "" {
		return dst, false, true
	}
	dst, ok := appendPlain(dst, s)
	return dst, true, ok
}

func integer(dst []byte, v int64) ([]byte, bool, bool) {
	return strconv.AppendInt(dst, v, 10), true, true
}

func optInteger(dst []byte, v *int64) ([]byte, bool, bool) {
	if v == nil {
		return dst, false, true
	}
	return integer(dst, *v)
}

// emptyObject is a *struct{} member with omitempty: {} when set.
func emptyObject(dst []byte, v *struct{}) ([]byte, bool, bool) {
	if v == nil {
		return dst, false, true
	}
	return append(dst, '{', '}'), true, true
}

func written(dst []byte, ok bool) ([]byte, bool, bool) { return dst, true, ok }

func discounts(dst []byte, ds []transfer.DiscountInput, sorted bool) ([]byte, bool) {
	return array(dst, len(ds), func(dst []byte, i int) ([]byte, bool) {
		d := &ds[i]
		return object(dst, discShape, sorted, func(dst []byte, name string, _ bool) ([]byte, bool, bool) {
			switch name {
			case "sharePolicyId":
				return str(dst, d.SharePolicyID, false)
			case "amount":
				return integer(dst, d.Amount)
			case "taxFreeAmount":
				return optInteger(dst, d.TaxFreeAmount)
			}
			return dst, false, false
		})
	})
}

func fees(dst []byte, fs []transfer.AdditionalFeeInput, sorted bool) ([]byte, bool) {
	return array(dst, len(fs), func(dst []byte, i int) ([]byte, bool) {
		f := &fs[i]
		return object(dst, feeShape, sorted, func(dst []byte, name string, _ bool) ([]byte, bool, bool) {
			if name == "policyId" {
				return str(dst, f.PolicyID, false)
			}
			return dst, false, false
		})
	})
}

func product(dst []byte, p *transfer.ProductInput, sorted bool) ([]byte, bool) {
	return object(dst, productShape, sorted, func(dst []byte, name string, _ bool) ([]byte, bool, bool) {
		switch name {
		case "id":
			return str(dst, p.ID, false)
		case "name":
			return str(dst, p.Name, false)
		case "amount":
			return integer(dst, p.Amount)
		case "taxFreeAmount":
			return optInteger(dst, p.TaxFreeAmount)
		case "tag":
			return str(dst, p.Tag, true)
		}
		return dst, false, false
	})
}

func orderDetail(dst []byte, od *transfer.OrderDetailInput, sorted bool) ([]byte, bool) {
	return object(dst, detailShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
		switch name {
		case "orderAmount":
			return optInteger(dst, od.OrderAmount)
		case "orderLines":
			if len(od.OrderLines) == 0 {
				return dst, false, true
			}
			return written(array(dst, len(od.OrderLines), func(dst []byte, i int) ([]byte, bool) {
				l := &od.OrderLines[i]
				return object(dst, lineShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
					switch name {
					case "product":
						return written(product(dst, &l.Product, sorted))
					case "quantity":
						return integer(dst, l.Quantity)
					case "discounts":
						return written(discounts(dst, l.Discounts, sorted))
					case "additionalFees":
						return written(fees(dst, l.AdditionalFees, sorted))
					}
					return dst, false, false
				})
			}))
		}
		return dst, false, false
	})
}

func externalPayment(dst []byte, e *transfer.ExternalPaymentDetail, sorted bool) ([]byte, bool) {
	return object(dst, extPayShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
		switch name {
		case "currency":
			return str(dst, string(e.Currency), false)
		case "orderName":
			return str(dst, e.OrderName, true)
		case "paidAt":
			return str(dst, e.PaidAt, true)
		case "method":
			m := e.Method
			if m == nil {
				return dst, false, true
			}
			return written(object(dst, methodShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
				switch name {
				case "card":
					return emptyObject(dst, m.Card)
				case "transfer":
					return emptyObject(dst, m.Transfer)
				case "virtualAccount":
					return emptyObject(dst, m.VirtualAccount)
				case "giftCertificate":
					return emptyObject(dst, m.GiftCertificate)
				case "mobile":
					return emptyObject(dst, m.Mobile)
				case "easyPay":
					ep := m.EasyPay
					if ep == nil {
						return dst, false, true
					}
					return written(object(dst, easyPayShape, sorted, func(dst []byte, name string, _ bool) ([]byte, bool, bool) {
						switch name {
						case "provider":
							return str(dst, ep.Provider, true)
						case "methodType":
							return str(dst, ep.MethodType, true)
						}
						return dst, false, false
					}))
				}
				return dst, false, false
			}))
		}
		return dst, false, false
	})
}

// orderForms writes an order's stored form and its canonical form; ok is
// false when this record takes the slow path.
func orderForms(b *transfer.CreateOrderTransferBody, paidAt string, sorted bool, dst []byte) ([]byte, bool) {
	if len(b.Parameters) > 0 || len(b.UserDefinedProperties) > 0 || b.IsForTest != nil {
		return dst, false
	}
	return object(dst, orderShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
		switch name {
		case "id":
			return str(dst, b.ID, true)
		case "partnerId":
			return str(dst, b.PartnerID, false)
		case "contractId":
			return str(dst, b.ContractID, true)
		case "memo":
			return str(dst, b.Memo, true)
		case "paymentId":
			return str(dst, b.PaymentID, false)
		case "orderDetail":
			return written(orderDetail(dst, &b.OrderDetail, sorted))
		case "taxFreeAmount":
			return optInteger(dst, b.TaxFreeAmount)
		case "settlementStartDate":
			return str(dst, b.SettlementStartDate, true)
		case "settlementDate":
			return str(dst, b.SettlementDate, true)
		case "discounts":
			return written(discounts(dst, b.Discounts, sorted))
		case "additionalFees":
			return written(fees(dst, b.AdditionalFees, sorted))
		case "externalPaymentDetail":
			if b.ExternalPaymentDetail == nil {
				return dst, false, true
			}
			return written(externalPayment(dst, b.ExternalPaymentDetail, sorted))
		case "isForTest", "parameters", "userDefinedProperties":
			return dst, false, true // none: checked above
		case "type":
			return str(dst, TypeOrder, false)
		case "paidAt":
			return str(dst, paidAt, false)
		}
		return dst, false, false
	})
}

// cancelForms is orderForms for a cancellation.
func cancelForms(b *transfer.CreateOrderCancelTransferBody, cancelledAt string, sorted bool, dst []byte) ([]byte, bool) {
	if len(b.UserDefinedProperties) > 0 || b.IsForTest != nil {
		return dst, false
	}
	return object(dst, cancelShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
		switch name {
		case "id":
			return str(dst, b.ID, true)
		case "partnerId":
			return str(dst, b.PartnerID, true)
		case "paymentId":
			return str(dst, b.PaymentID, true)
		case "transferId":
			return str(dst, b.TransferID, true)
		case "cancellationId":
			return str(dst, b.CancellationID, false)
		case "memo":
			return str(dst, b.Memo, true)
		case "orderDetail":
			od := b.OrderDetail
			if od == nil {
				return dst, false, true
			}
			return written(object(dst, cDetailShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
				switch name {
				case "orderAmount":
					return optInteger(dst, od.OrderAmount)
				case "orderLines":
					if len(od.OrderLines) == 0 {
						return dst, false, true
					}
					return written(array(dst, len(od.OrderLines), func(dst []byte, i int) ([]byte, bool) {
						l := &od.OrderLines[i]
						return object(dst, cLineShape, sorted, func(dst []byte, name string, sorted bool) ([]byte, bool, bool) {
							switch name {
							case "productId":
								return str(dst, l.ProductID, false)
							case "quantity":
								return integer(dst, l.Quantity)
							case "discounts":
								return written(discounts(dst, l.Discounts, sorted))
							}
							return dst, false, false
						})
					}))
				case "all":
					return emptyObject(dst, od.All)
				}
				return dst, false, false
			}))
		case "taxFreeAmount":
			return optInteger(dst, b.TaxFreeAmount)
		case "discounts":
			return written(discounts(dst, b.Discounts, sorted))
		case "settlementStartDate":
			return str(dst, b.SettlementStartDate, true)
		case "settlementDate":
			return str(dst, b.SettlementDate, true)
		case "externalCancellationDetail":
			e := b.ExternalCancellationDetail
			if e == nil {
				return dst, false, true
			}
			return written(object(dst, extCanShape, sorted, func(dst []byte, name string, _ bool) ([]byte, bool, bool) {
				if name == "cancelledAt" {
					return str(dst, e.CancelledAt, true)
				}
				return dst, false, false
			}))
		case "isForTest", "userDefinedProperties":
			return dst, false, true // none: checked above
		case "type":
			return str(dst, TypeOrderCancel, false)
		case "cancelledAt":
			return str(dst, cancelledAt, false)
		}
		return dst, false, false
	})
}

// forms is a record's stored form and canonical form.
type forms struct {
	stored, canonical []byte
}

// recordForms makes a record's forms: write(sorted, dst) writes the
// record without its unknown fields, in struct order or sorted; slow is
// the stored form the old way (storedForm), for a record write cannot
// handle. A record with unknown fields gets the stored form written here
// when it can, and its canonical form from the store's canonicaliser.
func recordForms(write func(sorted bool, dst []byte) ([]byte, bool), unknown jsontext.Value, slow func() (json.RawMessage, error)) (forms, error) {
	stored, ok := write(false, make([]byte, 0, 512))
	if ok && len(unknown) > 2 {
		u := jsontext.Value(append([]byte(nil), unknown...))
		if err := u.Compact(); err != nil {
			return forms{}, err
		}
		if inner := u[1 : len(u)-1]; len(inner) > 0 {
			stored = append(append(stored[:len(stored)-1], ','), inner...)
			stored = append(stored, '}')
		}
		c, err := store.CanonicalRequest(stored)
		return forms{stored: stored, canonical: c}, err
	}
	if !ok {
		s, err := slow()
		if err != nil {
			return forms{}, err
		}
		c, err := store.CanonicalRequest(s)
		return forms{stored: s, canonical: c}, err
	}
	canon, ok := write(true, make([]byte, 0, len(stored)))
	if !ok { // cannot happen: the same writers as above
		c, err := store.CanonicalRequest(stored)
		return forms{stored: stored, canonical: c}, err
	}
	return forms{stored: stored, canonical: canon}, nil
}
