package intake

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/settle-dev/settle/settlement"
)

// Problem is one bad record: where it came from and the field at fault. It
// formats as DESIGN.md wants errors to read,
//
//	orders.csv line 17: quantity: must be > 0, got -2
//
// Err is the rejection itself, a *settlement.Error carrying PortOne's error
// type, the field (a JSON path such as orderDetail.orderLines[1].quantity,
// or a CSV column name for CSV files) and the message.
type Problem struct {
	Source string // file name; "" for HTTP requests
	Line   int    // 1-based line of the record, or of the CSV row at fault; 0 when not from a file
	Err    *settlement.Error

	// What the record is, as far as it could be read; "" when unknown.
	Type      string // ORDER or ORDER_CANCEL
	PartnerID string
	RecordID  string // paymentId of an order, cancellationId of a cancellation
}

// Key names the record as Record.Key does, or "" when nothing is known.
func (p *Problem) Key() string {
	switch {
	case p.Type == TypeOrderCancel:
		return cancelKey(p.PartnerID, p.RecordID)
	case p.PartnerID != "" || p.RecordID != "":
		return OrderKey(p.PartnerID, p.RecordID)
	}
	return ""
}

// Reason is the problem without its place: `field: message`.
func (p *Problem) Reason() string {
	q := *p
	q.Source, q.Line = "", 0
	return q.Error()
}

// Error formats the problem as `source line N: field: message`.
func (p *Problem) Error() string {
	var b strings.Builder
	if p.Source != "" {
		b.WriteString(p.Source)
		if p.Line > 0 {
			b.WriteString(" line ")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Err == nil {
		b.WriteString("invalid record")
		return b.String()
	}
	if p.Err.Field != "" {
		b.WriteString(p.Err.Field)
		b.WriteString(": ")
	}
	if p.Err.Message != "" {
		b.WriteString(p.Err.Message)
	} else {
		b.WriteString(string(p.Err.Type))
	}
	return b.String()
}

// Unwrap returns the *settlement.Error, so errors.Is(p, settlement.ErrInvalidRequest) works.
func (p *Problem) Unwrap() error { return p.Err }

// Field is the field at fault.
func (p *Problem) Field() string {
	if p.Err == nil {
		return ""
	}
	return p.Err.Field
}

// joinProblems is the one problem a record with several bad rows is kept
// in rejected records as: the first, with the others named after it.
func joinProblems(ps []*Problem) *Problem {
	if len(ps) == 1 {
		return ps[0]
	}
	first := *ps[0]
	e := *first.Err
	var b strings.Builder
	b.WriteString(e.Message)
	b.WriteString(" (also")
	for i, p := range ps[1:] {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(ps)-6)
			break
		}
		q := *p
		q.Source = ""
		fmt.Fprintf(&b, "; line %d: %s", p.Line, q.Reason())
	}
	b.WriteString(")")
	e.Message = b.String()
	first.Err = &e
	return &first
}

// invalid is a field error of PortOne's type INVALID_REQUEST.
func invalid(field, format string, args ...any) *settlement.Error {
	return &settlement.Error{Type: settlement.ErrInvalidRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

// asFieldError turns any validation error into a *settlement.Error; errors
// that are not one already become INVALID_REQUEST on field.
func asFieldError(err error, field string) *settlement.Error {
	if e, ok := settlement.AsError(err); ok {
		return e
	}
	var p *Problem
	if errors.As(err, &p) && p.Err != nil {
		return p.Err
	}
	return invalid(field, "%v", err)
}
