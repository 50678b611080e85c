package settlement

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// Won is an amount of Korean won. KRW has no minor unit, so a Won is a
// whole number of won; every amount that crosses a package boundary is a Won.
type Won int64

// Rate is a ratio in PortOne's milli-percent units: 10000 is 10 %, 100000 is
// 100 %. It is the unit of contract fee rates, additional-fee rates and
// discount share rates.
type Rate int64

// RateScale is the Rate that means 100 %.
const RateScale Rate = 100000

// VATRate is the Korean VAT rate (10 %) in Rate units.
const VATRate Rate = 10000

// String formats r as a percentage, for error messages and logs.
func (r Rate) String() string {
	return decimal.New(int64(r), -3).String() + "%"
}

// RoundMode is how a formula result with a fractional won is made whole.
// The names are PortOne's console options: DOWN (내림), UP (올림) and
// HALF_UP (반올림; PortOne calls it OFF).
type RoundMode string

// The rounding modes PortOne offers.
const (
	RoundDown   RoundMode = "DOWN"
	RoundUp     RoundMode = "UP"
	RoundHalfUp RoundMode = "HALF_UP"
)

// ParseRoundMode reads a rounding mode name. "OFF" is PortOne's name for
// HALF_UP and is accepted as such; the empty string means DOWN, PortOne's
// documented default.
func ParseRoundMode(s string) (RoundMode, error) {
	switch s {
	case "", "DOWN":
		return RoundDown, nil
	case "UP":
		return RoundUp, nil
	case "HALF_UP", "OFF":
		return RoundHalfUp, nil
	}
	return "", fmt.Errorf("rounding mode %q: must be DOWN, UP or HALF_UP", s)
}

// Rounding holds the two rounding policies a merchant sets in PortOne's
// console: one for fee-like formula results (platform fee, additional fee,
// discount share) and one for VAT.
type Rounding struct {
	Fee RoundMode
	VAT RoundMode
}

// DefaultRounding is PortOne's documented default: truncate both.
var DefaultRounding = Rounding{Fee: RoundDown, VAT: RoundDown}

// Validate reports an unknown mode.
func (r Rounding) Validate() error {
	for _, m := range []RoundMode{r.Fee, r.VAT} {
		switch m {
		case RoundDown, RoundUp, RoundHalfUp:
		default:
			return fmt.Errorf("rounding mode %q: must be DOWN, UP or HALF_UP", m)
		}
	}
	return nil
}

// ApplyRate returns base × rate ÷ 100000 rounded with mode. The product is
// exact (decimal, no division precision involved) and rounding is applied
// once, to this one formula result. Negative results round toward zero for
// DOWN and away from zero for UP, so that the magnitude of a cancel is
// rounded the same way as the order it reverses.
//
// ok is false when the result does not fit in a Won: it never wraps. With
// a validated rate (0..RateScale) the result is never larger than base.
func ApplyRate(base Won, rate Rate, mode RoundMode) (w Won, ok bool) {
	if base == 0 || rate == 0 {
		return 0, true
	}
	// Fast path: exact integer arithmetic when it cannot overflow (the
	// comparisons are written out so that math.MinInt64, whose absolute
	// value does not exist, takes the exact path).
	b, r := int64(base), int64(rate)
	if -1<<40 < b && b < 1<<40 && -1<<22 < r && r < 1<<22 {
		p := b * r
		q, rem := p/int64(RateScale), p%int64(RateScale)
		return Won(roundQuotient(q, rem, int64(RateScale), mode)), true
	}
	d := roundDecimal(decimal.NewFromInt(b).Mul(decimal.NewFromInt(r)).Shift(-5), mode)
	if d.LessThan(minWon) || d.GreaterThan(maxWon) {
		return 0, false
	}
	return Won(d.IntPart()), true
}

var (
	minWon = decimal.NewFromInt(math.MinInt64)
	maxWon = decimal.NewFromInt(math.MaxInt64)
)

// VATOf returns the 10 % VAT on amount, rounded with mode; ok as for ApplyRate.
func VATOf(amount Won, mode RoundMode) (Won, bool) { return ApplyRate(amount, VATRate, mode) }

// SplitVAT splits a VAT-inclusive taxable amount into supply value and VAT:
// VAT is gross ÷ 11 rounded with mode and the supply takes the rest, so the
// two always add up to gross.
func SplitVAT(gross Won, mode RoundMode) (supply, vat Won) {
	g := int64(gross)
	q, rem := g/11, g%11
	vat = Won(roundQuotient(q, rem, 11, mode))
	return gross - vat, vat
}

// roundQuotient rounds the exact quotient q + rem/div (as produced by Go's
// truncating division, so rem has the sign of the dividend) with mode.
func roundQuotient(q, rem, div int64, mode RoundMode) int64 {
	if rem == 0 {
		return q
	}
	sign := int64(1)
	if rem < 0 {
		sign = -1
	}
	switch mode {
	case RoundUp:
		return q + sign
	case RoundHalfUp:
		if 2*abs64(rem) >= div {
			return q + sign
		}
		return q
	default:
		return q
	}
}

func roundDecimal(d decimal.Decimal, mode RoundMode) decimal.Decimal {
	switch mode {
	case RoundUp:
		return d.RoundUp(0)
	case RoundHalfUp:
		return d.Round(0)
	default:
		return d.RoundDown(0)
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// checked does arithmetic on Won that never wraps: each operation that
// would leave int64's range clears ok (and its result is then meaningless).
// It is the one place where money is added, subtracted or multiplied; the
// engine sets its results against the documented bound (limits.go)
// separately, after PortOne's own rules have had their say.
type checked struct{ ok bool }

func (c *checked) add(a, b Won) Won {
	s := a + b
	if (s > a) != (b > 0) {
		c.ok = false
	}
	return s
}

func (c *checked) sub(a, b Won) Won {
	d := a - b
	if (d < a) != (b > 0) {
		c.ok = false
	}
	return d
}

// mul returns a × n.
func (c *checked) mul(a Won, n int64) Won {
	hi, lo := bits.Mul64(uint64(abs64(int64(a))), uint64(abs64(n)))
	if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || n == math.MinInt64 {
		c.ok = false
	}
	return a * Won(n)
}

// rate is ApplyRate under the same rule.
func (c *checked) rate(base Won, r Rate, mode RoundMode) Won {
	v, ok := ApplyRate(base, r, mode)
	c.ok = c.ok && ok
	return v
}
