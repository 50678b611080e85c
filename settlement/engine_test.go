package settlement

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func testTerms() Terms {
	return Terms{
		Contract: Contract{ID: "c", Name: "c", PlatformFee: Fee{Kind: FeeFixedRate, Rate: 10000}, PlatformFeeVatPayer: PayerPartner,
			Cycle: Cycle{LagDays: 2, DatePolicy: HolidayBefore, Method: CycleMonthly, DaysOfMonth: []int{31}}},
		DiscountSharePolicies: map[string]DiscountSharePolicy{"half": {ID: "half", PartnerShareRate: 50000}, "third": {ID: "third", PartnerShareRate: 33333}},
		AdditionalFeePolicies: map[string]AdditionalFeePolicy{
			"pg":   {ID: "pg", Fee: Fee{Kind: FeeFixedRate, Rate: 3300}, VatPayer: PayerPartner},
			"ship": {ID: "ship", Fee: Fee{Kind: FeeFixedAmount, Amount: 3000}, VatPayer: PayerMerchant},
		},
		Rounding: DefaultRounding,
	}
}

// benchOrder is the order BenchmarkSettleOrder and several tests use: three
// lines, one line discount, one additional fee, one order-level discount.
func benchOrder() Order {
	return Order{
		PartnerID: "p", PaymentID: "pay", HasLines: true, SettlementStartDate: MustDate("2025-03-04"),
		Lines: []Line{
			{Product: Product{ID: "a", Name: "A", Amount: 12900}, Quantity: 3, Discounts: []Discount{{SharePolicyID: "half", Amount: 1000}}},
			{Product: Product{ID: "b", Name: "B", Amount: 4990, TaxFree: 990}, Quantity: 2, AdditionalFees: []string{"pg"}},
			{Product: Product{ID: "c", Name: "C", Amount: 333}, Quantity: 7},
		},
		Discounts: []Discount{{SharePolicyID: "third", Amount: 2000}},
	}
}

// checkTransfer asserts the identities every block satisfies and that the
// order block is the sum of the line blocks and the order-level items.
func checkTransfer(t testing.TB, tr Transfer, subtractVat bool) {
	t.Helper()
	blocks := []Amounts{tr.Amounts}
	for _, l := range tr.Lines {
		blocks = append(blocks, l.Amounts)
	}
	for i, a := range blocks {
		burden := Won(0)
		if subtractVat {
			burden = a.PaymentVat
		}
		switch {
		case a.Payment != a.Order-a.Discount:
			t.Fatalf("block %d: payment %d != order %d − discount %d", i, a.Payment, a.Order, a.Discount)
		case a.Settlement != a.Order-a.DiscountShare-a.PlatformFee-a.PlatformFeeVat-a.AdditionalFee-a.AdditionalFeeVat-a.PaymentVatBurden:
			t.Fatalf("block %d: settlement %d is not order minus every deduction: %+v", i, a.Settlement, a)
		case a.PaymentVatBurden != burden:
			t.Fatalf("block %d: paymentVatBurden %d, want %d", i, a.PaymentVatBurden, burden)
		case a.PaymentSupply+a.PaymentVat+a.PaymentTaxFree != a.Payment:
			t.Fatalf("block %d: supply %d + VAT %d + tax-free %d != payment %d", i, a.PaymentSupply, a.PaymentVat, a.PaymentTaxFree, a.Payment)
		}
	}
	if len(tr.Lines) == 0 {
		return
	}
	rest := must(t)(tr.Amounts.Sub(must(t)(tr.LinesTotal())))
	var d, share, fee, vat Won
	for _, x := range tr.Discounts {
		d += x.Amount
		share += x.ShareAmount
	}
	for _, x := range tr.AdditionalFees {
		fee += x.Amount
		vat += x.VAT
	}
	if rest.Order != 0 || rest.Discount != d || rest.DiscountShare != share || rest.AdditionalFee != fee || rest.AdditionalFeeVat != vat {
		t.Fatalf("order block − Σ lines = %+v, but the order-level items are discount %d share %d fee %d VAT %d", rest, d, share, fee, vat)
	}
}

