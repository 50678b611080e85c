package settlement

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// scope is one place where the formulas run: an order line, the order-level
// items of an order with lines, or the whole of an order given by amount.
type scope struct {
	order, orderTaxFree Won
	feeBase             Won // base of rate fees: the scope's order amount, or the whole order for order-level items
	discounts           []Discount
	fees                []string
	rateFee             bool  // the contract's rate applies here
	fixedTimes          int64 // how many times the contract's fixed amount is charged here (Variants.PlatformFixedFee)
	partial             bool  // a partial cancel: fixed-amount policy fees are returned only with the remainder
}

// part is a computed scope: its block and its discount and fee details,
// one entry per policy in order of first appearance.
type part struct {
	amounts   Amounts
	discounts []DiscountResult
	fees      []FeeResult
	user      []Won  // user-defined formula results (general path only)
	exact     *exact // unrounded per-policy results (OrderBlockRecomputed only)
}

// fault says which part of a request drove a computation out of range,
// so that the error can name it: the scope's discounts, its additional
// fees, the contract's platform fee, or the scope's amounts themselves.
type fault uint8

const (
	noFault fault = iota
	faultDiscounts
	faultFees
	faultPlatformFee
	faultAmounts
)

// site names a scope of a request in error fields: an order line (its
// index in the request) or, with line -1, the order level.
type site struct{ line int }

var orderLevel = site{line: -1}

func (s site) path() string {
	if s.line < 0 {
		return "orderDetail"
	}
	return fmt.Sprintf("orderDetail.orderLines[%d]", s.line)
}

// field is the request field of fault f at s.
func (s site) field(f fault) string {
	prefix := ""
	if s.line >= 0 {
		prefix = s.path() + "."
	}
	switch f {
	case faultDiscounts:
		return prefix + "discounts"
	case faultFees:
		return prefix + "additionalFees"
	case faultPlatformFee:
		return "contract.platformFee"
	}
	return s.path()
}

// rangeError is the refusal of a computation that would overflow int64.
func (s site) rangeError(f fault) *Error {
	return newError(ErrInvalidRequest, s.field(f), "the amounts computed from this are beyond the range of a won amount")
}

// fieldFault maps a field of Amounts (its index in AmountFields) to the
// part of the request that feeds it.
func fieldFault(i int) fault {
	switch AmountFields[i].Name {
	case "discount", "discountTaxFree", "discountShare", "discountShareTaxFree":
		return faultDiscounts
	case "additionalFee", "additionalFeeVat":
		return faultFees
	case "platformFee", "platformFeeVat":
		return faultPlatformFee
	}
	return faultAmounts
}

// compute runs the formulas on one scope. Every operation is checked; a
// fault says where one would have overflowed (the part is then unusable).
func (t *Terms) compute(s scope) (part, fault) {
	var p part
	a := &p.amounts
	fr, vr := t.Rounding.Fee, t.Rounding.VAT
	a.Order, a.OrderTaxFree = s.order, s.orderTaxFree
	c := checked{ok: true}
	if len(s.discounts) > 0 {
		p.discounts = make([]DiscountResult, 0, len(s.discounts))
	}
	for _, d := range s.discounts {
		rate := t.DiscountSharePolicies[d.SharePolicyID].PartnerShareRate
		p.discounts = append(p.discounts, DiscountResult{
			SharePolicyID: d.SharePolicyID, Amount: d.Amount, TaxFree: d.TaxFree,
			ShareAmount: c.rate(d.Amount, rate, fr), ShareTaxFree: c.rate(d.TaxFree, rate, fr),
		})
	}
	if !c.ok {
		return p, faultDiscounts
	}
	k := t.Contract
	if s.rateFee && k.PlatformFee.Kind == FeeFixedRate {
		a.PlatformFee = c.rate(s.feeBase, k.PlatformFee.Rate, fr)
	}
	if s.fixedTimes > 0 && k.PlatformFee.Kind == FeeFixedAmount {
		a.PlatformFee = c.mul(k.PlatformFee.Amount, s.fixedTimes)
	}
	if k.PlatformFeeVatPayer == PayerPartner {
		a.PlatformFeeVat = c.rate(a.PlatformFee, VATRate, vr)
	}
	if !c.ok {
		return p, faultPlatformFee
	}
	if len(s.fees) > 0 {
		p.fees = make([]FeeResult, 0, len(s.fees))
	}
	for _, id := range s.fees {
		pol := t.AdditionalFeePolicies[id]
		var amt Won
		if pol.Fee.Kind == FeeFixedAmount {
			if !s.partial {
				amt = pol.Fee.Amount
			}
		} else {
			amt = c.rate(s.feeBase, pol.Fee.Rate, fr)
		}
		var vat Won
		if pol.VatPayer == PayerPartner {
			vat = c.rate(amt, VATRate, vr)
		}
		p.fees = append(p.fees, FeeResult{PolicyID: id, Amount: amt, VAT: vat})
	}
	if !c.ok {
		return p, faultFees
	}
	if f := p.sumItems(); f != noFault {
		return p, f
	}
	taxable, ok := taxableOf(a)
	if !ok {
		return p, faultAmounts
	}
	_, a.PaymentVat = SplitVAT(taxable, vr)
	if !derive(a, k.SubtractPaymentVatAmount) {
		return p, faultAmounts
	}
	return p, noFault
}

