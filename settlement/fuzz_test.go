package settlement

import (
	"fmt"
	"math"
	"testing"
)

// FuzzTermsOrdersCancels fuzzes contracts and policies together with
// orders and cancels: rates from 0 to 100 % and beyond, fixed amounts up to
// and beyond the limits (MaxInt64 included), many lines and items, every
// rounding mode, both VAT payers, subtractPaymentVatAmount. For every input
// the engine either refuses it with a bare *Error, or every transfer keeps
// the block identities and the bound of limits.go, the order block is the
// sum of its lines and order-level part, no cancel takes more than remains,
// and cancelling what remains nets the order to zero in every field.
func FuzzTermsOrdersCancels(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte("contracts, policies, orders and cancels, all at once: 0123456789abcdef"))
	f.Add(make([]byte, 128))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fuzzGen{b: data}
		terms := g.wideTerms()
		order := g.wideOrder(&terms)
		b, err := NewBook(order, terms)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("NewBook: %T %v, want a bare *Error", err, err)
			}
			return
		}
		sub := terms.Contract.SubtractPaymentVatAmount
		orig := b.Order()
		checkBounded(t, "order", orig, sub)
		checkTransfer(t, orig, sub)
		var sum Amounts
		qty := map[string]int64{}
		for i := range 8 {
			ct, err := b.Cancel(g.wideCancel(b, i))
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("Cancel: %T %v, want a bare *Error", err, err)
				}
				continue
			}
			what := fmt.Sprintf("cancel %d", i)
			checkBounded(t, what, ct, sub)
			checkTransfer(t, ct, sub)
			if sum, err = sum.Add(ct.Amounts); err != nil {
				t.Fatal(err)
			}
			for _, l := range ct.Lines {
				qty[l.Product.ID] += l.Quantity
			}
			for _, f := range AmountFields {
				s, o := *f.Get(&sum), *f.Get(&orig.Amounts)
				if f.Name != "settlement" && f.Name != "settlementTaxFree" && (s < 0 || s > o) {
					t.Fatalf("after %s: the cancels took %s %d of an order with %d", what, f.Name, s, o)
				}
			}
			if left, _ := orig.Amounts.Sub(sum); left != b.Remaining() {
				t.Fatalf("after %s: remaining %+v, but the order less the cancels is %+v", what, b.Remaining(), left)
			}
			if b.FullyCancelled() {
				break
			}
		}
		closeBook(t, b, sum, qty, func(last Transfer) {
			checkBounded(t, "last cancel", last, sub)
			checkTransfer(t, last, sub)
		})
	})
}

// closeBook ends a fuzz run over b, whose accepted cancels took sum and the
// quantities qty: none took more of a product than was ordered, and
// cancelling what remains (checked with check) nets the order to zero.
func closeBook(t *testing.T, b *Book, sum Amounts, qty map[string]int64, check func(Transfer)) {
	t.Helper()
	orig := b.Order()
	for _, l := range orig.Lines {
		if qty[l.Product.ID] > l.Quantity {
			t.Fatalf("cancelled %d of product %s, ordered %d", qty[l.Product.ID], l.Product.ID, l.Quantity)
		}
	}
	if !b.FullyCancelled() {
		last, err := b.Cancel(Cancellation{CancellationID: "last", Form: CancelAll, SettlementStartDate: orig.SettlementStartDate})
		if err != nil {
			t.Fatalf("cancel all of what remains: %v", err)
		}
		check(last)
		sum = must(t)(sum.Add(last.Amounts))
	}
	if sum != orig.Amounts || !b.Remaining().IsZero() {
		t.Fatalf("a fully cancelled order does not net to zero:\norder   %+v\ncancels %+v\nremaining %+v", orig.Amounts, sum, b.Remaining())
	}
}

// nonNegative are the fields no block of an order or a cancel may have
// below zero: all but the two settlements.
func nonNegative(name string) bool { return name != "settlement" && name != "settlementTaxFree" }

// checkBounded asserts the bound of limits.go on every block and item of
// tr, and that no block has a negative amount other than its settlement.
func checkBounded(t *testing.T, what string, tr Transfer, subtractVat bool) {
	t.Helper()
	for i, a := range blocksOf(tr) {
		for _, f := range AmountFields {
			v := *f.Get(&a)
			if v < -MaxAmount || v > MaxAmount || (nonNegative(f.Name) && v < 0) {
				t.Fatalf("%s block %d: %s = %d out of bounds\n%+v", what, i, f.Name, v, a)
			}
		}
		if d := deductionsOf(&a); d > MaxAmount {
			t.Fatalf("%s block %d: deductions %d > %d", what, i, d, MaxAmount)
		}
	}
	items := func(ds []DiscountResult, fs []FeeResult) {
		for _, d := range ds {
			for _, v := range []Won{d.Amount, d.TaxFree, d.ShareAmount, d.ShareTaxFree} {
				if v < 0 || v > MaxAmount {
					t.Fatalf("%s: discount item %+v out of bounds", what, d)
				}
			}
		}
		for _, f := range fs {
			if f.Amount < 0 || f.Amount > MaxAmount || f.VAT < 0 || f.VAT > MaxAmount {
				t.Fatalf("%s: fee item %+v out of bounds", what, f)
			}
		}
	}
	items(tr.Discounts, tr.AdditionalFees)
	for _, l := range tr.Lines {
		items(l.Discounts, l.AdditionalFees)
	}
}