func TestSettleOrderTies(t *testing.T) {
	tr, err := SettleOrder(benchOrder(), testTerms())
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, false)
	// Line a: 38700, fee 3870 (VAT 387), share 500 → 33943.
	if got := tr.Lines[0].Amounts.Settlement; got != 33943 {
		t.Errorf("line a settlement = %d, want 33943", got)
	}
	// Line b: 9980, fee 998 (99), pg 3.3% = 329.34 → 329 (VAT 32) → 8522.
	if got := tr.Lines[1].Amounts; got.AdditionalFee != 329 || got.AdditionalFeeVat != 32 || got.Settlement != 8522 {
		t.Errorf("line b = %+v, want additional fee 329, VAT 32, settlement 8522", got)
	}
	// Line c: 2331, fee 233.1 → 233 (23) → 2075. Order level: share of 2000 at 33.333% = 666.
	if got := tr.Amounts.Settlement; got != 33943+8522+2075-666 {
		t.Errorf("order settlement = %d, want %d", got, 33943+8522+2075-666)
	}
	if got := tr.SettlementDate; got != MustDate("2025-03-31") {
		t.Errorf("settlement date = %s, want 2025-03-31", got)
	}
}

func TestRoundingModesOnOrder(t *testing.T) {
	// 3 lines of 333 won at 10 %: per line 33.3 — the case portone-platform.md
	// §6.3 recommends to verify — and a VAT of 3.33 per line.
	o := Order{PartnerID: "p", PaymentID: "x", HasLines: true, SettlementStartDate: MustDate("2025-03-04"), Lines: []Line{
		{Product: Product{ID: "1", Amount: 333}, Quantity: 1},
		{Product: Product{ID: "2", Amount: 333}, Quantity: 1},
		{Product: Product{ID: "3", Amount: 333}, Quantity: 1},
	}}
	for _, c := range []struct {
		r             Rounding
		fee, vat, set Won
	}{
		{Rounding{RoundDown, RoundDown}, 99, 9, 999 - 99 - 9},
		{Rounding{RoundUp, RoundUp}, 102, 12, 999 - 102 - 12},
		{Rounding{RoundHalfUp, RoundHalfUp}, 99, 9, 999 - 99 - 9},
		{Rounding{RoundUp, RoundDown}, 102, 9, 999 - 102 - 9},
	} {
		tm := testTerms()
		tm.Rounding = c.r
		tr, err := SettleOrder(o, tm)
		if err != nil {
			t.Fatal(err)
		}
		a := tr.Amounts
		if a.PlatformFee != c.fee || a.PlatformFeeVat != c.vat || a.Settlement != c.set {
			t.Errorf("rounding %+v: fee %d VAT %d settlement %d, want %d %d %d", c.r, a.PlatformFee, a.PlatformFeeVat, a.Settlement, c.fee, c.vat, c.set)
		}
	}
}

