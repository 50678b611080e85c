package transfer

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

func rate(n int64) Fee  { return Fee{Type: "FIXED_RATE", Rate: &n} }
func fixed(n int64) Fee { return Fee{Type: "FIXED_AMOUNT", Amount: &n} }
func daily(lag int) Cycle {
	return Cycle{LagDays: lag, DatePolicy: "HOLIDAY_AFTER", Method: CycleMethod{Type: "DAILY"}}
}

// checkRejection checks that err refuses one value: INVALID_REQUEST, the
// field, the object's id in the message and, for policies, PolicyID.
func checkRejection(t *testing.T, err error, field, id, policyID string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want INVALID_REQUEST on %s", field)
	}
	e, ok := settlement.AsError(err)
	if !ok || !errors.Is(err, settlement.ErrInvalidRequest) {
		t.Fatalf("err = %v (%T), want a *settlement.Error INVALID_REQUEST", err, err)
	}
	if e.Field != field {
		t.Errorf("Field = %q, want %q (%v)", e.Field, field, err)
	}
	if id != "" && !strings.Contains(e.Error(), `"`+id+`"`) {
		t.Errorf("%v: does not name %q", err, id)
	}
	if e.PolicyID != policyID {
		t.Errorf("PolicyID = %q, want %q", e.PolicyID, policyID)
	}
}

// TestTermsFromPortOneAreBounded: a contract or policy PortOne answers
// with outside settlement's limits is refused at the wire boundary, naming
// the object and the field, instead of reaching the engine (issue #10.1: a
// fixed fee of 9223372036854775807 wrapped every sum it entered).
func TestTermsFromPortOneAreBounded(t *testing.T) {
	contract := func(f func(*Contract)) Contract {
		c := Contract{ID: "c-1", Name: "c", PlatformFee: rate(10000), PlatformFeeVatPayer: "PARTNER", SettlementCycle: daily(1)}
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name, field string
		w           Contract
	}{
		{"fixed fee at int64's max", "platformFee.amount", contract(func(c *Contract) { c.PlatformFee = fixed(math.MaxInt64) })},
		{"fixed fee above MaxAmount", "platformFee.amount", contract(func(c *Contract) { c.PlatformFee = fixed(int64(settlement.MaxAmount) + 1) })},
		{"negative fixed fee", "platformFee.amount", contract(func(c *Contract) { c.PlatformFee = fixed(-1) })},
		{"fixed fee without amount", "platformFee.amount", contract(func(c *Contract) { c.PlatformFee = Fee{Type: "FIXED_AMOUNT"} })},
		{"rate above 100 %", "platformFee.rate", contract(func(c *Contract) { c.PlatformFee = rate(int64(settlement.RateScale) + 1) })},
		{"negative rate", "platformFee.rate", contract(func(c *Contract) { c.PlatformFee = rate(-1) })},
		{"unknown fee type", "platformFee.type", contract(func(c *Contract) { c.PlatformFee = Fee{Type: "TIERED"} })},
		{"unknown VAT payer", "platformFeeVatPayer", contract(func(c *Contract) { c.PlatformFeeVatPayer = "BOTH" })},
		{"lag of 0 days", "settlementCycle.lagDays", contract(func(c *Contract) { c.SettlementCycle = daily(0) })},
		{"lag of 11 days", "settlementCycle.lagDays", contract(func(c *Contract) { c.SettlementCycle = daily(11) })},
		{"unknown weekday", "settlementCycle.method.daysOfWeek[1]", contract(func(c *Contract) {
			c.SettlementCycle.Method = CycleMethod{Type: "WEEKLY", DaysOfWeek: []string{"MON", "FUNDAY"}}
		})},
		{"day of month 32", "settlementCycle.method.monthly.daysOfMonth[0]", contract(func(c *Contract) {
			c.SettlementCycle.Method = CycleMethod{Type: "MONTHLY", DaysOfMonth: []int{32}}
		})},
		{"unknown date policy", "settlementCycle.datePolicy", contract(func(c *Contract) { c.SettlementCycle.DatePolicy = "NEVER" })},
	} {
		t.Run("contract/"+tc.name, func(t *testing.T) {
			_, err := ContractFromWire(tc.w)
			checkRejection(t, err, tc.field, "c-1", "")
		})
	}
	for _, tc := range []struct {
		name, field string
		w           AdditionalFeePolicy
	}{
		{"fixed fee at int64's max", "fee.amount", AdditionalFeePolicy{ID: "f-1", Fee: fixed(math.MaxInt64), VatPayer: "PARTNER"}},
		{"rate above 100 %", "fee.rate", AdditionalFeePolicy{ID: "f-1", Fee: rate(100001), VatPayer: "PARTNER"}},
		{"unknown VAT payer", "vatPayer", AdditionalFeePolicy{ID: "f-1", Fee: rate(1), VatPayer: ""}},
	} {
		t.Run("additional fee policy/"+tc.name, func(t *testing.T) {
			_, err := AdditionalFeePolicyFromWire(tc.w)
			checkRejection(t, err, tc.field, "f-1", "f-1")
		})
	}
	for _, r := range []int64{-1, 100001, math.MaxInt64} {
		_, err := DiscountSharePolicyFromWire(DiscountSharePolicy{ID: "d-1", PartnerShareRate: r})
		checkRejection(t, err, "partnerShareRate", "d-1", "d-1")
	}

	// The bounds themselves are accepted.
	c, err := ContractFromWire(contract(func(c *Contract) { c.PlatformFee = fixed(int64(settlement.MaxAmount)); c.SettlementCycle = daily(10) }))
	if err != nil || c.PlatformFee.Amount != settlement.MaxAmount || c.Cycle.LagDays != 10 {
		t.Errorf("contract at the bounds: %+v, %v", c, err)
	}
	if d, err := DiscountSharePolicyFromWire(DiscountSharePolicy{ID: "d", PartnerShareRate: int64(settlement.RateScale)}); err != nil || d.PartnerShareRate != settlement.RateScale {
		t.Errorf("policy at 100 %%: %+v, %v", d, err)
	}
	if a, err := AdditionalFeePolicyFromWire(AdditionalFeePolicy{ID: "f", Fee: rate(0), VatPayer: "MERCHANT"}); err != nil || a.Fee.Kind != settlement.FeeFixedRate {
		t.Errorf("policy at 0 %%: %+v, %v", a, err)
	}
}