// big returns a number 0..max from eight bytes, for amounts beyond 2^32.
func (g *fuzzGen) big(max int64) int64 {
	hi, lo := g.n(math.MaxUint32), g.n(math.MaxUint32)
	v := uint64(hi)<<32 | uint64(lo)
	if max <= 0 {
		return 0
	}
	return int64(v % (uint64(max) + 1))
}

// wideRate is a rate at the edges more often than not: 0, 100 %, a few
// common ones, anything within, and now and then one outside.
func (g *fuzzGen) wideRate() Rate {
	if g.n(31) == 0 {
		return []Rate{-1, RateScale + 1, math.MaxInt64, math.MinInt64}[g.n(3)]
	}
	switch g.n(8) {
	case 0:
		return 0
	case 1:
		return RateScale
	case 2:
		return []Rate{1, 3300, 10000, 33333, 50000, 99999}[g.n(5)]
	}
	return Rate(g.n(int64(RateScale)))
}

// wideAmount is a fixed amount: small, at or near the limit, or beyond it.
func (g *fuzzGen) wideAmount() Won {
	if g.n(31) == 0 {
		return []Won{MaxAmount + 1, 1_000_000_000_000_000, math.MaxInt64, -1}[g.n(3)]
	}
	switch g.n(8) {
	case 0:
		return 0
	case 1:
		return MaxAmount
	case 2:
		return MaxAmount/2 + Won(g.n(10))
	case 3:
		return Won(g.big(int64(MaxAmount)))
	}
	return Won(g.n(100_000))
}

func (g *fuzzGen) wideFee() Fee {
	if g.n(1) == 0 {
		return Fee{Kind: FeeFixedRate, Rate: g.wideRate()}
	}
	return Fee{Kind: FeeFixedAmount, Amount: g.wideAmount()}
}

func (g *fuzzGen) payer() Payer {
	if g.n(63) == 0 {
		return "NOBODY"
	}
	return []Payer{PayerPartner, PayerMerchant}[g.n(1)]
}

// wideTerms builds a contract and a few policies of each kind (d0.., f0..).
func (g *fuzzGen) wideTerms() Terms {
	modes := []RoundMode{RoundDown, RoundUp, RoundHalfUp}
	t := Terms{
		Contract: Contract{ID: "c", PlatformFee: g.wideFee(), PlatformFeeVatPayer: g.payer(), SubtractPaymentVatAmount: g.n(1) == 1,
			Cycle: Cycle{LagDays: 1 + int(g.n(9)), DatePolicy: HolidayAfter, Method: CycleDaily}},
		DiscountSharePolicies: map[string]DiscountSharePolicy{},
		AdditionalFeePolicies: map[string]AdditionalFeePolicy{},
		Rounding:              Rounding{modes[g.n(2)], modes[g.n(2)]},
	}
	for i := range 1 + g.n(3) {
		id := fmt.Sprint("d", i)
		t.DiscountSharePolicies[id] = DiscountSharePolicy{ID: id, PartnerShareRate: g.wideRate()}
	}
	for i := range 1 + g.n(5) {
		id := fmt.Sprint("f", i)
		t.AdditionalFeePolicies[id] = AdditionalFeePolicy{ID: id, Fee: g.wideFee(), VatPayer: g.payer()}
	}
	return t
}

// items picks discounts (on an order amount of up to max) and fee policies
// for one scope: usually a few distinct ones, sometimes a repeat, now and
// then many.
func (g *fuzzGen) items(t *Terms, max Won) ([]Discount, []string) {
	nd, nf := len(t.DiscountSharePolicies), len(t.AdditionalFeePolicies)
	count := func(n int) int64 {
		if g.n(15) == 0 {
			return g.n(int64(n) + 2) // may repeat a policy
		}
		return g.n(int64(n))
	}
	var ds []Discount
	off := g.n(int64(nd))
	for k := range count(nd) {
		id := fmt.Sprint("d", (k+off)%int64(nd))
		amt := Won(g.big(int64(max)))
		ds = append(ds, Discount{SharePolicyID: id, Amount: amt, TaxFree: Won(g.n(int64(amt) / 4))})
	}
	var fs []string
	off = g.n(int64(nf))
	for k := range count(nf) {
		fs = append(fs, fmt.Sprint("f", (k+off)%int64(nf)))
	}
	return ds, fs
}