// taxableOf is the taxable part of a block's payment, (order − discount) −
// (orderTaxFree − discountTaxFree): what paymentVat and paymentSupply split.
func taxableOf(a *Amounts) (Won, bool) {
	c := checked{ok: true}
	t := c.sub(c.sub(a.Order, a.Discount), c.sub(a.OrderTaxFree, a.DiscountTaxFree))
	return t, c.ok
}

// sumItems sets the block's discount and fee totals from its items.
func (p *part) sumItems() fault {
	a := &p.amounts
	c := checked{ok: true}
	a.Discount, a.DiscountTaxFree, a.DiscountShare, a.DiscountShareTaxFree = 0, 0, 0, 0
	for _, d := range p.discounts {
		a.Discount = c.add(a.Discount, d.Amount)
		a.DiscountTaxFree = c.add(a.DiscountTaxFree, d.TaxFree)
		a.DiscountShare = c.add(a.DiscountShare, d.ShareAmount)
		a.DiscountShareTaxFree = c.add(a.DiscountShareTaxFree, d.ShareTaxFree)
	}
	if !c.ok {
		return faultDiscounts
	}
	a.AdditionalFee, a.AdditionalFeeVat = 0, 0
	for _, f := range p.fees {
		a.AdditionalFee = c.add(a.AdditionalFee, f.Amount)
		a.AdditionalFeeVat = c.add(a.AdditionalFeeVat, f.VAT)
	}
	if !c.ok {
		return faultFees
	}
	return noFault
}

// derive sets the fields that follow from the others; paymentVat is an
// input here because a cancel or the order block may have fitted it. It
// reports false if an operation would overflow.
func derive(a *Amounts, subtractPaymentVat bool) bool {
	if !deriveFixed(a, subtractPaymentVat) {
		return false
	}
	c := checked{ok: true}
	s := c.sub(a.Order, a.DiscountShare)
	s = c.sub(s, a.PlatformFee)
	s = c.sub(s, a.PlatformFeeVat)
	s = c.sub(s, a.AdditionalFee)
	s = c.sub(s, a.AdditionalFeeVat)
	a.Settlement = c.sub(s, a.PaymentVatBurden)
	a.SettlementTaxFree = c.sub(a.OrderTaxFree, a.DiscountShareTaxFree)
	return c.ok
}

