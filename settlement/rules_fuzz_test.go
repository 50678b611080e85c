package settlement

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// general returns r forced onto the general path: the formulas evaluated
// by the interpreter even where the fixed code would compute them.
func general(r *Rules) *Rules {
	c := *r
	c.fast = false
	return &c
}

// sameOutcome fails unless two computations agree: both refused with the
// same type and field, or both the same transfer.
func sameOutcome(t *testing.T, what string, fixed, gen Transfer, errFixed, errGen error) bool {
	t.Helper()
	if (errFixed == nil) != (errGen == nil) {
		t.Fatalf("%s: fixed code %v, formulas %v", what, errFixed, errGen)
	}
	if errFixed != nil {
		ef, eg := errFixed.(*Error), errGen.(*Error)
		if ef.Type != eg.Type || ef.Field != eg.Field {
			t.Fatalf("%s: fixed code %v, formulas %v", what, errFixed, errGen)
		}
		return false
	}
	if d := cmp.Diff(fixed, gen); d != "" {
		t.Fatalf("%s: the formulas differ from the fixed code (-fixed +formulas):\n%s", what, d)
	}
	return true
}

// FuzzRulesDefaultsMatchFixed holds the general path (the default formulas
// as data, run by the interpreter) to the fixed code on random contracts,
// policies, orders and cancels, every rounding mode and every fixed-fee and
// cancel variant: the same transfers to the won, the same refusals.
func FuzzRulesDefaultsMatchFixed(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte("defaults as data and as code: 0123456789abcdef"))
	f.Add(make([]byte, 64))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fuzzGen{b: data}
		terms := g.wideTerms()
		v := Variants{
			PlatformFixedFee: []FixedFeeScope{FixedFeePerOrder, FixedFeePerLine, FixedFeePerUnit}[g.n(2)],
			CancelFixed:      []CancelFixedRule{CancelFixedOnLastCancel, CancelFixedOnEachCancel}[g.n(1)],
		}
		spec := DefaultRulesWith(terms.Rounding).Spec()
		spec.Variants = v
		fast, err := NewRules(spec)
		if err != nil {
			t.Fatal(err)
		}
		if !fast.fast {
			t.Fatalf("the defaults with %+v are not on the fixed path", v)
		}
		order := g.wideOrder(&terms)
		tf, tg := terms, terms
		tf.Rules, tg.Rules = fast, general(fast)
		bf, errF := NewBook(order, tf)
		bg, errG := NewBook(order, tg)
		var of, og Transfer
		if bf != nil {
			of = bf.Order()
		}
		if bg != nil {
			og = bg.Order()
		}
		if !sameOutcome(t, "order", of, og, errF, errG) {
			return
		}
		for i := range 6 {
			c := g.wideCancel(bf, i)
			cf, errF := bf.Cancel(c)
			cg, errG := bg.Cancel(c)
			sameOutcome(t, fmt.Sprintf("cancel %d", i), cf, cg, errF, errG)
			if bf.FullyCancelled() {
				break
			}
		}
		if d := cmp.Diff(bf.Remaining(), bg.Remaining()); d != "" {
			t.Fatalf("remaining differs (-fixed +formulas):\n%s", d)
		}
	})
}

// fuzzRules picks merchant rules: formulas from a pool of plausible
// custom ones (fees on the payment, on the supply, net of the platform fee;
// settlements from the payment), any rounding, any variant, now and then a
// user-defined formula.
func (g *fuzzGen) fuzzRules(t *testing.T) *Rules {
	modes := []RoundMode{RoundDown, RoundUp, RoundHalfUp}
	pick := func(xs ...string) string { return xs[g.n(int64(len(xs)-1))] }
	s := RulesSpec{VATRound: modes[g.n(2)], PaymentVATRound: modes[g.n(2)]}
	add := func(key, formula string) {
		s.Formulas = append(s.Formulas, FormulaSpec{Key: key, Formula: formula, Round: modes[g.n(2)]})
	}
	add(FormulaDiscountShare, pick(DefaultFormula(FormulaDiscountShare), "DISCOUNT_AMOUNT * FIXED_RATE * 0.5"))
	add(FormulaPlatformFee, pick(DefaultFormula(FormulaPlatformFee), "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT",
		"(ORDER_AMOUNT - DISCOUNT_SHARE_AMOUNT) * FIXED_RATE + FIXED_AMOUNT", "PAYMENT_SUPPLY_AMOUNT * FIXED_RATE * 1.1 + FIXED_AMOUNT",
		"ORDER_AMOUNT * FIXED_RATE * 0.5 + FIXED_AMOUNT * 2"))
	add(FormulaAdditionalFee, pick(DefaultFormula(FormulaAdditionalFee), "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT",
		"(ORDER_AMOUNT - PLATFORM_FEE_AMOUNT) * FIXED_RATE + FIXED_AMOUNT"))
	add(FormulaSettlement, pick(DefaultFormula(FormulaSettlement), "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT",
		"PAYMENT_AMOUNT - PLATFORM_FEE_AMOUNT - PLATFORM_FEE_VAT - ADDITIONAL_FEE_AMOUNT - ADDITIONAL_FEE_VAT"))
	if g.n(1) == 1 {
		s.UserDefined = []FormulaSpec{{Key: "NET", Formula: "SETTLEMENT_AMOUNT * 0.967", Round: modes[g.n(2)]}}
	}
	for _, v := range VariantList {
		s.Variants = s.Variants.With(v.Key, v.Choices[g.n(int64(len(v.Choices)-1))])
	}
	r, err := NewRules(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// FuzzCustomRules runs merchant rules of every kind over random contracts,
// orders and cancels: the engine never panics, refuses with a bare *Error,
// keeps every block within ±MaxAmount, and a fully cancelled order nets to
// zero in every field and every user-defined result.
func FuzzCustomRules(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte("the merchant's own formulas and every variant: 0123456789"))
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fuzzGen{b: data}
		terms := g.wideTerms()
		terms.Rules = g.fuzzRules(t)
		order := g.wideOrder(&terms)
		b, err := NewBook(order, terms)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("NewBook: %T %v, want a bare *Error", err, err)
			}
			return
		}
		inBounds := func(what string, tr Transfer) {
			for i, a := range blocksOf(tr) {
				if !inBound(&a) {
					t.Fatalf("%s block %d out of bounds: %+v", what, i, a)
				}
			}
		}
		orig := b.Order()
		inBounds("order", orig)
		var sum Amounts
		user := map[string]Won{}
		qty := map[string]int64{}
		take := func(ct Transfer) {
			sum = must(t)(sum.Add(ct.Amounts))
			for k, v := range ct.UserDefined {
				user[k] += v
			}
		}
		for i := range 6 {
			ct, err := b.Cancel(g.wideCancel(b, i))
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("Cancel: %T %v, want a bare *Error", err, err)
				}
				continue
			}
			inBounds(fmt.Sprint("cancel ", i), ct)
			take(ct)
			for _, l := range ct.Lines {
				qty[l.Product.ID] += l.Quantity
			}
			if b.FullyCancelled() {
				break
			}
		}
		closeBook(t, b, sum, qty, func(last Transfer) {
			inBounds("last cancel", last)
			take(last)
		})
		for k, v := range orig.UserDefined {
			if user[k] != v {
				t.Fatalf("user-defined %s: the cancels total %d of an order with %d", k, user[k], v)
			}
		}
	})
}
