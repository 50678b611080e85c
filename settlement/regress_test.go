package settlement

import (
	"fmt"
	"math"
	"testing"
)

// Regression tests for issue #10 (findings 1 and 10). Each case below that
// is marked "was:" failed on the code before the fix (commit 8c0a546): run
// this file against that package to see it. They use only the API that
// both versions share, for that reason.

// regTerms are the terms of the regression cases: a 10 % contract with the
// partner paying its VAT, and the policies the cases name.
func regTerms() Terms {
	return Terms{
		Contract: Contract{ID: "c", Name: "c", PlatformFee: Fee{Kind: FeeFixedRate, Rate: 10000}, PlatformFeeVatPayer: PayerPartner,
			Cycle: Cycle{LagDays: 2, DatePolicy: HolidayBefore, Method: CycleMonthly, DaysOfMonth: []int{31}}},
		DiscountSharePolicies: map[string]DiscountSharePolicy{
			"half":     {ID: "half", PartnerShareRate: 50000},
			"third":    {ID: "third", PartnerShareRate: 33333},
			"negative": {ID: "negative", PartnerShareRate: -50000},
			"double":   {ID: "double", PartnerShareRate: 200000},
		},
		AdditionalFeePolicies: map[string]AdditionalFeePolicy{
			"pg":          {ID: "pg", Fee: Fee{Kind: FeeFixedRate, Rate: 3300}, VatPayer: PayerPartner},
			"ship":        {ID: "ship", Fee: Fee{Kind: FeeFixedAmount, Amount: 3000}, VatPayer: PayerMerchant},
			"maxint":      {ID: "maxint", Fee: Fee{Kind: FeeFixedAmount, Amount: math.MaxInt64}, VatPayer: PayerMerchant},
			"maxint-vat":  {ID: "maxint-vat", Fee: Fee{Kind: FeeFixedAmount, Amount: math.MaxInt64}, VatPayer: PayerPartner},
			"1e15":        {ID: "1e15", Fee: Fee{Kind: FeeFixedAmount, Amount: 1_000_000_000_000_000}, VatPayer: PayerPartner},
			"limit":       {ID: "limit", Fee: Fee{Kind: FeeFixedAmount, Amount: MaxAmount}, VatPayer: PayerMerchant},
			"limit2":      {ID: "limit2", Fee: Fee{Kind: FeeFixedAmount, Amount: MaxAmount}, VatPayer: PayerMerchant},
			"over-half":   {ID: "over-half", Fee: Fee{Kind: FeeFixedAmount, Amount: MaxAmount/2 + 1}, VatPayer: PayerMerchant},
			"rate200":     {ID: "rate200", Fee: Fee{Kind: FeeFixedRate, Rate: 200000}, VatPayer: PayerMerchant},
			"rate-neg":    {ID: "rate-neg", Fee: Fee{Kind: FeeFixedRate, Rate: -1}, VatPayer: PayerMerchant},
			"payer-x":     {ID: "payer-x", Fee: Fee{Kind: FeeFixedRate, Rate: 1000}, VatPayer: "X"},
			"amount-neg":  {ID: "amount-neg", Fee: Fee{Kind: FeeFixedAmount, Amount: -5}, VatPayer: PayerMerchant},
			"kind-absent": {ID: "kind-absent", VatPayer: PayerMerchant},
		},
		Rounding: DefaultRounding,
	}
}

func regAmountOrder(amount Won, fees ...string) Order {
	return Order{PartnerID: "p", PaymentID: "pay", OrderAmount: amount, AdditionalFees: fees, SettlementStartDate: MustDate("2025-03-04")}
}

// regLinesOrder has n lines of 1000 won, each with fees.
func regLinesOrder(n int, fees ...string) Order {
	o := Order{PartnerID: "p", PaymentID: "pay", HasLines: true, SettlementStartDate: MustDate("2025-03-04")}
	for i := range n {
		o.Lines = append(o.Lines, Line{Product: Product{ID: fmt.Sprint("p", i), Name: "P", Amount: 1000}, Quantity: 1, AdditionalFees: fees})
	}
	return o
}