// fitVAT returns v, the VAT computed for a block whose taxable payment is
// taxable, moved as little as needed so that neither paymentVat nor
// paymentSupply (taxable − VAT) is negative or more than rem has left of
// it. Rounding each scope on its own can leave the sum of the scopes'
// VAT above the taxable amount of the block (three lines of 12 won with
// VAT rounded UP and an order-level discount of 36: VAT 2, supply −2 on a
// payment of 0); the block's own figures come first. When 0 ≤ taxable ≤
// rem's taxable the range is never empty.
func fitVAT(v, taxable, remVat, remSupply Won) Won {
	c := checked{ok: true}
	lo := max(0, c.sub(taxable, remSupply))
	hi := min(remVat, taxable)
	if !c.ok {
		return v
	}
	return min(max(v, lo), hi)
}

// SettleOrder validates o against t and computes its order transfer.
//
// Errors are *Error values with PortOne's types: INVALID_REQUEST for
// malformed values, for a contract or policy outside its limits
// (Contract.Validate and the policies' Validate), for an additional-fee
// policy named twice in one scope, and for results outside the bound of
// limits.go; PLATFORM_PRODUCT_ID_DUPLICATED,
// PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED (a discount share policy
// twice in one scope), PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED (discount over
// order, tax-free over its base), PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND,
// PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND and
// PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE. The error is
// the *Error itself, never wrapped.
func SettleOrder(o Order, t Terms) (Transfer, error) {
	b, err := NewBook(o, t)
	if err != nil {
		return Transfer{}, err
	}
	return b.orig, nil
}

// Book is one order transfer and what its cancellations have taken back so
// far. It is a value of the domain, not a store: callers rebuild it from the
// order and its accepted cancellations (NewBook, then Cancel for each in
// the order they were accepted). A Book is not safe for concurrent use.
//
// Invariant: every field of left and of each line has the sign of the
// order's and no larger a magnitude (paymentVat and paymentSupply
// included); under OrderBlockSumOfLines left is also the sum of lines and
// rest, field by field.
type Book struct {
	terms    Terms
	rules    *Rules            // the general path's rules; nil: the fixed code with terms.Rounding
	variants Variants          // every choice set
	params   []decimal.Decimal // the rules' parameters for this order (general path)
	order    Order
	orig     Transfer
	lines    []remainder // per order line, aligned with order.Lines
	rest     remainder   // order-level items (or the whole order without lines)
	left     Amounts     // the order block less every cancel so far
	leftUser []Won       // its user-defined formula results
	closed   bool        // fully cancelled
}

// remainder is what is left of one scope.
type remainder struct {
	qty int64
	part
}

var defaultVariants = Variants{}.normalized()

// compute runs the formulas on one scope: the fixed code for the default
// formulas, the merchant's compiled formulas otherwise. offset is the sum
// of the lines for the order-level scope of an order with lines (read by
// the general path only).
func (b *Book) compute(s scope, offset *part) (part, fault) {
	if b.rules == nil {
		return b.terms.compute(s)
	}
	return b.evalScope(s, offset)
}

// lineFixed is how many times a line of qty units is charged the
// contract's fixed amount; restFixed, the order level of an order with
// lines.
func (b *Book) lineFixed(qty int64) int64 {
	switch b.variants.PlatformFixedFee {
	case FixedFeePerLine:
		return 1
	case FixedFeePerUnit:
		return qty
	}
	return 0
}

func (b *Book) restFixed() int64 {
	if b.variants.PlatformFixedFee == FixedFeePerOrder {
		return 1
	}
	return 0
}

// addPart adds q to p: its block, its user results and its exact sums
// (the items are not summed). It reports false on overflow.
func (p *part) addPart(q *part) bool {
	var ok bool
	if p.amounts, ok = p.amounts.add(q.amounts); !ok {
		return false
	}
	if q.user != nil {
		if p.user == nil {
			p.user = make([]Won, len(q.user))
		}
		c := checked{ok: true}
		for i := range q.user {
			p.user[i] = c.add(p.user[i], q.user[i])
		}
		if !c.ok {
			return false
		}
	}
	if q.exact != nil {
		p.exact = p.exact.add(q.exact)
	}
	return true
}