// wideOrder builds an order by amount or by lines, from a few won to the
// limit, with up to a few hundred lines.
func (g *fuzzGen) wideOrder(t *Terms) Order {
	o := Order{PartnerID: "p", PaymentID: "x", SettlementStartDate: MustDate("2025-01-01").AddDays(int(g.n(1000)))}
	scale := []int64{1_000, 1_000_000, int64(MaxAmount)}[g.n(2)]
	if g.n(2) == 0 {
		o.OrderAmount = Won(g.big(scale))
		o.Discounts, o.AdditionalFees = g.items(t, o.OrderAmount/Won(1+g.n(3)))
		if g.n(1) == 1 {
			o.TaxFree = ptr(Won(g.big(int64(o.OrderAmount) / 3)))
		}
		return o
	}
	o.HasLines = true
	n := 1 + g.n(4)
	if g.n(7) == 0 {
		n = 1 + g.n(300)
	}
	var total Won
	for i := range n {
		room := (int64(MaxAmount) - int64(total)) / n
		qty := 1 + g.n(9)
		if g.n(9) == 0 {
			qty = 1 + g.big(MaxQuantity-1) // a large quantity of a cheap product
		}
		unit := Won(g.big(min(scale, room/qty)))
		p := Product{ID: fmt.Sprint("p", i), Amount: unit, TaxFree: Won(g.n(int64(unit) / 3))}
		l := Line{Product: p, Quantity: qty}
		l.Discounts, l.AdditionalFees = g.items(t, p.Amount*Won(qty)/Won(2+g.n(3)))
		total += p.Amount * Won(qty)
		o.Lines = append(o.Lines, l)
	}
	// Order-level discounts from a little to (nearly) all of the payment:
	// where the VAT splits of the scopes disagree most.
	o.Discounts, o.AdditionalFees = g.items(t, total/Won(1+g.n(4)))
	if len(o.Discounts) > 0 && g.n(3) == 0 {
		// One discount that leaves a payment of a few won: the VAT of the
		// lines, each rounded on its own, may then exceed the payment.
		left, leftTF := total, Won(0)
		for _, l := range o.Lines {
			leftTF += l.Product.TaxFree * Won(l.Quantity)
			for _, d := range l.Discounts {
				left, leftTF = left-d.Amount, leftTF-d.TaxFree
			}
		}
		k := Won(g.n(3))
		amt := max(0, left-k)
		o.Discounts = []Discount{{SharePolicyID: o.Discounts[0].SharePolicyID, Amount: amt, TaxFree: min(amt, max(0, leftTF-Won(g.n(int64(k)))))}}
	}
	return o
}

// wideCancel is a cancel of what remains in b: all, an amount, or some
// lines, with parts of the discounts from none to all of what remains of
// them. It may be invalid on purpose (too much, a form the order does not
// have).
func (g *fuzzGen) wideCancel(b *Book, id int) Cancellation {
	c := Cancellation{CancellationID: CancellationID(fmt.Sprint("c", id)), SettlementStartDate: b.order.SettlementStartDate.AddDays(int(g.n(40)))}
	part := func(d DiscountResult) Discount {
		switch g.n(3) {
		case 0:
			return Discount{SharePolicyID: d.SharePolicyID, Amount: d.Amount, TaxFree: d.TaxFree}
		case 1:
			return Discount{SharePolicyID: d.SharePolicyID, Amount: d.Amount + Won(g.n(2)), TaxFree: Won(g.n(int64(d.TaxFree)))}
		}
		amt := Won(g.big(int64(d.Amount)))
		return Discount{SharePolicyID: d.SharePolicyID, Amount: amt, TaxFree: Won(g.big(int64(min(amt, d.TaxFree))))}
	}
	switch g.n(5) {
	case 0:
		c.Form = CancelAll
		return c
	case 1:
		c.Form = CancelByAmount
		c.OrderAmount = Won(g.big(int64(b.rest.amounts.Order) + 2))
		if g.n(3) == 0 {
			c.TaxFree = ptr(Won(g.big(int64(b.rest.amounts.OrderTaxFree))))
		}
	default:
		c.Form = CancelByLines
		for i, l := range b.order.Lines {
			if g.n(2) == 0 || b.lines[i].qty == 0 {
				continue
			}
			cl := CancelLine{ProductID: l.Product.ID, Quantity: 1 + g.big(b.lines[i].qty-1)}
			for _, d := range b.lines[i].discounts {
				if g.n(1) == 1 {
					cl.Discounts = append(cl.Discounts, part(d))
				}
			}
			c.Lines = append(c.Lines, cl)
		}
	}
	for _, d := range b.rest.discounts {
		if g.n(1) == 1 {
			c.Discounts = append(c.Discounts, part(d))
		}
	}
	return c
}