func TestFixedAmountFees(t *testing.T) {
	tm := testTerms()
	tm.Contract.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: 1500}
	o := benchOrder()
	o.Lines[2].AdditionalFees = []string{"ship"}
	b, err := NewBook(o, tm)
	if err != nil {
		t.Fatal(err)
	}
	tr := b.Order()
	checkTransfer(t, tr, false)
	if tr.Amounts.PlatformFee != 1500 || must(t)(tr.LinesTotal()).PlatformFee != 0 {
		t.Errorf("fixed platform fee: order %d, lines %d; want 1500 once per transfer, on the order level", tr.Amounts.PlatformFee, must(t)(tr.LinesTotal()).PlatformFee)
	}
	if got := tr.Lines[2].AdditionalFees; len(got) != 1 || got[0].Amount != 3000 || got[0].VAT != 0 {
		t.Errorf("line fixed fee = %+v, want 3000 with no VAT (merchant pays)", got)
	}
	// A partial cancel returns no fixed amounts; the last cancel returns them.
	c1, err := b.Cancel(Cancellation{CancellationID: "c1", Form: CancelByLines, SettlementStartDate: MustDate("2025-03-05"),
		Lines: []CancelLine{{ProductID: "c", Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if c1.Amounts.PlatformFee != 0 || c1.Amounts.AdditionalFee != 0 {
		t.Errorf("partial cancel returned fixed fees: %+v", c1.Amounts)
	}
	c2, err := b.Cancel(Cancellation{CancellationID: "c2", Form: CancelAll, SettlementStartDate: MustDate("2025-03-06")})
	if err != nil {
		t.Fatal(err)
	}
	if sum := must(t)(c1.Amounts.Add(c2.Amounts)); sum != tr.Amounts {
		t.Errorf("cancels sum to %+v, want the order %+v", sum, tr.Amounts)
	}
}

func TestCancelSequence(t *testing.T) {
	b, err := NewBook(benchOrder(), testTerms())
	if err != nil {
		t.Fatal(err)
	}
	orig := b.Order()
	day := MustDate("2025-03-10")
	steps := []Cancellation{
		{CancellationID: "1", Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 1, Discounts: []Discount{{SharePolicyID: "half", Amount: 300}}}}},
		{CancellationID: "2", Form: CancelByLines, Lines: []CancelLine{{ProductID: "c", Quantity: 7}}, Discounts: []Discount{{SharePolicyID: "third", Amount: 500}}},
		{CancellationID: "3", Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 2}, {ProductID: "b", Quantity: 2}}},
	}
	var sum Amounts
	for i, c := range steps {
		c.SettlementStartDate = day
		ct, err := b.Cancel(c)
		if err != nil {
			t.Fatalf("cancel %d: %v", i, err)
		}
		checkTransfer(t, ct, false)
		sum = must(t)(sum.Add(ct.Amounts))
	}
	if sum != orig.Amounts {
		t.Errorf("three cancels that take every line sum to\n%+v\nwant the order\n%+v", sum, orig.Amounts)
	}
	if !b.FullyCancelled() || !b.Remaining().IsZero() {
		t.Errorf("after the last line: fully cancelled %v, remaining %+v", b.FullyCancelled(), b.Remaining())
	}
	_, err = b.Cancel(Cancellation{CancellationID: "4", Form: CancelAll, SettlementStartDate: day})
	if !errors.Is(err, ErrOrderTransferAlreadyCancelled) {
		t.Errorf("cancel after full cancel: %v, want %s", err, ErrOrderTransferAlreadyCancelled)
	}
}

func TestCancelErrors(t *testing.T) {
	day := MustDate("2025-03-10")
	amountOrder := Order{PartnerID: "p", PaymentID: "x", OrderAmount: 10000, SettlementStartDate: day,
		Discounts: []Discount{{SharePolicyID: "half", Amount: 2000}}}
	cases := []struct {
		name  string
		order Order
		c     Cancellation
		typ   ErrorType
		field string
	}{
		{"quantity", benchOrder(), Cancellation{Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 4}}}, ErrCancellableProductQuantityExceeded, "orderDetail.orderLines[0].quantity"},
		{"unknown product", benchOrder(), Cancellation{Form: CancelByLines, Lines: []CancelLine{{ProductID: "z", Quantity: 1}}}, ErrProductIDNotFound, "orderDetail.orderLines[0].productId"},
		{"product twice", benchOrder(), Cancellation{Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 1}, {ProductID: "a", Quantity: 1}}}, ErrProductIDDuplicated, "orderDetail.orderLines[1].productId"},
		{"line discount over", benchOrder(), Cancellation{Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 1, Discounts: []Discount{{SharePolicyID: "half", Amount: 1001}}}}}, ErrCancellableDiscountAmountExceeded, "orderDetail.orderLines[0].discounts[0].amount"},
		{"discount not in order", benchOrder(), Cancellation{Form: CancelByLines, Lines: []CancelLine{{ProductID: "b", Quantity: 1, Discounts: []Discount{{SharePolicyID: "half", Amount: 1}}}}}, ErrTransferDiscountSharePolicyNotFound, "orderDetail.orderLines[0].discounts[0].sharePolicyId"},
		{"policy twice", benchOrder(), Cancellation{Form: CancelAll, Discounts: []Discount{{SharePolicyID: "third", Amount: 1}, {SharePolicyID: "third", Amount: 1}}}, ErrDiscountSharePolicyIDDuplicated, "discounts[1].sharePolicyId"},
		{"amount over", amountOrder, Cancellation{Form: CancelByAmount, OrderAmount: 10001}, ErrCancellableAmountExceeded, "orderDetail.orderAmount"},
		{"amount form on lines", benchOrder(), Cancellation{Form: CancelByAmount, OrderAmount: 1}, ErrOrderDetailMismatched, "orderDetail.orderAmount"},
		{"lines form on amount", amountOrder, Cancellation{Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 1}}}, ErrOrderDetailMismatched, "orderDetail.orderLines"},
		{"leaves more discount than order", amountOrder, Cancellation{Form: CancelByAmount, OrderAmount: 9000}, ErrSettlementAmountExceeded, "discounts"},
		{"date before start", amountOrder, Cancellation{Form: CancelAll, SettlementDate: day.AddDays(-1)}, ErrSettlementDateEarlierThanSettlementStartDate, "settlementDate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := NewBook(c.order, testTerms())
			if err != nil {
				t.Fatal(err)
			}
			c.c.CancellationID, c.c.SettlementStartDate = "x", day
			before := b.Remaining()
			_, err = b.Cancel(c.c)
			if !errors.Is(err, c.typ) {
				t.Fatalf("Cancel: %v, want %s", err, c.typ)
			}
			if e, _ := AsError(err); e.Field != c.field {
				t.Errorf("field = %q, want %q", e.Field, c.field)
			}
			if b.Remaining() != before {
				t.Error("a rejected cancel changed the book")
			}
		})
	}
}