// NewBook settles o and returns the book that tracks its cancellations.
// It returns the errors of SettleOrder.
func NewBook(o Order, t Terms) (*Book, error) {
	if t.Rounding == (Rounding{}) {
		t.Rounding = DefaultRounding
	}
	if t.Calendar == nil {
		t.Calendar = KoreanCalendar()
	}
	b := &Book{variants: defaultVariants}
	if r := t.Rules; r != nil {
		b.variants = r.spec.Variants
		if r.fast {
			t.Rounding = Rounding{Fee: r.fee, VAT: r.vat}
		} else {
			b.rules = r
		}
	}
	if err := validateOrder(&o, &t); err != nil {
		return nil, err
	}
	params, err := resolveParams(t.Rules, &o)
	if err != nil {
		return nil, err
	}
	b.terms, b.order, b.params = t, o, params
	tr := Transfer{
		Kind: KindOrder, PartnerID: o.PartnerID, PaymentID: o.PaymentID, ContractID: t.Contract.ID,
		SettlementStartDate: o.SettlementStartDate,
	}
	c := checked{ok: true}
	var whole, lines part
	if o.HasLines {
		b.lines = make([]remainder, 0, len(o.Lines))
		tr.Lines = make([]LineResult, 0, len(o.Lines))
		var total, linesTaxFree Won
		for i, l := range o.Lines {
			at := site{line: i}
			order, tf := c.mul(l.Product.Amount, l.Quantity), c.mul(l.Product.TaxFree, l.Quantity)
			total, linesTaxFree = c.add(total, order), c.add(linesTaxFree, tf)
			if !c.ok {
				return nil, at.rangeError(faultAmounts)
			}
			p, f := b.compute(scope{order: order, orderTaxFree: tf, feeBase: order, discounts: l.Discounts, fees: l.AdditionalFees,
				rateFee: true, fixedTimes: b.lineFixed(l.Quantity)}, nil)
			if f != noFault {
				return nil, at.rangeError(f)
			}
			if err := checkBlock(&p.amounts, i, l.Product.ID); err != nil {
				return nil, err
			}
			if err := checkPart(&p.amounts, at); err != nil {
				return nil, err
			}
			if !whole.addPart(&p) {
				return nil, at.rangeError(faultAmounts)
			}
			b.lines = append(b.lines, remainder{qty: l.Quantity, part: p})
			tr.Lines = append(tr.Lines, LineResult{Product: l.Product, Quantity: l.Quantity, Discounts: p.discounts, AdditionalFees: p.fees,
				Amounts: p.amounts, UserDefined: b.userMap(p.user)})
		}
		var restTF Won
		if o.TaxFree != nil {
			restTF = c.sub(*o.TaxFree, linesTaxFree)
		}
		var offset *part
		if b.rules != nil {
			lines = whole
			lines.user = append([]Won(nil), whole.user...)
			offset = &lines
		}
		var f fault
		b.rest.part, f = b.compute(scope{orderTaxFree: restTF, feeBase: total, discounts: o.Discounts, fees: o.AdditionalFees,
			fixedTimes: b.restFixed()}, offset)
		if !c.ok || f != noFault {
			return nil, orderLevel.rangeError(f)
		}
	} else {
		var tf Won
		if o.TaxFree != nil {
			tf = *o.TaxFree
		}
		var f fault
		b.rest.part, f = b.compute(scope{order: o.OrderAmount, orderTaxFree: tf, feeBase: o.OrderAmount, discounts: o.Discounts, fees: o.AdditionalFees,
			rateFee: true, fixedTimes: 1}, nil)
		if f != noFault {
			return nil, orderLevel.rangeError(f)
		}
	}
	if err := checkPart(&b.rest.amounts, orderLevel); err != nil {
		return nil, err
	}
	if !whole.addPart(&b.rest.part) {
		return nil, orderLevel.rangeError(faultAmounts)
	}
	if err := checkBlock(&whole.amounts, -1, ""); err != nil {
		return nil, err
	}
	if o.HasLines {
		if b.variants.OrderBlock == OrderBlockRecomputed {
			if !b.recompute(&whole, whole.exact, nil) {
				return nil, orderLevel.rangeError(faultAmounts)
			}
		} else if !b.fitOrderVAT(&whole, &lines) {
			return nil, orderLevel.rangeError(faultAmounts)
		}
	}
	if err := b.checkWhole(&whole.amounts, &b.rest.part, nil); err != nil {
		return nil, err
	}
	tr.Discounts, tr.AdditionalFees = b.rest.discounts, b.rest.fees
	tr.Amounts, tr.UserDefined = whole.amounts, b.userMap(whole.user)
	d, err := SettlementDateFor(o.SettlementStartDate, o.SettlementDate, t.Contract.Cycle, t.Calendar, t.AdjustEarlierToNextDay, b.variants.ShortMonth)
	if err != nil {
		return nil, err
	}
	tr.SettlementDate = d
	b.orig = tr
	b.left, b.leftUser = whole.amounts, whole.user
	return b, nil
}