// TestFeeFromInputIsBounded: a request (the emulator, `settle preview`)
// stating a fixed fee above settlement.MaxAmount is refused (issue #10.1:
// preview printed additionalFee -2 for 9223372036854775807).
func TestFeeFromInputIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		in          FeeInput
	}{
		{"amount at int64's max", "fee.fixedAmount", FeeInput{FixedAmount: amount(math.MaxInt64)}},
		{"amount above MaxAmount", "fee.fixedAmount", FeeInput{FixedAmount: amount(int64(settlement.MaxAmount) + 1)}},
		{"negative amount", "fee.fixedAmount", FeeInput{FixedAmount: amount(-5)}},
		{"rate above 100 %", "fee.fixedRate", FeeInput{FixedRate: amount(100001)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AdditionalFeePolicyFromInput(CreateAdditionalFeePolicyBody{ID: "f", Name: "f", Fee: tc.in, VatPayer: "PARTNER"})
			checkRejection(t, err, tc.field, "", "")
		})
	}
	_, err := ContractFromInput(CreateContractBody{Name: "c", PlatformFee: FeeInput{FixedAmount: amount(math.MaxInt64)}, PlatformFeeVatPayer: "PARTNER",
		SettlementCycle: CycleInput{LagDays: 1, DatePolicy: "CALENDAR_DAY", Method: CycleMethodInput{Daily: &struct{}{}}}})
	checkRejection(t, err, "platformFee.fixedAmount", "", "")
	if f, err := FeeFromInput("fee", FeeInput{FixedAmount: amount(int64(settlement.MaxAmount))}); err != nil || f.Amount != settlement.MaxAmount {
		t.Errorf("MaxAmount: %+v, %v", f, err)
	}
}

// TestManualTransferFromWire: a MANUAL transfer's amounts are top-level
// members (it has no amount block); they were dropped, so an adjustment
// read back from PortOne showed 0 won.
func TestManualTransferFromWire(t *testing.T) {
	amount, taxFree := int64(-1200), int64(200)
	got, status := TransferFromWire(Transfer{Type: "MANUAL", ID: "stl-m-1", Status: "SCHEDULED", SettlementDate: "2025-10-10",
		SettlementAmount: &amount, SettlementTaxFreeAmount: &taxFree})
	if got.Kind != settlement.KindManual || status != settlement.StatusScheduled || got.Amounts.Settlement != -1200 ||
		got.Amounts.SettlementTaxFree != 200 || got.SettlementDate != settlement.MustDate("2025-10-10") {
		t.Errorf("MANUAL from wire: %+v %s", got, status)
	}
}
