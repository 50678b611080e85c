package settlement

import (
	"math"
	"testing"
)

func TestContractValidate(t *testing.T) {
	good := regTerms().Contract
	edit := func(f func(*Contract)) Contract { c := good; f(&c); return c }
	cases := []struct {
		name  string
		c     Contract
		field string // "" when valid
	}{
		{"good", good, ""},
		{"no id (an order may name none)", edit(func(c *Contract) { c.ID = "" }), ""},
		{"rate 0", edit(func(c *Contract) { c.PlatformFee.Rate = 0 }), ""},
		{"rate 100 %", edit(func(c *Contract) { c.PlatformFee.Rate = RateScale }), ""},
		{"fixed 0", edit(func(c *Contract) { c.PlatformFee = Fee{Kind: FeeFixedAmount} }), ""},
		{"fixed at the limit", edit(func(c *Contract) { c.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: MaxAmount} }), ""},
		{"merchant pays VAT", edit(func(c *Contract) { c.PlatformFeeVatPayer = PayerMerchant }), ""},
		{"rate over 100 %", edit(func(c *Contract) { c.PlatformFee.Rate = RateScale + 1 }), "platformFee.fixedRate"},
		{"negative rate", edit(func(c *Contract) { c.PlatformFee.Rate = -1 }), "platformFee.fixedRate"},
		{"fixed over the limit", edit(func(c *Contract) { c.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: MaxAmount + 1} }), "platformFee.fixedAmount"},
		{"fixed MaxInt64", edit(func(c *Contract) { c.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: math.MaxInt64} }), "platformFee.fixedAmount"},
		{"negative fixed", edit(func(c *Contract) { c.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: -1} }), "platformFee.fixedAmount"},
		{"fee of no kind", edit(func(c *Contract) { c.PlatformFee = Fee{} }), "platformFee"},
		{"no payer", edit(func(c *Contract) { c.PlatformFeeVatPayer = "" }), "platformFeeVatPayer"},
		{"lag 0", edit(func(c *Contract) { c.Cycle.LagDays = 0 }), "settlementCycle.lagDays"},
		{"lag 11", edit(func(c *Contract) { c.Cycle.LagDays = 11 }), "settlementCycle.lagDays"},
		{"day of month 32", edit(func(c *Contract) { c.Cycle.DaysOfMonth = []int{32} }), "settlementCycle.method.monthly.daysOfMonth[0]"},
		{"id with a NUL", edit(func(c *Contract) { c.ID = "c\x00" }), "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkRefusal(t, c.c.Validate(), c.field, "") })
	}
	if e := edit(func(c *Contract) { c.PlatformFee.Rate = -1 }).Validate(); e == nil || e.Message[:len(`contract "c"`)] != `contract "c"` {
		t.Errorf("the message does not name the contract: %v", e)
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		p     DiscountSharePolicy
		field string
	}{
		{"0 %", DiscountSharePolicy{ID: "d", PartnerShareRate: 0}, ""},
		{"100 %", DiscountSharePolicy{ID: "d", PartnerShareRate: RateScale}, ""},
		{"over 100 %", DiscountSharePolicy{ID: "d", PartnerShareRate: RateScale + 1}, "partnerShareRate"},
		{"negative", DiscountSharePolicy{ID: "d", PartnerShareRate: -1}, "partnerShareRate"},
		{"id with white space around", DiscountSharePolicy{ID: " d", PartnerShareRate: 1}, "id"},
	} {
		t.Run("discount share "+c.name, func(t *testing.T) {
			checkRefusal(t, c.p.Validate(), c.field, c.p.ID)
		})
	}
	for _, c := range []struct {
		name  string
		p     AdditionalFeePolicy
		field string
	}{
		{"rate 0", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedRate}, VatPayer: PayerPartner}, ""},
		{"rate 100 %", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedRate, Rate: RateScale}, VatPayer: PayerMerchant}, ""},
		{"fixed at the limit", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedAmount, Amount: MaxAmount}, VatPayer: PayerMerchant}, ""},
		{"rate over 100 %", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedRate, Rate: RateScale + 1}, VatPayer: PayerMerchant}, "fee.fixedRate"},
		{"fixed over the limit", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedAmount, Amount: MaxAmount + 1}, VatPayer: PayerMerchant}, "fee.fixedAmount"},
		{"fixed MaxInt64", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedAmount, Amount: math.MaxInt64}, VatPayer: PayerMerchant}, "fee.fixedAmount"},
		{"no kind", AdditionalFeePolicy{ID: "f", VatPayer: PayerMerchant}, "fee"},
		{"unknown payer", AdditionalFeePolicy{ID: "f", Fee: Fee{Kind: FeeFixedRate}, VatPayer: "BOTH"}, "vatPayer"},
	} {
		t.Run("additional fee "+c.name, func(t *testing.T) {
			checkRefusal(t, c.p.Validate(), c.field, c.p.ID)
		})
	}
}

