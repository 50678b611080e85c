package settlement

import (
	"fmt"
	"time"
)

// Payer says who bears a VAT: the partner (deducted from the settlement) or
// the merchant (the fee is VAT-inclusive and the settlement is untouched).
type Payer string

// The two payers of PortOne's PlatformPayer.
const (
	PayerPartner  Payer = "PARTNER"
	PayerMerchant Payer = "MERCHANT"
)

// FeeKind says which of PortOne's PlatformFee branches a Fee is.
type FeeKind string

// The fee kinds.
const (
	FeeFixedRate   FeeKind = "FIXED_RATE"
	FeeFixedAmount FeeKind = "FIXED_AMOUNT"
)

// Fee is a contract's platform fee or an additional-fee policy's fee:
// either a rate of the order amount or a fixed amount per transfer scope.
type Fee struct {
	Kind   FeeKind
	Rate   Rate // FeeFixedRate only
	Amount Won  // FeeFixedAmount only
}

// DatePolicy is what happens when a cycle date is not a business day.
type DatePolicy string

// The date policies of PortOne's PlatformSettlementCycleDatePolicy.
const (
	HolidayBefore DatePolicy = "HOLIDAY_BEFORE" // previous business day
	HolidayAfter  DatePolicy = "HOLIDAY_AFTER"  // next business day
	CalendarDay   DatePolicy = "CALENDAR_DAY"   // no adjustment
)

// CycleMethod is the kind of settlement cycle.
type CycleMethod string

// The cycle methods of PortOne's PlatformSettlementCycleType.
const (
	CycleDaily       CycleMethod = "DAILY"
	CycleWeekly      CycleMethod = "WEEKLY"
	CycleMonthly     CycleMethod = "MONTHLY"
	CycleManualDates CycleMethod = "MANUAL_DATES"
)

// MonthDay is a recurring yearly date of a MANUAL_DATES cycle.
type MonthDay struct {
	Month time.Month
	Day   int
}

// Cycle is a contract's settlement cycle: settlementDate is the first date
// on or after start+LagDays that matches Method, moved by DatePolicy when it
// is not a business day.
type Cycle struct {
	LagDays     int
	DatePolicy  DatePolicy
	Method      CycleMethod
	DaysOfWeek  []time.Weekday // WEEKLY
	DaysOfMonth []int          // MONTHLY; 31 means the last day of the month
	Dates       []MonthDay     // MANUAL_DATES
}

// Contract is the part of a PortOne contract that decides amounts and dates.
type Contract struct {
	ID                       string
	Name                     string
	PlatformFee              Fee
	PlatformFeeVatPayer      Payer
	SubtractPaymentVatAmount bool
	Cycle                    Cycle
}

// DiscountSharePolicy says how much of a discount the partner bears.
type DiscountSharePolicy struct {
	ID               string
	Name             string
	PartnerShareRate Rate
}

// AdditionalFeePolicy is an extra fee (PG fee, fulfilment, marketing) and
// who bears its VAT.
type AdditionalFeePolicy struct {
	ID       string
	Name     string
	Fee      Fee
	VatPayer Payer
}

// Terms is everything besides the order itself that decides a transfer's
// amounts and dates: the contract, the policies an order may name, the
// merchant's rules (formulas, rounding and variants), the business-day
// calendar and the platform setting adjustSettlementDateAfterHolidayIfEarlier.
type Terms struct {
	Contract              Contract
	DiscountSharePolicies map[string]DiscountSharePolicy
	AdditionalFeePolicies map[string]AdditionalFeePolicy
	// Rules are the merchant's rules. Nil means the default formulas and
	// variants with Rounding; when set, Rules decide the rounding too and
	// Rounding is not read.
	Rules                  *Rules
	Rounding               Rounding
	Calendar               *Calendar
	AdjustEarlierToNextDay bool
}

// Validate checks what a contract may say: its id (when set), a platform
// fee of 0..100 % or 0..MaxAmount, a VAT payer, and its settlement cycle
// (Cycle.Validate). Field is relative to the contract (for example
// `platformFee.fixedRate`, `settlementCycle.lagDays`) and the message names
// the contract. It is the one check for a contract, whether it comes from
// PortOne, from the emulator's API or from a preview input.
func (c Contract) Validate() *Error {
	e := c.validate()
	if e != nil && c.ID != "" {
		e.Message = fmt.Sprintf("contract %q: %s", c.ID, e.Message)
	}
	return e
}

func (c Contract) validate() *Error {
	if e := checkOptionalID(c.ID); e != nil {
		return e
	}
	if e := CheckFee("platformFee", c.PlatformFee); e != nil {
		return e
	}
	if e := CheckPayer("platformFeeVatPayer", c.PlatformFeeVatPayer); e != nil {
		return e
	}
	if err := c.Cycle.Validate(); err != nil {
		if e, ok := AsError(err); ok {
			cp := *e
			return &cp
		}
		return newError(ErrInvalidRequest, "settlementCycle", "%v", err)
	}
	return nil
}

// Validate checks what a discount share policy may say: its id (when set)
// and a partnerShareRate of 0..100 %. Field is relative to the policy and
// PolicyID names it.
func (p DiscountSharePolicy) Validate() *Error {
	e := checkOptionalID(p.ID)
	if e == nil {
		e = CheckRate("partnerShareRate", p.PartnerShareRate)
	}
	return aboutPolicy(e, "discount share policy", p.ID)
}

// Validate checks what an additional-fee policy may say: its id (when
// set), a fee of 0..100 % or 0..MaxAmount, and a VAT payer. Field is
// relative to the policy (`fee.fixedAmount`, `vatPayer`) and PolicyID names
// it.
func (p AdditionalFeePolicy) Validate() *Error {
	e := checkOptionalID(p.ID)
	if e == nil {
		e = CheckFee("fee", p.Fee)
	}
	if e == nil {
		e = CheckPayer("vatPayer", p.VatPayer)
	}
	return aboutPolicy(e, "additional fee policy", p.ID)
}

// checkOptionalID checks an id that may be absent (PortOne assigns one
// when a create request leaves it out).
func checkOptionalID(id string) *Error {
	if id == "" {
		return nil
	}
	return CheckID("id", id)
}

// aboutPolicy names the policy e is about, in its message and PolicyID.
func aboutPolicy(e *Error, what, id string) *Error {
	if e != nil {
		e.PolicyID = id
		e.Message = fmt.Sprintf("%s %q: %s", what, id, e.Message)
	}
	return e
}
