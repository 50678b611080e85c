package settlement

import (
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"
)

// The limits every record, contract and policy must keep, wherever it
// enters (HTTP API, files, webhooks, `settle preview`, PortOne's answers).
// They are the one set: intake, transfer and the emulator use these, not
// copies. PortOne publishes no limits of its own; these are far beyond any
// real order (a hundred trillion won).
//
// # The bound of computed results
//
// Stated amounts are bounded by MaxAmount, but what the engine computes
// from them is not bounded by them alone: a line may name up to MaxItems
// fee policies, each with a fixed amount up to MaxAmount, and an order may
// have MaxLines lines (10^4 × 10^3 × 10^14 = 10^21, far beyond int64). So
// the engine bounds its results too, and refuses an order whose results
// leave the bound with an *Error (INVALID_REQUEST) naming the request field
// that drove it there, such as `orderDetail.orderLines[3].additionalFees`:
//
//  1. Every field of every block (the order block, each line block and the
//     order-level part) and every discount and fee item lies within
//     −MaxAmount..MaxAmount.
//  2. A block's deductions, discountShare + platformFee + platformFeeVat +
//     additionalFee + additionalFeeVat + paymentVatBurden, total at most
//     MaxAmount.
//
// Why these two. Rule 2 with order ≤ MaxAmount keeps settlement, which is
// order less the deductions, within ±MaxAmount for any part of the order:
// a cancel takes a part of every field (never more than remains), so every
// cancel of an accepted order, and its remainder, keeps the bound as well,
// and an accepted order can always be cancelled in full. Rule 1 lets the
// blocks of a whole order (MaxLines + 1 of them) be summed without any
// chance of overflow (10^4 × 10^14 = 10^18 < 9.2 × 10^18).
//
// Independently of the bound, every addition, subtraction and product on
// Won is checked for int64 overflow (type checked in money.go), so no
// intermediate value wraps either; the bound is applied to results after
// PortOne's own rules (PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED and the like) so
// that a request that breaks one of those gets PortOne's answer.
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

// CheckRate checks one rate: 0..RateScale (0 to 100 %).
func CheckRate(field string, r Rate) *Error {
	if r < 0 || r > RateScale {
		return newError(ErrInvalidRequest, field, "must be 0..%d (milli-percent), got %d", RateScale, r)
	}
	return nil
}

// CheckFee checks a platform or additional fee named by field: a known
// kind and, for its kind, a rate (field.fixedRate) of 0..RateScale or a
// fixed amount (field.fixedAmount) of 0..MaxAmount.
func CheckFee(field string, f Fee) *Error {
	switch f.Kind {
	case FeeFixedRate:
		if f.Rate < 0 || f.Rate > RateScale { // the path is built only on failure: this runs for every policy an order names
			return CheckRate(field+".fixedRate", f.Rate)
		}
		return nil
	case FeeFixedAmount:
		if f.Amount < 0 || f.Amount > MaxAmount {
			return CheckAmount(field+".fixedAmount", f.Amount)
		}
		return nil
	}
	return newError(ErrInvalidRequest, field, "exactly one of fixedRate and fixedAmount (kind %q)", f.Kind)
}

// CheckPayer checks who bears a VAT: PARTNER or MERCHANT.
func CheckPayer(field string, p Payer) *Error {
	switch p {
	case PayerPartner, PayerMerchant:
		return nil
	}
	return newError(ErrInvalidRequest, field, "must be PARTNER or MERCHANT, got %q", p)
}

// CheckAmounts checks one block against the bound of computed results
// (rule 1 for its fields, rule 2 for its deductions), for blocks read from
// elsewhere, such as PortOne's answers. field prefixes the name of the
// field at fault.
func CheckAmounts(field string, a Amounts) *Error {
	if inBound(&a) && deductionsOf(&a) <= MaxAmount {
		return nil
	}
	if i, _ := outOfBound(a); i >= 0 {
		f := AmountFields[i]
		return newError(ErrInvalidRequest, joinField(field, f.Name), "must be within ±%d, got %d", MaxAmount, *f.Get(&a))
	}
	return newError(ErrInvalidRequest, field, "deductions total more than %d: %s", MaxAmount, deductionsText(&a))
}

// outOfBound reports the index in AmountFields of the first field of a
// outside ±MaxAmount (or -1), and whether its deductions total more than
// MaxAmount. It is the slow path, after inBound or deductionsOf failed.
func outOfBound(a Amounts) (field int, deductions bool) {
	if !inBound(&a) {
		for i, f := range AmountFields {
			if v := *f.Get(&a); v < -MaxAmount || v > MaxAmount {
				return i, false
			}
		}
	}
	return -1, deductionsOf(&a) > MaxAmount
}

// inBound is the fast test of rule 1.
func inBound(a *Amounts) bool {
	in := func(v Won) bool { return -MaxAmount <= v && v <= MaxAmount }
	return in(a.Settlement) && in(a.SettlementTaxFree) && in(a.Payment) && in(a.PaymentVat) &&
		in(a.PaymentVatBurden) && in(a.PaymentTaxFree) && in(a.PaymentSupply) && in(a.Order) &&
		in(a.OrderTaxFree) && in(a.PlatformFee) && in(a.PlatformFeeVat) && in(a.AdditionalFee) &&
		in(a.AdditionalFeeVat) && in(a.Discount) && in(a.DiscountTaxFree) && in(a.DiscountShare) &&
		in(a.DiscountShareTaxFree)
}

// deductionsOf is rule 2's total; with every field within ±MaxAmount it
// cannot overflow (six terms).
func deductionsOf(a *Amounts) Won {
	return a.DiscountShare + a.PlatformFee + a.PlatformFeeVat + a.AdditionalFee + a.AdditionalFeeVat + a.PaymentVatBurden
}

func deductionsText(a *Amounts) string {
	return fmt.Sprintf("discount share %d, platform fee %d + VAT %d, additional fees %d + VAT %d, payment VAT burden %d",
		a.DiscountShare, a.PlatformFee, a.PlatformFeeVat, a.AdditionalFee, a.AdditionalFeeVat, a.PaymentVatBurden)
}

func joinField(prefix, f string) string {
	switch {
	case prefix == "":
		return f
	case f == "":
		return prefix
	}
	return prefix + "." + f
}

// CheckQuantity checks one quantity: 1..MaxQuantity.
func CheckQuantity(field string, q int64) *Error {
	if q <= 0 || q > MaxQuantity {
		return newError(ErrInvalidRequest, field, "must be 1..%d, got %d", MaxQuantity, q)
	}
	return nil
}
