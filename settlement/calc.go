package settlement

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// The general path of the engine: a scope computed by the merchant's
// compiled formulas (rules.go). The default formulas take the fixed code of
// engine.go instead (Rules.fast); FuzzRulesDefaultsMatchFixed holds the two
// to the same results on every input.
//
// A scope's formulas read the scope's own figures, with two refinements:
//   - in the order-level scope of an order with lines, the discount, platform
//     fee and additional fee formulas (the per-policy ones) read the whole
//     order's figures, the lines' plus the order level's own so far, since
//     order-level fees are charged on the whole order (§6.5); the
//     settlement, settlementTaxFree and user-defined formulas ("block
//     formulas") read the scope's own, so that the order block, the sum of
//     the scopes, comes out right;
//   - in the discount share formulas DISCOUNT_AMOUNT and
//     DISCOUNT_TAX_FREE_AMOUNT are the one discount's, and FIXED_RATE and
//     FIXED_AMOUNT are the policy's own figures in every per-policy formula.
//
// The amounts PortOne derives by fixed rules stay fixed: payment = order −
// discount, paymentTaxFree = orderTaxFree − discountTaxFree, paymentVat =
// taxable ÷ 11 (rounded with the payment VAT rounding), paymentSupply the
// rest, paymentVatBurden = paymentVat when subtractPaymentVatAmount, and
// each fee's VAT = 10 % of the rounded fee (VAT rounding) when the partner
// pays it. When a block's payment VAT has to be moved (fitVAT), its block
// formulas are evaluated again; the per-policy results stand.

// exact are the unrounded results of the per-policy formulas of a part,
// kept for OrderBlockRecomputed.
type exact struct {
	share, shareTaxFree, platform, fees, partnerFees decimal.Decimal
}

func (e *exact) add(o *exact) *exact {
	if e == nil {
		return o.clone()
	}
	if o == nil {
		return e.clone()
	}
	return &exact{e.share.Add(o.share), e.shareTaxFree.Add(o.shareTaxFree), e.platform.Add(o.platform), e.fees.Add(o.fees), e.partnerFees.Add(o.partnerFees)}
}

func (e *exact) sub(o *exact) *exact {
	if o == nil {
		return e.clone()
	}
	if e == nil {
		e = &exact{}
	}
	return &exact{e.share.Sub(o.share), e.shareTaxFree.Sub(o.shareTaxFree), e.platform.Sub(o.platform), e.fees.Sub(o.fees), e.partnerFees.Sub(o.partnerFees)}
}

