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