func TestPaymentVatBurden(t *testing.T) {
	tm := testTerms()
	tm.Contract.SubtractPaymentVatAmount = true
	tr, err := SettleOrder(Order{PartnerID: "p", PaymentID: "x", OrderAmount: 11000, TaxFree: ptr(Won(1100)), SettlementStartDate: MustDate("2025-03-04")}, tm)
	if err != nil {
		t.Fatal(err)
	}
	a := tr.Amounts
	// Taxable 9900 → VAT 900, supply 9000; fee 1100 (110); settlement 11000−1100−110−900.
	if a.PaymentVat != 900 || a.PaymentSupply != 9000 || a.PaymentVatBurden != 900 || a.Settlement != 8890 || a.SettlementTaxFree != 1100 {
		t.Errorf("got %+v", a)
	}
}

func ptr[T any](v T) *T { return &v }

// must returns a function that returns its amounts, failing the test on
// an error: must(t)(a.Add(b)).
func must(t testing.TB) func(Amounts, error) Amounts {
	return func(a Amounts, err error) Amounts {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

// fuzzGen turns fuzz bytes into bounded choices.
type fuzzGen struct {
	b []byte
	i int
}

func (g *fuzzGen) n(max int64) int64 {
	if max <= 0 {
		return 0
	}
	var v uint64
	for k := 0; k < 4; k++ {
		v <<= 8
		if g.i < len(g.b) {
			v |= uint64(g.b[g.i])
			g.i++
		}
	}
	return int64(v % uint64(max+1))
}

func (g *fuzzGen) terms() Terms {
	t := testTerms()
	modes := []RoundMode{RoundDown, RoundUp, RoundHalfUp}
	t.Rounding = Rounding{modes[g.n(2)], modes[g.n(2)]}
	if g.n(1) == 0 {
		t.Contract.PlatformFee = Fee{Kind: FeeFixedRate, Rate: Rate(g.n(30000))}
	} else {
		t.Contract.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: Won(g.n(5000))}
	}
	t.Contract.PlatformFeeVatPayer = []Payer{PayerPartner, PayerMerchant}[g.n(1)]
	t.Contract.SubtractPaymentVatAmount = g.n(1) == 1
	return t
}

func (g *fuzzGen) discounts(max Won) []Discount {
	var ds []Discount
	for k := range g.n(2) {
		amt := Won(g.n(int64(max) / 2))
		ds = append(ds, Discount{SharePolicyID: []string{"half", "third"}[(k+g.n(1))%2], Amount: amt, TaxFree: Won(g.n(int64(amt) / 4))})
	}
	return ds
}

func (g *fuzzGen) fees() []string {
	var fs []string
	for k := range g.n(2) {
		fs = append(fs, []string{"pg", "ship"}[(k+g.n(1))%2]) // a policy once per scope
	}
	return fs
}

func (g *fuzzGen) order() Order {
	o := Order{PartnerID: "p", PaymentID: "x", SettlementStartDate: MustDate("2025-01-01").AddDays(int(g.n(3000)))}
	if g.n(1) == 0 {
		o.OrderAmount = Won(g.n(2_000_000))
		o.Discounts = g.discounts(o.OrderAmount / 2)
		if g.n(1) == 1 {
			o.TaxFree = ptr(Won(g.n(int64(o.OrderAmount) / 3)))
		}
	} else {
		o.HasLines = true
		var total Won
		for i := range 1 + g.n(4) {
			p := Product{ID: fmt.Sprint("p", i), Amount: Won(g.n(100_000))}
			p.TaxFree = Won(g.n(int64(p.Amount) / 3))
			l := Line{Product: p, Quantity: 1 + g.n(9), AdditionalFees: g.fees()}
			l.Discounts = g.discounts(p.Amount * Won(l.Quantity) / 3)
			total += p.Amount * Won(l.Quantity)
			o.Lines = append(o.Lines, l)
		}
		o.Discounts = g.discounts(total / 4)
	}
	o.AdditionalFees = g.fees()
	return o
}

// primary are the fields a cancel may never take more of than remains.
var primary = []string{"order", "orderTaxFree", "discount", "discountTaxFree", "discountShare", "discountShareTaxFree",
	"platformFee", "platformFeeVat", "additionalFee", "additionalFeeVat", "payment", "paymentTaxFree"}

// FuzzSettleAndCancel checks the invariants of DESIGN.md §6 on random
// orders, terms and cancel sequences: blocks tie, no cancel takes back more
// than remains, and a fully cancelled order nets to zero in every field.
func FuzzSettleAndCancel(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte("a longer seed with many different bytes in it 0123456789"))
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fuzzGen{b: data}
		terms := g.terms()
		b, err := NewBook(g.order(), terms)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("NewBook: untyped error %v", err)
			}
			return
		}
		orig := b.Order()
		checkTransfer(t, orig, terms.Contract.SubtractPaymentVatAmount)
		var sum Amounts
		qty := map[string]int64{}
		for i := range 6 {
			ct, err := b.Cancel(g.wideCancel(b, i))
			if err != nil {
				if _, ok := AsError(err); !ok {
					t.Fatalf("Cancel: untyped error %v", err)
				}
				continue
			}
			checkTransfer(t, ct, terms.Contract.SubtractPaymentVatAmount)
			sum = must(t)(sum.Add(ct.Amounts))
			for _, l := range ct.Lines {
				qty[l.Product.ID] += l.Quantity
			}
			for _, name := range primary {
				for _, fld := range AmountFields {
					if fld.Name != name {
						continue
					}
					s, o := *fld.Get(&sum), *fld.Get(&orig.Amounts)
					if (o >= 0 && (s > o || s < 0)) || (o < 0 && (s < o || s > 0)) {
						t.Fatalf("after cancel %d: cancels took %s %d of an order with %d", i, name, s, o)
					}
				}
			}
		}
		closeBook(t, b, sum, qty, func(last Transfer) { checkTransfer(t, last, terms.Contract.SubtractPaymentVatAmount) })
	})
}

func BenchmarkSettleOrder(b *testing.B) {
	terms := testTerms()
	terms.Calendar = KoreanCalendar()
	o := benchOrder()
	o.AdditionalFees = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SettleOrder(o, terms); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = time.Second

// BenchmarkSettleOrderRules is BenchmarkSettleOrder with the help center's
// custom formulas: the general path (the interpreter), for comparison.
func BenchmarkSettleOrderRules(b *testing.B) {
	terms := testTerms()
	terms.Calendar = KoreanCalendar()
	r, err := NewRules(helpCenterSpec())
	if err != nil {
		b.Fatal(err)
	}
	terms.Rules = r
	o := benchOrder()
	o.AdditionalFees = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SettleOrder(o, terms); err != nil {
			b.Fatal(err)
		}
	}
}