func (e *exact) clone() *exact {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// amountVar is the field of a block that variable id names (nil for
// FIXED_RATE and FIXED_AMOUNT).
func amountVar(a *Amounts, id varID) *Won {
	switch id {
	case vOrder:
		return &a.Order
	case vOrderTaxFree:
		return &a.OrderTaxFree
	case vDiscount:
		return &a.Discount
	case vDiscountTaxFree:
		return &a.DiscountTaxFree
	case vPayment:
		return &a.Payment
	case vPaymentTaxFree:
		return &a.PaymentTaxFree
	case vPaymentSupply:
		return &a.PaymentSupply
	case vPaymentVat:
		return &a.PaymentVat
	case vPaymentVatBurden:
		return &a.PaymentVatBurden
	case vDiscountShare:
		return &a.DiscountShare
	case vDiscountShareTaxFree:
		return &a.DiscountShareTaxFree
	case vPlatformFee:
		return &a.PlatformFee
	case vPlatformFeeVat:
		return &a.PlatformFeeVat
	case vAdditionalFee:
		return &a.AdditionalFee
	case vAdditionalFeeVat:
		return &a.AdditionalFeeVat
	case vSettlement:
		return &a.Settlement
	case vSettlementTaxFree:
		return &a.SettlementTaxFree
	}
	return nil
}

// stepFault is the part of a request a step's result comes from.
func stepFault(k stepKind) fault {
	switch k {
	case stepDiscountShare, stepDiscountShareTaxFree:
		return faultDiscounts
	case stepPlatformFee:
		return faultPlatformFee
	case stepAdditionalFee:
		return faultFees
	}
	return faultAmounts
}

// env is the variables of one scope: own are the scope's figures, view
// what the per-policy formulas read (own plus offset, the lines' sum, in
// the order-level scope of an order with lines; otherwise own itself).
type env struct {
	r      *Rules
	own    []decimal.Decimal
	view   []decimal.Decimal
	offset *part
	stack  []decimal.Decimal
}

func (b *Book) newEnv(offset *part) *env {
	n := int(nBuiltin) + len(b.rules.params) + len(b.rules.user)
	e := &env{r: b.rules, own: make([]decimal.Decimal, n), offset: offset, stack: make([]decimal.Decimal, 0, 8)}
	copy(e.own[nBuiltin:], b.params)
	e.view = e.own
	if offset != nil {
		e.view = make([]decimal.Decimal, n)
		copy(e.view, e.own)
	}
	return e
}

// setAmounts loads every variable that is a field of a (and the user
// results) into the env.
func (e *env) setAmounts(a *Amounts, user []Won) {
	for id := range nBuiltin {
		if w := amountVar(a, id); w != nil {
			e.set(int(id), *w)
		}
	}
	for i, v := range user {
		e.set(int(nBuiltin)+len(e.r.params)+i, v)
	}
}

// set sets variable slot to v in own and view.
func (e *env) set(slot int, v Won) {
	e.own[slot] = decimal.NewFromInt(int64(v))
	if e.offset == nil {
		return
	}
	off := Won(0)
	if slot < int(nBuiltin) {
		if w := amountVar(&e.offset.amounts, varID(slot)); w != nil {
			off = *w
		}
	} else if i := slot - int(nBuiltin) - len(e.r.params); i >= 0 && i < len(e.offset.user) {
		off = e.offset.user[i]
	}
	// Both figures are within the bound of limits.go, so the sum is exact
	// as a decimal whatever it is.
	e.view[slot] = e.own[slot].Add(decimal.NewFromInt(int64(off)))
}

// item evaluates a per-policy formula over the view with the policy's
// FIXED_RATE and FIXED_AMOUNT (and, for a discount, its own amounts).
func (e *env) item(p program, rate Rate, fixed decimal.Decimal, disc *Discount) decimal.Decimal {
	v := e.view
	saved := [4]decimal.Decimal{v[vFixedRate], v[vFixedAmount], v[vDiscount], v[vDiscountTaxFree]}
	v[vFixedRate] = decimal.New(int64(rate), -5)
	v[vFixedAmount] = fixed
	if disc != nil {
		v[vDiscount] = decimal.NewFromInt(int64(disc.Amount))
		v[vDiscountTaxFree] = decimal.NewFromInt(int64(disc.TaxFree))
	}
	x := p.eval(v, e.stack)
	v[vFixedRate], v[vFixedAmount], v[vDiscount], v[vDiscountTaxFree] = saved[0], saved[1], saved[2], saved[3]
	return x
}

// evalScope computes a scope with the merchant's formulas. offset is the
// lines' sum for the order-level scope of an order with lines, else nil.
func (b *Book) evalScope(s scope, offset *part) (part, fault) {
	r := b.rules
	k := b.terms.Contract
	var p part
	a := &p.amounts
	a.Order, a.OrderTaxFree = s.order, s.orderTaxFree
	c := checked{ok: true}
	if len(s.discounts) > 0 {
		p.discounts = make([]DiscountResult, 0, len(s.discounts))
	}
	for _, d := range s.discounts {
		p.discounts = append(p.discounts, DiscountResult{SharePolicyID: d.SharePolicyID, Amount: d.Amount, TaxFree: d.TaxFree})
	}
	if len(s.fees) > 0 {
		p.fees = make([]FeeResult, len(s.fees))
		for i, id := range s.fees {
			p.fees[i].PolicyID = id
		}
	}
	if f := p.sumItems(); f != noFault {
		return p, f
	}
	taxable, ok := taxableOf(a)
	if !ok {
		return p, faultAmounts
	}
	_, a.PaymentVat = SplitVAT(taxable, r.payVat)
	if !deriveFixed(a, k.SubtractPaymentVatAmount) {
		return p, faultAmounts
	}
	if len(r.user) > 0 {
		p.user = make([]Won, len(r.user))
	}
	if r.spec.Variants.OrderBlock == OrderBlockRecomputed {
		p.exact = &exact{}
	}
	e := b.newEnv(offset)
	e.setAmounts(a, p.user)
	won := func(x decimal.Decimal, m RoundMode) Won {
		w, ok := roundWon(x, m)
		c.ok = c.ok && ok
		return w
	}
	for i := range r.steps {
		st := &r.steps[i]
		switch st.kind {
		case stepDiscountShare, stepDiscountShareTaxFree:
			var total Won
			for j, d := range s.discounts {
				rate := b.terms.DiscountSharePolicies[d.SharePolicyID].PartnerShareRate
				x := e.item(st.prog, rate, decimal.Zero, &d)
				w := won(x, st.round)
				if st.kind == stepDiscountShare {
					p.discounts[j].ShareAmount = w
					if p.exact != nil {
						p.exact.share = p.exact.share.Add(x)
					}
				} else {
					p.discounts[j].ShareTaxFree = w
					if p.exact != nil {
						p.exact.shareTaxFree = p.exact.shareTaxFree.Add(x)
					}
				}
				total = c.add(total, w)
			}
			if st.kind == stepDiscountShare {
				a.DiscountShare = total
				e.set(int(vDiscountShare), total)
			} else {
				a.DiscountShareTaxFree = total
				e.set(int(vDiscountShareTaxFree), total)
			}
		case stepPlatformFee:
			// The formula runs only where the contract charges: its rate on
			// each line (or a whole order without lines), its fixed amount
			// where the fixed-fee variant puts it. Elsewhere the fee is 0,
			// whatever the formula would say with a rate of 0.
			var rate Rate
			fixed, charged := decimal.Zero, false
			if s.rateFee && k.PlatformFee.Kind == FeeFixedRate {
				rate, charged = k.PlatformFee.Rate, true
			}
			if s.fixedTimes > 0 && k.PlatformFee.Kind == FeeFixedAmount {
				fixed, charged = decimal.NewFromInt(int64(k.PlatformFee.Amount)).Mul(decimal.NewFromInt(s.fixedTimes)), true
			}
			a.PlatformFee = 0
			if charged {
				x := e.item(st.prog, rate, fixed, nil)
				a.PlatformFee = won(x, st.round)
				if p.exact != nil {
					p.exact.platform = x
				}
			}
			a.PlatformFeeVat = 0
			if k.PlatformFeeVatPayer == PayerPartner {
				a.PlatformFeeVat = c.rate(a.PlatformFee, VATRate, r.vat)
			}
			e.set(int(vPlatformFee), a.PlatformFee)
			e.set(int(vPlatformFeeVat), a.PlatformFeeVat)
		case stepAdditionalFee:
			var total, totalVat Won
			for j, id := range s.fees {
				pol := b.terms.AdditionalFeePolicies[id]
				var rate Rate
				fixed := decimal.Zero
				f := &p.fees[j]
				if pol.Fee.Kind == FeeFixedRate {
					rate = pol.Fee.Rate
				} else if !s.partial {
					fixed = decimal.NewFromInt(int64(pol.Fee.Amount))
				} else {
					// A partial cancel leaves a fixed-amount fee alone.
					f.Amount, f.VAT = 0, 0
					continue
				}
				x := e.item(st.prog, rate, fixed, nil)
				f.Amount = won(x, st.round)
				f.VAT = 0
				if pol.VatPayer == PayerPartner {
					f.VAT = c.rate(f.Amount, VATRate, r.vat)
				}
				if p.exact != nil {
					p.exact.fees = p.exact.fees.Add(x)
					if pol.VatPayer == PayerPartner {
						p.exact.partnerFees = p.exact.partnerFees.Add(x)
					}
				}
				total, totalVat = c.add(total, f.Amount), c.add(totalVat, f.VAT)
			}
			a.AdditionalFee, a.AdditionalFeeVat = total, totalVat
			e.set(int(vAdditionalFee), total)
			e.set(int(vAdditionalFeeVat), totalVat)
		default:
			b.blockStep(st, e, &p, &c)
		}
		if !c.ok {
			return p, stepFault(st.kind)
		}
	}
	return p, noFault
}

// blockStep evaluates a block formula over e's own figures into p.
func (b *Book) blockStep(st *step, e *env, p *part, c *checked) {
	w, ok := roundWon(st.prog.eval(e.own, e.stack), st.round)
	c.ok = c.ok && ok
	switch st.kind {
	case stepSettlement:
		p.amounts.Settlement = w
		e.set(int(vSettlement), w)
	case stepSettlementTaxFree:
		p.amounts.SettlementTaxFree = w
		e.set(int(vSettlementTaxFree), w)
	case stepUser:
		p.user[st.user] = w
		e.set(int(nBuiltin)+len(b.rules.params)+st.user, w)
	}
}

// deriveFixed sets the fields PortOne derives by fixed rules from the
// others (paymentVat is an input: a cancel or the order block may have
// fitted it); false if an operation would overflow.
func deriveFixed(a *Amounts, subtractPaymentVat bool) bool {
	c := checked{ok: true}
	a.Payment = c.sub(a.Order, a.Discount)
	a.PaymentTaxFree = c.sub(a.OrderTaxFree, a.DiscountTaxFree)
	a.PaymentSupply = c.sub(c.sub(a.Payment, a.PaymentTaxFree), a.PaymentVat)
	a.PaymentVatBurden = 0
	if subtractPaymentVat {
		a.PaymentVatBurden = a.PaymentVat
	}
	return c.ok
}

// derive sets what follows from a part's items and payment VAT: the fixed
// rules, then (on the general path) the block formulas, in evaluation
// order, over the part's own figures. It reports false on overflow.
func (b *Book) derive(p *part) bool {
	sub := b.terms.Contract.SubtractPaymentVatAmount
	if b.rules == nil {
		return derive(&p.amounts, sub)
	}
	if !deriveFixed(&p.amounts, sub) {
		return false
	}
	if len(b.rules.user) > 0 && len(p.user) != len(b.rules.user) {
		p.user = make([]Won, len(b.rules.user))
	}
	e := b.newEnv(nil)
	e.setAmounts(&p.amounts, p.user)
	c := checked{ok: true}
	for i := range b.rules.steps {
		if st := &b.rules.steps[i]; st.block() {
			b.blockStep(st, e, p, &c)
		}
	}
	return c.ok
}

// recompute makes w, whose input fields (order, discounts, tax-free) are
// the sum of its scopes and x their exact per-policy results, an order block
// under OrderBlockRecomputed: the exact sums rounded once, the VAT on them,
// its own payment VAT (fitted within rem, what is left of the order, for a
// cancel) and its block formulas. It reports false on overflow.
func (b *Book) recompute(w *part, x *exact, rem *Amounts) bool {
	r := b.rules
	if x == nil {
		x = &exact{}
	}
	round := func(k stepKind) RoundMode {
		for i := range r.steps {
			if r.steps[i].kind == k {
				return r.steps[i].round
			}
		}
		return RoundDown
	}
	a := &w.amounts
	ok, c := true, checked{ok: true}
	won := func(d decimal.Decimal, k stepKind) Won {
		v, o := roundWon(d, round(k))
		ok = ok && o
		return v
	}
	a.DiscountShare = won(x.share, stepDiscountShare)
	a.DiscountShareTaxFree = won(x.shareTaxFree, stepDiscountShareTaxFree)
	a.PlatformFee = won(x.platform, stepPlatformFee)
	a.PlatformFeeVat = 0
	if b.terms.Contract.PlatformFeeVatPayer == PayerPartner {
		a.PlatformFeeVat = c.rate(a.PlatformFee, VATRate, r.vat)
	}
	a.AdditionalFee = won(x.fees, stepAdditionalFee)
	a.AdditionalFeeVat = c.rate(won(x.partnerFees, stepAdditionalFee), VATRate, r.vat)
	if rem != nil {
		capAmounts(a, rem)
	}
	taxable, o := taxableOf(a)
	if !ok || !o || !c.ok {
		return false
	}
	_, a.PaymentVat = SplitVAT(taxable, r.payVat)
	if rem != nil {
		a.PaymentVat = fitVAT(a.PaymentVat, taxable, rem.PaymentVat, rem.PaymentSupply)
	}
	w.exact = x
	return b.derive(w)
}

// capAmounts caps the rounded items of a block at what rem has left.
func capAmounts(a, rem *Amounts) {
	a.DiscountShare = capWon(a.DiscountShare, rem.DiscountShare)
	a.DiscountShareTaxFree = capWon(a.DiscountShareTaxFree, rem.DiscountShareTaxFree)
	a.PlatformFee = capWon(a.PlatformFee, rem.PlatformFee)
	a.PlatformFeeVat = capWon(a.PlatformFeeVat, rem.PlatformFeeVat)
	a.AdditionalFee = capWon(a.AdditionalFee, rem.AdditionalFee)
	a.AdditionalFeeVat = capWon(a.AdditionalFeeVat, rem.AdditionalFeeVat)
}

// resolveParams returns the values of the rules' parameters for o: the
// order's, else the default. A parameter without either is an *Error
// naming it.
func resolveParams(r *Rules, o *Order) ([]decimal.Decimal, error) {
	if r == nil || len(r.params) == 0 {
		return nil, nil
	}
	out := make([]decimal.Decimal, len(r.params))
	for i, p := range r.params {
		v, ok := o.Parameters[p.Key]
		switch {
		case ok:
			out[i] = v.Decimal()
		case p.Default != nil:
			out[i] = p.Default.Decimal()
		default:
			return nil, newError(ErrInvalidRequest, "parameters."+p.Key, "the merchant's formulas read settlement parameter %q, which has no default: send it in parameters", p.Key)
		}
	}
	return out, nil
}

// checkParams checks the parameter values an order sends.
func checkParams(ps map[string]Param) error {
	for k, v := range ps {
		if err := CheckID("parameters", k); err != nil {
			return err
		}
		if err := v.Check(); err != nil {
			return newError(ErrInvalidRequest, fmt.Sprintf("parameters.%s.decimalScale", k), "%v", err)
		}
	}
	return nil
}

// userMap renders user results as the map of amount.userDefinedFormulas.
func (b *Book) userMap(user []Won) map[string]Won {
	if b.rules == nil || len(b.rules.user) == 0 {
		return nil
	}
	m := make(map[string]Won, len(b.rules.user))
	for i, k := range b.rules.user {
		if i < len(user) {
			m[k] = user[i]
		} else {
			m[k] = 0
		}
	}
	return m
}