// fitOrderVAT gives the order block of an order with lines its own VAT
// split: the order-level part takes whatever the lines' splits leave (see
// fitVAT). lines is the lines' sum (general path only). It reports false
// on overflow.
func (b *Book) fitOrderVAT(whole, lines *part) bool {
	taxable, _ := taxableOf(&whole.amounts)
	v := fitVAT(whole.amounts.PaymentVat, taxable, taxable, taxable)
	if v == whole.amounts.PaymentVat {
		return true
	}
	c := checked{ok: true}
	r := &b.rest.amounts
	r.PaymentVat = c.add(r.PaymentVat, c.sub(v, whole.amounts.PaymentVat))
	if !c.ok || !b.derive(&b.rest.part) {
		return false
	}
	if b.rules == nil {
		whole.amounts.PaymentVat = v
		return derive(&whole.amounts, b.terms.Contract.SubtractPaymentVatAmount)
	}
	exact := whole.exact
	*whole = *lines
	whole.user = append([]Won(nil), lines.user...)
	ok := whole.addPart(&b.rest.part)
	whole.exact = exact
	return ok
}

// checkPart applies the bound (limits.go) to one part, a line block or the
// order-level part. Its items are never negative, so they are within the
// bound when their totals are.
func checkPart(a *Amounts, at site) error {
	if inBound(a) && deductionsOf(a) <= MaxAmount {
		return nil
	}
	return boundError([]sitePart{{*a, at}}, *a)
}

// checkWhole applies the bound to a transfer's block, whole, the sum of rest
// and the parts of lines (nil: the book's own lines, as for the order
// itself).
func (b *Book) checkWhole(whole *Amounts, rest *part, lines []linePlan) error {
	if inBound(whole) && deductionsOf(whole) <= MaxAmount {
		return nil
	}
	var parts []sitePart
	if lines == nil {
		for j := range b.lines {
			parts = append(parts, sitePart{b.lines[j].amounts, site{line: j}})
		}
	} else {
		for j := range lines {
			parts = append(parts, sitePart{lines[j].part.amounts, site{line: lines[j].request}})
		}
	}
	return boundError(append(parts, sitePart{rest.amounts, orderLevel}), *whole)
}

// sitePart is a part of a block and where the request states it.
type sitePart struct {
	a  Amounts
	at site
}