// checkRefusal asserts that e accepts (field "") or refuses at field with
// INVALID_REQUEST, naming policy id.
func checkRefusal(t *testing.T, e *Error, field, id string) {
	t.Helper()
	switch {
	case field == "" && e != nil:
		t.Fatalf("refused: %v", e)
	case field == "":
	case e == nil:
		t.Fatalf("accepted, want a refusal at %q", field)
	case e.Type != ErrInvalidRequest || e.Field != field || e.PolicyID != id:
		t.Errorf("got %s at %q for policy %q (%v), want INVALID_REQUEST at %q for %q", e.Type, e.Field, e.PolicyID, e, field, id)
	}
}

// TestNoWrap: the operations on money refuse a result beyond int64 instead
// of wrapping. was (8c0a546): ApplyRate(MinInt64, 2) = 0 (the fast path
// took |MinInt64|, which wraps, for small) and ApplyRate(MaxInt64, 200 %) = −2.
func TestNoWrap(t *testing.T) {
	if v, ok := ApplyRate(math.MinInt64, 2, RoundDown); !ok || v != -184467440737095 {
		t.Errorf("ApplyRate(MinInt64, 0.002 %%) = %d, %v; want -184467440737095", v, ok)
	}
	if v, ok := ApplyRate(math.MaxInt64, 2*RateScale, RoundDown); ok {
		t.Errorf("ApplyRate(MaxInt64, 200 %%) = %d, accepted", v)
	}
	if v, ok := VATOf(math.MaxInt64, RoundUp); !ok || v != 922337203685477581 {
		t.Errorf("VATOf(MaxInt64, UP) = %d, %v", v, ok)
	}
	big := Amounts{AdditionalFee: math.MaxInt64 - 1}
	if _, err := big.Add(Amounts{AdditionalFee: 2}); err == nil {
		t.Error("Add: MaxInt64 − 1 + 2 accepted")
	} else if e, _ := err.(*Error); e == nil || e.Field != "additionalFee" {
		t.Errorf("Add: %v, want an *Error at additionalFee", err)
	}
	if _, err := (Amounts{Settlement: math.MinInt64 + 1}).Sub(Amounts{Settlement: 2}); err == nil {
		t.Error("Sub: MinInt64 + 1 − 2 accepted")
	}
	if _, err := (Amounts{Order: math.MinInt64}).Neg(); err == nil {
		t.Error("Neg: −MinInt64 accepted")
	}
	if s, err := big.Add(Amounts{AdditionalFee: 1, Settlement: -5}); err != nil || s.AdditionalFee != math.MaxInt64 || s.Settlement != -5 {
		t.Errorf("Add at the edge of the range: %+v, %v", s, err)
	}
}

func TestCheckAmounts(t *testing.T) {
	for _, c := range []struct {
		name  string
		a     Amounts
		field string
	}{
		{"zero", Amounts{}, ""},
		{"at the bound", Amounts{Order: MaxAmount, Settlement: -MaxAmount, AdditionalFee: MaxAmount}, ""},
		{"a field beyond", Amounts{PaymentVat: MaxAmount + 1}, "amount.paymentVat"},
		{"a negative field beyond", Amounts{Settlement: -MaxAmount - 1}, "amount.settlement"},
		{"deductions beyond", Amounts{PlatformFee: MaxAmount, PlatformFeeVat: 1}, "amount"},
		{"MaxInt64 everywhere", Amounts{DiscountShare: math.MaxInt64, PlatformFee: math.MaxInt64}, "amount.platformFee"},
	} {
		t.Run(c.name, func(t *testing.T) { checkRefusal(t, CheckAmounts("amount", c.a), c.field, "") })
	}
}
