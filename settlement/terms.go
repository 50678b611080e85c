package settlement

import "time"

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
// merchant's rounding, the business-day calendar and the platform setting
// adjustSettlementDateAfterHolidayIfEarlier.
type Terms struct {
	Contract               Contract
	DiscountSharePolicies  map[string]DiscountSharePolicy
	AdditionalFeePolicies  map[string]AdditionalFeePolicy
	Rounding               Rounding
	Calendar               *Calendar
	AdjustEarlierToNextDay bool
}