// boundError explains why whole, the sum of parts, is out of the bound: it
// walks the parts in request order with a running total of the deductions
// (rule 2), then of the field at fault (rule 1), and names the request
// field at which the total crossed. Deductions come first: they are what
// takes settlement below −MaxAmount.
func boundError(parts []sitePart, whole Amounts) error {
	c := checked{ok: true}
	total := c.add(c.add(c.add(whole.DiscountShare, whole.PlatformFee), c.add(whole.PlatformFeeVat, whole.AdditionalFee)),
		c.add(whole.AdditionalFeeVat, whole.PaymentVatBurden))
	if !c.ok || total > MaxAmount {
		c = checked{ok: true}
		var run Won
		for _, p := range parts {
			for _, d := range []struct {
				v Won
				f fault
			}{{p.a.DiscountShare, faultDiscounts}, {p.a.PlatformFee, faultPlatformFee}, {p.a.PlatformFeeVat, faultPlatformFee},
				{p.a.AdditionalFee, faultFees}, {p.a.AdditionalFeeVat, faultFees}, {p.a.PaymentVatBurden, faultAmounts}} {
				if run = c.add(run, d.v); !c.ok || run > MaxAmount {
					return newError(ErrInvalidRequest, p.at.field(d.f), "the deductions would total more than %d (%s)", MaxAmount, deductionsText(&whole))
				}
			}
		}
		return newError(ErrInvalidRequest, parts[len(parts)-1].at.field(faultAmounts), "the deductions total more than %d (%s)", MaxAmount, deductionsText(&whole))
	}
	if i, _ := outOfBound(whole); i >= 0 {
		f := AmountFields[i]
		c = checked{ok: true}
		var run Won
		for _, p := range parts {
			if run = c.add(run, *f.Get(&p.a)); !c.ok || run < -MaxAmount || run > MaxAmount {
				return newError(ErrInvalidRequest, p.at.field(fieldFault(i)), "%s would be %d or more in magnitude, beyond ±%d", f.Name, abs64(int64(run)), MaxAmount)
			}
		}
	}
	return newError(ErrInvalidRequest, "", "the amounts are beyond the bound (±%d; deductions %s)", MaxAmount, deductionsText(&whole))
}

// checkBlock applies PortOne's PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED rules to
// one block: discount ≤ order, discount tax-free ≤ discount and ≤ order
// tax-free, payment tax-free ≤ payment. line is the order line's index, or
// -1 for the whole order; the field path is built only on failure.
func checkBlock(a *Amounts, line int, productID string) error {
	fail := func(sub AmountExceededType, f string, req, allowed Won, what string) error {
		if line >= 0 {
			f = fmt.Sprintf("orderDetail.orderLines[%d].%s", line, f)
		}
		return &Error{Type: ErrSettlementAmountExceeded, Field: f, ExceededType: sub, ProductID: productID,
			Requested: req, Allowed: allowed, Message: fmt.Sprintf("%s %d exceeds %d", what, req, allowed)}
	}
	switch {
	case a.Discount > a.Order:
		return fail(DiscountThanOrder, "discounts", a.Discount, a.Order, "discount")
	case a.DiscountTaxFree > a.Discount:
		return fail(DiscountTaxFreeThanDiscount, "discounts", a.DiscountTaxFree, a.Discount, "discount tax-free")
	case a.DiscountTaxFree > a.OrderTaxFree:
		return fail(DiscountTaxFreeThanOrderTaxFree, "discounts", a.DiscountTaxFree, a.OrderTaxFree, "discount tax-free")
	case a.PaymentTaxFree > a.Payment:
		return fail(PaymentTaxFreeThanPayment, "taxFreeAmount", a.PaymentTaxFree, a.Payment, "payment tax-free")
	}
	return nil
}