func TestOrderRefusedNotWrapped(t *testing.T) {
	edit := func(o Order, f func(*Order)) Order { f(&o); return o }
	terms := func(f func(*Terms)) Terms { t := regTerms(); f(&t); return t }
	cases := []struct {
		name   string
		order  Order
		terms  Terms
		typ    ErrorType
		field  string
		policy string
	}{
		// Finding 1: wraparound. was: additionalFee 9223372036854775807, settlement −9223372036854766907, no error.
		{"fixed fee of MaxInt64", regAmountOrder(10000, "maxint"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "maxint"},
		{"fixed fee of MaxInt64, partner pays its VAT", regAmountOrder(10000, "maxint-vat"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "maxint-vat"},
		// was: a settlement of −1.1e19 wrapped to 7,446,744,073,709,560,616 won.
		{"1e15 fixed fee on every one of 10000 lines", regLinesOrder(MaxLines, "1e15"), regTerms(), ErrInvalidRequest, "orderDetail.orderLines[0].additionalFees[0].policyId", "1e15"},
		// was: accepted; their fees are beyond the bound (limits.go) although each policy is within it.
		{"two fixed fees at the limit on one line", regLinesOrder(1, "limit", "limit2"), regTerms(), ErrInvalidRequest, "orderDetail.orderLines[0].additionalFees", ""},
		{"a fixed fee at the limit on a line", regLinesOrder(1, "limit"), regTerms(), ErrInvalidRequest, "orderDetail.orderLines[0].additionalFees", ""},
		{"a fixed fee over half the limit on each of two lines", regLinesOrder(2, "over-half"), regTerms(), ErrInvalidRequest, "orderDetail.orderLines[1].additionalFees", ""},
		{"a fixed fee over half the limit on a line and at order level", edit(regLinesOrder(1, "over-half"), func(o *Order) { o.AdditionalFees = []string{"over-half"} }), regTerms(), ErrInvalidRequest, "additionalFees", ""},
		{"fixed platform fee at the limit plus its VAT", regAmountOrder(10000), terms(func(t *Terms) { t.Contract.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: MaxAmount} }), ErrInvalidRequest, "contract.platformFee", ""},
		{"platform fee 100 % with VAT, and an additional fee at the limit", regAmountOrder(MaxAmount/2, "limit"), terms(func(t *Terms) { t.Contract.PlatformFee = Fee{Kind: FeeFixedRate, Rate: RateScale} }), ErrInvalidRequest, "additionalFees", ""},

		// Policies outside their limits. was: all accepted and computed.
		{"fee rate over 100 %", regAmountOrder(10000, "rate200"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "rate200"},
		{"negative fee rate", regAmountOrder(10000, "rate-neg"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "rate-neg"},
		{"negative fixed fee", regAmountOrder(10000, "amount-neg"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "amount-neg"},
		{"unknown VAT payer", regAmountOrder(10000, "payer-x"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "payer-x"},
		{"fee of no kind", regAmountOrder(10000, "kind-absent"), regTerms(), ErrInvalidRequest, "additionalFees[0].policyId", "kind-absent"},
		{"negative share rate", edit(regAmountOrder(10000), func(o *Order) { o.Discounts = []Discount{{SharePolicyID: "negative", Amount: 100}} }), regTerms(), ErrInvalidRequest, "discounts[0].sharePolicyId", "negative"},
		{"share rate over 100 %", edit(regLinesOrder(1), func(o *Order) { o.Lines[0].Discounts = []Discount{{SharePolicyID: "double", Amount: 100}} }), regTerms(), ErrInvalidRequest, "orderDetail.orderLines[0].discounts[0].sharePolicyId", "double"},
		// was: the contract's cycle error named settlementCycle without saying it is the contract's.
		{"contract lag 0", regAmountOrder(10000), terms(func(t *Terms) { t.Contract.Cycle.LagDays = 0 }), ErrInvalidRequest, "contract.settlementCycle.lagDays", ""},

		// The same policy twice in one scope. was: accepted; an additional fee was charged twice.
		{"fee policy twice on a line", edit(regLinesOrder(2), func(o *Order) { o.Lines[1].AdditionalFees = []string{"pg", "ship", "pg"} }), regTerms(), ErrInvalidRequest, "orderDetail.orderLines[1].additionalFees[2].policyId", "pg"},
		{"fee policy twice at order level", regAmountOrder(10000, "ship", "ship"), regTerms(), ErrInvalidRequest, "additionalFees[1].policyId", "ship"},
		{"share policy twice on a line", edit(regLinesOrder(1), func(o *Order) {
			o.Lines[0].Discounts = []Discount{{SharePolicyID: "half", Amount: 10}, {SharePolicyID: "third", Amount: 10}, {SharePolicyID: "half", Amount: 20}}
		}), regTerms(), ErrDiscountSharePolicyIDDuplicated, "orderDetail.orderLines[0].discounts[2].sharePolicyId", "half"},
		{"share policy twice at order level", edit(regAmountOrder(10000), func(o *Order) {
			o.Discounts = []Discount{{SharePolicyID: "third", Amount: 10}, {SharePolicyID: "third", Amount: 20}}
		}), regTerms(), ErrDiscountSharePolicyIDDuplicated, "discounts[1].sharePolicyId", "third"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := SettleOrder(c.order, c.terms)
			if err == nil {
				t.Fatalf("accepted: amounts %+v", tr.Amounts)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want a bare *Error", err, err)
			}
			if e.Type != c.typ || e.Field != c.field || e.PolicyID != c.policy {
				t.Errorf("got %s at %q (policy %q): %v\nwant %s at %q (policy %q)", e.Type, e.Field, e.PolicyID, e, c.typ, c.field, c.policy)
			}
		})
	}
}

// TestSamePolicyInTwoScopes: a policy may be named once in each scope (a
// line, another line, the order level): only a repeat within one scope is
// refused.
func TestSamePolicyInTwoScopes(t *testing.T) {
	o := regLinesOrder(2, "pg", "ship")
	o.Lines[0].Discounts = []Discount{{SharePolicyID: "half", Amount: 100}}
	o.Lines[1].Discounts = []Discount{{SharePolicyID: "half", Amount: 100}}
	o.Discounts = []Discount{{SharePolicyID: "half", Amount: 100}}
	o.AdditionalFees = []string{"pg", "ship"}
	tr, err := SettleOrder(o, regTerms())
	if err != nil {
		t.Fatal(err)
	}
	// pg 3.3 % of 1000 = 33 (VAT 3) and ship 3000 on each line; at order
	// level pg on 2000 = 66 (6) and ship 3000 once more.
	if a := tr.Amounts; a.AdditionalFee != 2*(33+3000)+66+3000 || a.AdditionalFeeVat != 2*3+6 {
		t.Errorf("additional fee %d VAT %d, want %d and %d", a.AdditionalFee, a.AdditionalFeeVat, 2*(33+3000)+66+3000, 2*3+6)
	}
}

// TestOrderAtTheBound: an order at the limits (the largest total, half of
// it discounted, a 50 % fee: deductions of 75 % of MaxAmount) is accepted
// and can be cancelled in full, with every field within the bound.
func TestOrderAtTheBound(t *testing.T) {
	tm := regTerms()
	tm.Contract.PlatformFee = Fee{Kind: FeeFixedRate, Rate: RateScale / 2}
	tm.Contract.PlatformFeeVatPayer = PayerMerchant
	tm.Rounding = Rounding{Fee: RoundUp, VAT: RoundUp}
	o := Order{PartnerID: "p", PaymentID: "pay", HasLines: true, SettlementStartDate: MustDate("2025-03-04"),
		Lines: []Line{
			{Product: Product{ID: "a", Amount: MaxAmount / 4, TaxFree: MaxAmount / 8}, Quantity: 2, Discounts: []Discount{{SharePolicyID: "half", Amount: MaxAmount / 2, TaxFree: MaxAmount / 4}}},
			{Product: Product{ID: "b", Amount: MaxAmount / 2}, Quantity: 1},
		}}
	b, err := NewBook(o, tm)
	if err != nil {
		t.Fatal(err)
	}
	orig := b.Order()
	c1, err := b.Cancel(Cancellation{CancellationID: "1", Form: CancelByLines, SettlementStartDate: MustDate("2025-03-05"), Lines: []CancelLine{{ProductID: "a", Quantity: 1, Discounts: []Discount{{SharePolicyID: "half", Amount: MaxAmount / 4, TaxFree: MaxAmount / 8}}}}})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := b.Cancel(Cancellation{CancellationID: "2", Form: CancelAll, SettlementStartDate: MustDate("2025-03-05")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []Transfer{orig, c1, c2} {
		for _, a := range blocksOf(tr) {
			for _, f := range AmountFields {
				if v := *f.Get(&a); v < -MaxAmount || v > MaxAmount {
					t.Errorf("%s %s = %d, beyond ±%d", tr.Kind, f.Name, v, MaxAmount)
				}
			}
		}
	}
	if sum := addBlocks(t, c1.Amounts, c2.Amounts); sum != orig.Amounts {
		t.Errorf("cancels sum to %+v, want the order %+v", sum, orig.Amounts)
	}
}

// addBlocks is a + b field by field (written here rather than with Add,
// whose signature changed with the fix, so that this file also runs against
// the code before it).
func addBlocks(t *testing.T, a, b Amounts) Amounts {
	t.Helper()
	var s Amounts
	for _, f := range AmountFields {
		x, y := *f.Get(&a), *f.Get(&b)
		if z := x + y; (z > x) != (y > 0) {
			t.Fatalf("%s: %d + %d overflows", f.Name, x, y)
		} else {
			*f.Get(&s) = z
		}
	}
	return s
}

func blocksOf(tr Transfer) []Amounts {
	bs := []Amounts{tr.Amounts}
	for _, l := range tr.Lines {
		bs = append(bs, l.Amounts)
	}
	return bs
}

// TestVATSplitNeverNegative is finding 10.10: the VAT split of every block
// of an order and of each of its cancels adds up (supply + VAT + tax-free
// = payment) and is never negative, and the cancels net the order to zero.
func TestVATSplitNeverNegative(t *testing.T) {
	three := func(unit Won, discount Won) Order {
		o := Order{PartnerID: "p", PaymentID: "pay", HasLines: true, SettlementStartDate: MustDate("2025-03-04"),
			Discounts: []Discount{{SharePolicyID: "half", Amount: discount}}}
		for _, id := range []string{"a", "b", "c"} {
			o.Lines = append(o.Lines, Line{Product: Product{ID: id, Name: id, Amount: unit}, Quantity: 1})
		}
		return o
	}
	day := MustDate("2025-03-10")
	cases := []struct {
		name     string
		rounding Rounding
		order    Order
		cancels  []Cancellation
	}{
		// was: the order and its last cancel show payment 0, paymentVat 2, paymentSupply −2.
		{"VAT up: the order-level discount takes the whole payment", Rounding{RoundDown, RoundUp}, three(12, 36), []Cancellation{
			{Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 1}}, Discounts: []Discount{{SharePolicyID: "half", Amount: 12}}},
			{Form: CancelAll},
		}},
		// was: the order shows paymentVat −2, paymentSupply 2 on a payment of 0.
		{"VAT down: the order-level discount takes the whole payment", DefaultRounding, three(21, 63), []Cancellation{{Form: CancelAll}}},
		// was (found by FuzzSettleAndCancel): the first cancel shows paymentVat −513.
		{"a partial cancel with most of the order-level discount", Rounding{RoundUp, RoundUp}, Order{
			PartnerID: "p", PaymentID: "x", HasLines: true, SettlementStartDate: MustDate("2027-03-13"),
			Lines: []Line{
				{Product: Product{ID: "p0", Amount: 82388, TaxFree: 18959}, Quantity: 6, AdditionalFees: []string{"pg"}},
				{Product: Product{ID: "p1", Amount: 37719, TaxFree: 4552}, Quantity: 4, Discounts: []Discount{{SharePolicyID: "third", Amount: 13902, TaxFree: 1559}}, AdditionalFees: []string{"pg", "ship"}},
			},
			Discounts: []Discount{{SharePolicyID: "half", Amount: 105819, TaxFree: 16157}},
		}, []Cancellation{
			{Form: CancelByLines, Lines: []CancelLine{{ProductID: "p0", Quantity: 3}}, Discounts: []Discount{{SharePolicyID: "half", Amount: 99322}}},
			{Form: CancelByLines, Lines: []CancelLine{{ProductID: "p1", Quantity: 1}}},
			{Form: CancelAll},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := regTerms()
			tm.Rounding = c.rounding
			b, err := NewBook(c.order, tm)
			if err != nil {
				t.Fatal(err)
			}
			orig := b.Order()
			checkSplit(t, "order", orig)
			var sum Amounts
			for i, cc := range c.cancels {
				cc.CancellationID, cc.SettlementStartDate = "c", day
				ct, err := b.Cancel(cc)
				if err != nil {
					t.Fatalf("cancel %d: %v", i, err)
				}
				checkSplit(t, fmt.Sprintf("cancel %d", i), ct)
				sum = addBlocks(t, sum, ct.Amounts)
			}
			if sum != orig.Amounts {
				t.Errorf("the cancels sum to\n%+v\nnot the order\n%+v", sum, orig.Amounts)
			}
		})
	}
}

func checkSplit(t *testing.T, what string, tr Transfer) {
	t.Helper()
	for i, a := range blocksOf(tr) {
		if a.PaymentSupply < 0 || a.PaymentVat < 0 || a.PaymentTaxFree < 0 || a.Payment < 0 ||
			a.PaymentSupply+a.PaymentVat+a.PaymentTaxFree != a.Payment {
			t.Errorf("%s block %d: payment %d = supply %d + VAT %d + tax-free %d?", what, i, a.Payment, a.PaymentSupply, a.PaymentVat, a.PaymentTaxFree)
		}
	}
}
