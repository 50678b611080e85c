package settlement

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorType is one of PortOne's error `type` strings. The settlement rules
// answer with PortOne's own types so that `settle preview`, the emulator and
// the real API reject the same input the same way.
//
// An ErrorType is itself an error, so callers branch with
//
//	errors.Is(err, settlement.ErrCancellableProductQuantityExceeded)
type ErrorType string

// Error implements error.
func (t ErrorType) Error() string { return string(t) }

// AmountExceededType is the sub-type of PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED
// (PortOne's PlatformAmountExceededType).
type AmountExceededType string

// The sub-types of PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED.
const (
	DiscountThanOrder               AmountExceededType = "DISCOUNT_THAN_ORDER"
	DiscountTaxFreeThanDiscount     AmountExceededType = "DISCOUNT_TAX_FREE_THAN_DISCOUNT"
	DiscountTaxFreeThanOrderTaxFree AmountExceededType = "DISCOUNT_TAX_FREE_THAN_ORDER_TAX_FREE"
	PaymentTaxFreeThanPayment       AmountExceededType = "PAYMENT_TAX_FREE_THAN_PAYMENT"
)

// Error is a rejection by the settlement rules: PortOne's error type, the
// request field at fault (a JSON path such as `orderDetail.orderLines[1].quantity`)
// and the figures PortOne's error body carries for that type.
type Error struct {
	Type    ErrorType
	Field   string
	Message string

	ProductID      string             // product at fault, when there is one
	PolicyID       string             // policy at fault, when there is one
	PolicyIDs      []string           // policies not found
	Requested      Won                // requested amount or quantity
	Allowed        Won                // what was allowed (cancellable amount or quantity)
	AmountType     string             // SUPPLY_WITH_VAT or TAX_FREE, for cancellable amounts
	ExceededType   AmountExceededType // for PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED
	StartDate      Date               // for the settlement-date rule
	SettlementDate Date
}

// Error formats the type, the field and the message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Type))
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is matches an ErrorType target of the same type.
func (e *Error) Is(target error) bool {
	t, ok := target.(ErrorType)
	return ok && t == e.Type
}

func newError(t ErrorType, field, format string, args ...any) *Error {
	return &Error{Type: t, Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