func validateOrder(o *Order, t *Terms) error {
	if o.PartnerID == "" {
		return newError(ErrInvalidRequest, "partnerId", "required")
	}
	if o.PaymentID == "" {
		return newError(ErrInvalidRequest, "paymentId", "required")
	}
	if o.SettlementStartDate.IsZero() {
		return newError(ErrInvalidRequest, "settlementStartDate", "required")
	}
	if err := t.Rounding.Validate(); err != nil {
		return newError(ErrInvalidRequest, "rounding", "%v", err)
	}
	if e := t.Contract.Validate(); e != nil {
		e.Field = joinField("contract", e.Field)
		return e
	}
	var missingD, missingF []string
	checkPolicies := func(ds []Discount, fees []string, line int) error {
		at := func() string {
			if line < 0 {
				return ""
			}
			return fmt.Sprintf("orderDetail.orderLines[%d].", line)
		}
		if len(ds) > MaxItems || len(fees) > MaxItems {
			return newError(ErrInvalidRequest, at()+"discounts", "at most %d discounts and %d additional fees", MaxItems, MaxItems)
		}
		for i, d := range ds {
			if err := checkDiscount(d); err != nil {
				err.Field = fmt.Sprintf("%sdiscounts[%d].%s", at(), i, err.Field)
				return err
			}
			pol, ok := t.DiscountSharePolicies[d.SharePolicyID]
			if !ok {
				if !slices.Contains(missingD, d.SharePolicyID) {
					missingD = append(missingD, d.SharePolicyID)
				}
				continue
			}
			if e := pol.Validate(); e != nil {
				return policyAt(e, fmt.Sprintf("%sdiscounts[%d].sharePolicyId", at(), i))
			}
		}
		if i, j := duplicate(len(ds), func(k int) string { return ds[k].SharePolicyID }); j >= 0 {
			e := newError(ErrDiscountSharePolicyIDDuplicated, fmt.Sprintf("%sdiscounts[%d].sharePolicyId", at(), j),
				"discount share policy %q is also %sdiscounts[%d]; give one discount per policy in a scope", ds[j].SharePolicyID, at(), i)
			e.PolicyID = ds[j].SharePolicyID
			return e
		}
		for i, id := range fees {
			pol, ok := t.AdditionalFeePolicies[id]
			if !ok {
				if !slices.Contains(missingF, id) {
					missingF = append(missingF, id)
				}
				continue
			}
			if e := pol.Validate(); e != nil {
				return policyAt(e, fmt.Sprintf("%sadditionalFees[%d].policyId", at(), i))
			}
		}
		if i, j := duplicate(len(fees), func(k int) string { return fees[k] }); j >= 0 {
			e := newError(ErrInvalidRequest, fmt.Sprintf("%sadditionalFees[%d].policyId", at(), j),
				"additional fee policy %q is also %sadditionalFees[%d]; a policy is charged once per scope", fees[j], at(), i)
			e.PolicyID = fees[j]
			return e
		}
		return nil
	}
	if o.HasLines {
		if len(o.Lines) == 0 {
			return newError(ErrInvalidRequest, "orderDetail.orderLines", "at least one order line")
		}
		if len(o.Lines) > MaxLines {
			return newError(ErrInvalidRequest, "orderDetail.orderLines", "at most %d order lines, got %d", MaxLines, len(o.Lines))
		}
		seen := make(map[string]int, len(o.Lines))
		var total Won
		for i, l := range o.Lines {
			p := l.Product
			if err := checkLine(i, l); err != nil {
				return err
			}
			if j, dup := seen[p.ID]; dup {
				e := newError(ErrProductIDDuplicated, fmt.Sprintf("orderDetail.orderLines[%d].product.id", i), "product %q is also order line %d", p.ID, j)
				e.ProductID = p.ID
				return e
			}
			seen[p.ID] = i
			c := checked{ok: true}
			// checkLine bounds the line by MaxAmount, so neither step can
			// overflow; checked all the same.
			if total = c.add(total, c.mul(p.Amount, l.Quantity)); !c.ok || total > MaxAmount {
				return newError(ErrInvalidRequest, "orderDetail.orderLines", "order total exceeds %d", MaxAmount)
			}
			if err := checkPolicies(l.Discounts, l.AdditionalFees, i); err != nil {
				return err
			}
		}
	} else if err := CheckAmount("orderDetail.orderAmount", o.OrderAmount); err != nil {
		return err
	}
	if o.TaxFree != nil {
		if err := CheckAmount("taxFreeAmount", *o.TaxFree); err != nil {
			return err
		}
	}
	if err := checkPolicies(o.Discounts, o.AdditionalFees, -1); err != nil {
		return err
	}
	if len(o.Parameters) > 0 {
		if err := checkParams(o.Parameters); err != nil {
			return err
		}
	}
	if len(missingD) > 0 {
		e := newError(ErrDiscountSharePoliciesNotFound, "discounts", "unknown discount share policies %v", missingD)
		e.PolicyIDs = missingD
		return e
	}
	if len(missingF) > 0 {
		e := newError(ErrAdditionalFeePoliciesNotFound, "additionalFees", "unknown additional fee policies %v", missingF)
		e.PolicyIDs = missingF
		return e
	}
	return nil
}

