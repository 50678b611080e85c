package settlement

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// The limits every record, contract and policy must keep, wherever it
// enters (HTTP API, files, webhooks, `settle preview`, PortOne's answers).
// They are the one set: intake, transfer and the emulator use these, not
// copies. PortOne publishes no limits of its own; these are far beyond any
// real order (a hundred trillion won) and keep every sum the engine forms
// far from int64's range, which every operation on money also checks.
const (
	// MaxAmount bounds every amount a record or policy states (unit price,
	// order amount, discount, tax-free amount, fixed fee) and every line
	// (unit × quantity) and order total: 10^14 won.
	MaxAmount Won = 100_000_000_000_000
	// MaxQuantity is PortOne's int32 quantity.
	MaxQuantity int64 = math.MaxInt32
	// MaxLines is the most order lines one record may have.
	MaxLines = 10_000
	// MaxItems is the most discounts, or additional fees, in one scope (an
	// order line, or the order-level items).
	MaxItems = 1_000
	// MaxIDBytes is the longest id (partner, payment, cancellation,
	// product, policy, contract), in bytes of UTF-8.
	MaxIDBytes = 256
)

// CheckID checks one id named by field: present, valid UTF-8, at most
// MaxIDBytes bytes, no control characters (NUL included) and no leading or
// trailing white space. Ids key records on every database alike, and travel
// in URLs, file names and log lines, so these rules hold everywhere.
func CheckID(field, v string) *Error {
	switch {
	case v == "":
		return newError(ErrInvalidRequest, field, "required")
	case len(v) > MaxIDBytes:
		return newError(ErrInvalidRequest, field, "at most %d bytes, got %d", MaxIDBytes, len(v))
	case !utf8.ValidString(v):
		return newError(ErrInvalidRequest, field, "not valid UTF-8")
	}
	for i, r := range v {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return newError(ErrInvalidRequest, field, "control character %U at byte %d", r, i)
		}
	}
	if first, _ := utf8.DecodeRuneInString(v); unicode.IsSpace(first) {
		return newError(ErrInvalidRequest, field, "starts with white space: %q", clipID(v))
	}
	if last, _ := utf8.DecodeLastRuneInString(v); unicode.IsSpace(last) {
		return newError(ErrInvalidRequest, field, "ends with white space: %q", clipID(v))
	}
	return nil
}

func clipID(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}

// CheckAmount checks one stated amount: 0..MaxAmount.
func CheckAmount(field string, v Won) *Error {
	if v < 0 || v > MaxAmount {
		return newError(ErrInvalidRequest, field, "must be 0..%d, got %d", MaxAmount, v)
	}
	return nil
}

// CheckQuantity checks one quantity: 1..MaxQuantity.
func CheckQuantity(field string, q int64) *Error {
	if q <= 0 || q > MaxQuantity {
		return newError(ErrInvalidRequest, field, "must be 1..%d, got %d", MaxQuantity, q)
	}
	return nil
}