// policyAt points a policy's error at the request field that names the
// policy, keeping the policy's own field in the message.
func policyAt(e *Error, ref string) *Error {
	e.Message, e.Field = fmt.Sprintf("%s (the policy's %s)", e.Message, e.Field), ref
	return e
}

// duplicate returns the indexes i < j of the first key (by j) that occurs
// twice among n keys, or j = -1. Scopes are small (a few items) and at
// most MaxItems, so a short list is scanned and a long one hashed.
func duplicate(n int, key func(int) string) (i, j int) {
	if n <= 16 {
		for j := 1; j < n; j++ {
			kj := key(j)
			for i := 0; i < j; i++ {
				if key(i) == kj {
					return i, j
				}
			}
		}
		return -1, -1
	}
	seen := make(map[string]int, n)
	for j := 0; j < n; j++ {
		k := key(j)
		if i, ok := seen[k]; ok {
			return i, j
		}
		seen[k] = j
	}
	return -1, -1
}

// checkLine checks one order line's own values.
func checkLine(i int, l Line) error {
	p := l.Product
	field := func(f string) string { return fmt.Sprintf("orderDetail.orderLines[%d].%s", i, f) }
	switch {
	case p.ID == "":
		return newError(ErrInvalidRequest, field("product.id"), "required")
	case l.Quantity <= 0 || l.Quantity > MaxQuantity:
		return newError(ErrInvalidRequest, field("quantity"), "must be 1..%d, got %d", MaxQuantity, l.Quantity)
	case p.Amount < 0 || p.Amount > MaxAmount:
		return newError(ErrInvalidRequest, field("product.amount"), "must be 0..%d, got %d", MaxAmount, p.Amount)
	case p.TaxFree < 0 || p.TaxFree > p.Amount:
		return newError(ErrInvalidRequest, field("product.taxFreeAmount"), "must be 0..product.amount (%d), got %d", p.Amount, p.TaxFree)
	case p.Amount > 0 && Won(l.Quantity) > MaxAmount/p.Amount:
		return newError(ErrInvalidRequest, field("quantity"), "amount × quantity exceeds %d", MaxAmount)
	}
	return nil
}

// checkDiscount checks one discount's own values; the error's Field is
// relative to the discount and the caller prefixes its path.
func checkDiscount(d Discount) *Error {
	switch {
	case d.SharePolicyID == "":
		return newError(ErrInvalidRequest, "sharePolicyId", "required")
	case d.Amount < 0 || d.Amount > MaxAmount:
		return newError(ErrInvalidRequest, "amount", "must be 0..%d, got %d", MaxAmount, d.Amount)
	case d.TaxFree < 0:
		return newError(ErrInvalidRequest, "taxFreeAmount", "must be >= 0, got %d", d.TaxFree)
	case d.TaxFree > d.Amount:
		return &Error{Type: ErrSettlementAmountExceeded, Field: "taxFreeAmount", ExceededType: DiscountTaxFreeThanDiscount,
			PolicyID: d.SharePolicyID, Requested: d.TaxFree, Allowed: d.Amount,
			Message: fmt.Sprintf("discount tax-free %d exceeds discount %d", d.TaxFree, d.Amount)}
	}
	return nil
}

// Order returns the order transfer the book started from.
func (b *Book) Order() Transfer { return b.orig }

// Remaining is the order block less everything cancelled so far.
func (b *Book) Remaining() Amounts { return b.left }

// RemainingQuantity is the quantity of productID not yet cancelled.
func (b *Book) RemainingQuantity(productID string) (int64, bool) {
	for i, l := range b.order.Lines {
		if l.Product.ID == productID {
			return b.lines[i].qty, true
		}
	}
	return 0, false
}

// FullyCancelled reports whether a cancel has taken the whole order.
func (b *Book) FullyCancelled() bool { return b.closed }
