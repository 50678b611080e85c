package settlement

import "fmt"

// Cancel validates c against what remains of the order and returns its
// cancel transfer (positive magnitudes); on success the book records it.
//
// Rules (portone-platform.md §6.8, DESIGN.md §6):
//   - all, an amount equal to what remains, or lines that take the last unit
//     of every line, take exactly what remains, so the order nets to zero;
//   - a line cancelled to its last unit takes exactly that line's remainder,
//     its discounts and fees included;
//   - any other cancel is computed afresh on the cancelled part (the
//     order's rates and policies on the cancelled amount, the named
//     discount parts), then capped field by field at what remains, which
//     matters only under UP or HALF_UP rounding; its VAT split is fitted
//     within what remains of the VAT and supply of each of its blocks, so
//     neither is ever negative or more than remains;
//   - the contract's fixed-amount fee and fixed-amount additional fees are
//     returned only with the remainder, never pro rata (the default,
//     CancelFixedOnLastCancel; under CancelFixedOnEachCancel every cancel
//     charges them back like a fresh order, capped at what remains).
//
// Errors are *Error values with PortOne's types:
// PLATFORM_ORDER_TRANSFER_ALREADY_CANCELLED, PLATFORM_ORDER_DETAIL_MISMATCHED,
// PLATFORM_PRODUCT_ID_DUPLICATED, PLATFORM_PRODUCT_ID_NOT_FOUND,
// PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED, PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED,
// PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED,
// PLATFORM_TRANSFER_DISCOUNT_SHARE_POLICY_NOT_FOUND,
// PLATFORM_CANCELLABLE_DISCOUNT_AMOUNT_EXCEEDED,
// PLATFORM_CANCELLABLE_DISCOUNT_TAX_FREE_AMOUNT_EXCEEDED,
// PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED, INVALID_REQUEST and
// PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE, never
// wrapped. A cancel of an accepted order keeps the bound of limits.go.
func (b *Book) Cancel(c Cancellation) (Transfer, error) {
	if b.closed {
		return Transfer{}, newError(ErrOrderTransferAlreadyCancelled, "", "payment %s of partner %s is already fully cancelled", b.order.PaymentID, b.order.PartnerID)
	}
	if c.CancellationID == "" {
		return Transfer{}, newError(ErrInvalidRequest, "cancellationId", "required")
	}
	if c.SettlementStartDate.IsZero() {
		return Transfer{}, newError(ErrInvalidRequest, "settlementStartDate", "required")
	}
	if err := b.checkDiscounts(c.Discounts, "discounts", -1); err != nil {
		return Transfer{}, err
	}
	if c.TaxFree != nil && (*c.TaxFree < 0 || *c.TaxFree > MaxAmount) {
		return Transfer{}, newError(ErrInvalidRequest, "taxFreeAmount", "must be 0..%d, got %d", MaxAmount, *c.TaxFree)
	}
	date, err := SettlementDateFor(c.SettlementStartDate, c.SettlementDate, b.terms.Contract.Cycle, b.terms.Calendar, b.terms.AdjustEarlierToNextDay, b.variants.ShortMonth)
	if err != nil {
		return Transfer{}, err
	}

	var plan cancelPlan
	switch c.Form {
	case CancelAll:
		plan = b.planAll()
	case CancelByAmount:
		plan, err = b.planAmount(c)
	case CancelByLines:
		plan, err = b.planLines(c)
	default:
		err = newError(ErrInvalidRequest, "orderDetail", "exactly one of orderAmount, orderLines and all")
	}
	if err != nil {
		return Transfer{}, err
	}

	t := Transfer{
		Kind: KindOrderCancel, PartnerID: b.order.PartnerID, PaymentID: b.order.PaymentID, ContractID: b.terms.Contract.ID,
		CancellationID: c.CancellationID, SettlementStartDate: c.SettlementStartDate, SettlementDate: date,
	}
	// A cancel of an accepted order keeps the bound (limits.go); checked
	// all the same, like every sum.
	if err := b.checkWhole(&plan.whole.amounts, &plan.rest, plan.lines); err != nil {
		return Transfer{}, err
	}
	lines := make([]part, len(plan.lines))
	ok := true
	for i, lp := range plan.lines {
		var o bool
		lines[i], o = b.lines[lp.index].part.minus(lp.part)
		ok = ok && o
	}
	rest, o := b.rest.part.minus(plan.rest)
	left, o2 := part{amounts: b.left, user: b.leftUser}.minus(plan.whole)
	if !ok || !o || !o2 {
		return Transfer{}, orderLevel.rangeError(faultAmounts)
	}
	for _, lp := range plan.lines {
		t.Lines = append(t.Lines, LineResult{Product: b.order.Lines[lp.index].Product, Quantity: lp.qty,
			Discounts: lp.part.discounts, AdditionalFees: lp.part.fees, Amounts: lp.part.amounts, UserDefined: b.userMap(lp.part.user)})
	}
	t.Discounts, t.AdditionalFees = plan.rest.discounts, plan.rest.fees
	t.Amounts, t.UserDefined = plan.whole.amounts, b.userMap(plan.whole.user)

	// Commit: nothing above changed the book.
	for i, lp := range plan.lines {
		r := &b.lines[lp.index]
		r.qty -= lp.qty
		r.part = lines[i]
	}
	b.rest.part, b.left, b.leftUser = rest, left.amounts, left.user
	b.closed = plan.final
	return t, nil
}

type linePlan struct {
	index   int // the order line
	request int // its index in the cancel request, for error fields
	qty     int64
	part    part
}

type cancelPlan struct {
	lines []linePlan
	rest  part
	whole part // the cancel's block (Σ lines + rest, or recomputed) and its user results
	final bool
}

// leftPart is what is left of the order block, as a part.
func (b *Book) leftPart() part {
	return part{amounts: b.left, user: append([]Won(nil), b.leftUser...)}
}

// partial says whether a cancel that does not take the remainder leaves
// fixed amounts alone (CancelFixedOnLastCancel).
func (b *Book) partial() bool { return b.variants.CancelFixed != CancelFixedOnEachCancel }

// fixedOnCancel is fixedTimes for a cancel scope that would be charged
// times times in an order.
func (b *Book) fixedOnCancel(times int64) int64 {
	if b.partial() {
		return 0
	}
	return times
}

// planAll takes everything that remains.
func (b *Book) planAll() cancelPlan {
	p := cancelPlan{rest: b.rest.part.clone(), whole: b.leftPart(), final: true}
	for i := range b.lines {
		r := b.lines[i]
		if r.qty == 0 && r.amounts.IsZero() {
			continue
		}
		p.lines = append(p.lines, linePlan{index: i, request: i, qty: r.qty, part: r.part.clone()})
	}
	return p
}

func (b *Book) planAmount(c Cancellation) (cancelPlan, error) {
	if b.order.HasLines {
		return cancelPlan{}, newError(ErrOrderDetailMismatched, "orderDetail.orderAmount", "the order was registered with orderLines; cancel by orderLines or all")
	}
	rem := b.rest.amounts
	if c.OrderAmount <= 0 || c.OrderAmount > MaxAmount {
		return cancelPlan{}, newError(ErrInvalidRequest, "orderDetail.orderAmount", "must be 1..%d, got %d", MaxAmount, c.OrderAmount)
	}
	var tf Won
	if c.TaxFree != nil {
		tf = *c.TaxFree
	}
	if c.OrderAmount == rem.Order && (c.TaxFree == nil || tf == rem.OrderTaxFree) {
		return b.planAll(), nil
	}
	if tf > rem.OrderTaxFree {
		return cancelPlan{}, &Error{Type: ErrCancellableAmountExceeded, Field: "taxFreeAmount", AmountType: "TAX_FREE",
			Requested: tf, Allowed: rem.OrderTaxFree, Message: fmt.Sprintf("cancellable tax-free amount is %d, requested %d", rem.OrderTaxFree, tf)}
	}
	if taxable, remTaxable := c.OrderAmount-tf, rem.Order-rem.OrderTaxFree; taxable > remTaxable || taxable < 0 {
		return cancelPlan{}, &Error{Type: ErrCancellableAmountExceeded, Field: "orderDetail.orderAmount", AmountType: "SUPPLY_WITH_VAT",
			Requested: taxable, Allowed: remTaxable, Message: fmt.Sprintf("cancellable amount (excluding tax-free) is %d, requested %d", remTaxable, taxable)}
	}
	p, f := b.compute(scope{order: c.OrderAmount, orderTaxFree: tf, feeBase: c.OrderAmount, discounts: c.Discounts, fees: b.order.AdditionalFees,
		rateFee: true, partial: b.partial(), fixedTimes: b.fixedOnCancel(1)}, nil)
	if f == noFault {
		f = p.capAt(&b.rest.part)
	}
	if f == noFault && !b.fitPartVAT(&p, &b.left) {
		f = faultAmounts
	}
	if f != noFault {
		return cancelPlan{}, orderLevel.rangeError(f)
	}
	if err := checkBlock(&p.amounts, -1, ""); err != nil {
		return cancelPlan{}, err
	}
	if err := checkLeft(&b.rest.amounts, &p.amounts, "discounts", ""); err != nil {
		return cancelPlan{}, err
	}
	w := p
	w.user = append([]Won(nil), p.user...)
	return cancelPlan{rest: p, whole: w}, nil
}

func (b *Book) planLines(c Cancellation) (cancelPlan, error) {
	if !b.order.HasLines {
		return cancelPlan{}, newError(ErrOrderDetailMismatched, "orderDetail.orderLines", "the order was registered with orderAmount; cancel by orderAmount or all")
	}
	if len(c.Lines) == 0 {
		return cancelPlan{}, newError(ErrInvalidRequest, "orderDetail.orderLines", "at least one line")
	}
	if len(c.Lines) > MaxLines {
		return cancelPlan{}, newError(ErrInvalidRequest, "orderDetail.orderLines", "at most %d lines", MaxLines)
	}
	var plan cancelPlan
	seen := map[string]bool{}
	var cancelled, cancelledTaxFree Won
	sum := checked{ok: true}
	for i, cl := range c.Lines {
		at := fmt.Sprintf("orderDetail.orderLines[%d]", i)
		if seen[cl.ProductID] {
			e := newError(ErrProductIDDuplicated, at+".productId", "product %q is cancelled twice in one request", cl.ProductID)
			e.ProductID = cl.ProductID
			return cancelPlan{}, e
		}
		seen[cl.ProductID] = true
		idx := -1
		for j, l := range b.order.Lines {
			if l.Product.ID == cl.ProductID {
				idx = j
				break
			}
		}
		if idx < 0 {
			e := newError(ErrProductIDNotFound, at+".productId", "product %q is not in the order", cl.ProductID)
			e.ProductID = cl.ProductID
			return cancelPlan{}, e
		}
		r := &b.lines[idx]
		if cl.Quantity <= 0 {
			return cancelPlan{}, newError(ErrInvalidRequest, at+".quantity", "must be > 0, got %d", cl.Quantity)
		}
		if cl.Quantity > r.qty {
			e := newError(ErrCancellableProductQuantityExceeded, at+".quantity", "product %q: cancellable quantity is %d, requested %d", cl.ProductID, r.qty, cl.Quantity)
			e.ProductID, e.Requested, e.Allowed = cl.ProductID, Won(cl.Quantity), Won(r.qty)
			return cancelPlan{}, e
		}
		if err := b.checkDiscounts(cl.Discounts, at+".discounts", idx); err != nil {
			return cancelPlan{}, err
		}
		l := b.order.Lines[idx]
		if cl.Quantity == r.qty {
			plan.lines = append(plan.lines, linePlan{index: idx, request: i, qty: cl.Quantity, part: r.part.clone()})
			cancelled = sum.add(cancelled, r.amounts.Order)
			cancelledTaxFree = sum.add(cancelledTaxFree, r.amounts.OrderTaxFree)
			continue
		}
		order, tf := sum.mul(l.Product.Amount, cl.Quantity), sum.mul(l.Product.TaxFree, cl.Quantity)
		p, f := b.compute(scope{order: order, orderTaxFree: tf, feeBase: order, discounts: cl.Discounts, fees: l.AdditionalFees,
			rateFee: true, partial: b.partial(), fixedTimes: b.fixedOnCancel(b.lineFixed(cl.Quantity))}, nil)
		if f == noFault {
			f = p.capAt(&r.part)
		}
		if f == noFault && !b.fitPartVAT(&p, &r.amounts) {
			f = faultAmounts
		}
		if f != noFault {
			return cancelPlan{}, site{line: i}.rangeError(f)
		}
		if err := checkBlock(&p.amounts, i, cl.ProductID); err != nil {
			return cancelPlan{}, err
		}
		if err := checkLeft(&r.amounts, &p.amounts, at+".discounts", cl.ProductID); err != nil {
			return cancelPlan{}, err
		}
		plan.lines = append(plan.lines, linePlan{index: idx, request: i, qty: cl.Quantity, part: p})
		cancelled = sum.add(cancelled, order)
		cancelledTaxFree = sum.add(cancelledTaxFree, tf)
	}
	if !sum.ok {
		return cancelPlan{}, newError(ErrInvalidRequest, "orderDetail.orderLines", "the cancelled amounts are beyond the range of a won amount")
	}

	// Does this cancel take the last unit of every line?
	final := true
	for i := range b.lines {
		taken := int64(0)
		for _, lp := range plan.lines {
			if lp.index == i {
				taken = lp.qty
			}
		}
		if b.lines[i].qty-taken > 0 {
			final = false
			break
		}
	}
	if final {
		plan.rest, plan.whole, plan.final = b.rest.part.clone(), b.leftPart(), true
		return plan, nil
	}

	var restTF Won
	if c.TaxFree != nil {
		restTF = sum.sub(*c.TaxFree, cancelledTaxFree)
	}
	// The lines' sum: the cancel's order-level scope charges its fees on
	// the whole cancelled part.
	var lines part
	for _, lp := range plan.lines {
		if !lines.addPart(&lp.part) {
			return cancelPlan{}, orderLevel.rangeError(faultAmounts)
		}
	}
	var offset *part
	if b.rules != nil {
		offset = &part{amounts: lines.amounts, user: append([]Won(nil), lines.user...)}
	}
	rp, f := b.compute(scope{orderTaxFree: restTF, feeBase: cancelled, discounts: c.Discounts, fees: b.order.AdditionalFees,
		partial: b.partial(), fixedTimes: b.fixedOnCancel(b.restFixed())}, offset)
	if f == noFault {
		f = rp.capAt(&b.rest.part)
	}
	if f == noFault && !b.derive(&rp) {
		f = faultAmounts
	}
	whole := lines
	whole.user = append([]Won(nil), lines.user...)
	if f == noFault && !whole.addPart(&rp) {
		f = faultAmounts
	}
	if !sum.ok || f != noFault {
		return cancelPlan{}, orderLevel.rangeError(f)
	}
	if err := checkBlock(&whole.amounts, -1, ""); err != nil {
		return cancelPlan{}, err
	}
	ok := true
	if b.variants.OrderBlock == OrderBlockRecomputed {
		// The cancel's block is recomputed on its own exact sums, within
		// what is left of the order block.
		ok = b.recompute(&whole, whole.exact, &b.left)
	} else {
		// The cancel's block has its own VAT split within what is left of
		// the order block's; the order-level part takes the difference
		// (fitVAT).
		var taxable Won
		taxable, ok = taxableOf(&whole.amounts)
		if v := fitVAT(whole.amounts.PaymentVat, taxable, b.left.PaymentVat, b.left.PaymentSupply); ok && v != whole.amounts.PaymentVat {
			ra := &rp.amounts
			ra.PaymentVat = sum.add(ra.PaymentVat, sum.sub(v, whole.amounts.PaymentVat))
			ok = sum.ok && b.derive(&rp)
			if ok && b.rules == nil {
				whole.amounts.PaymentVat = v
				ok = derive(&whole.amounts, b.terms.Contract.SubtractPaymentVatAmount)
			} else if ok {
				whole = lines
				whole.user = append([]Won(nil), lines.user...)
				ok = whole.addPart(&rp)
			}
		}
	}
	if !ok {
		return cancelPlan{}, orderLevel.rangeError(faultAmounts)
	}
	if err := checkLeft(&b.left, &whole.amounts, "discounts", ""); err != nil {
		return cancelPlan{}, err
	}
	plan.rest, plan.whole = rp, whole
	return plan, nil
}

// checkDiscounts checks the discount parts a cancel names against what
// remains of them: line index, or -1 for the order-level discounts.
func (b *Book) checkDiscounts(ds []Discount, field string, line int) error {
	if len(ds) > MaxItems {
		return newError(ErrInvalidRequest, field, "at most %d discounts", MaxItems)
	}
	rem := b.rest.discounts
	productID := ""
	if line >= 0 {
		rem = b.lines[line].discounts
		productID = b.order.Lines[line].Product.ID
	}
	seen := map[string]bool{}
	for i, d := range ds {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := checkDiscount(d); err != nil {
			err.Field = f + "." + err.Field
			return err
		}
		if seen[d.SharePolicyID] {
			e := newError(ErrDiscountSharePolicyIDDuplicated, f+".sharePolicyId", "policy %q named twice", d.SharePolicyID)
			e.PolicyID = d.SharePolicyID
			return e
		}
		seen[d.SharePolicyID] = true
		var r *DiscountResult
		for j := range rem {
			if rem[j].SharePolicyID == d.SharePolicyID {
				r = &rem[j]
			}
		}
		if r == nil {
			e := newError(ErrTransferDiscountSharePolicyNotFound, f+".sharePolicyId", "policy %q was not used here in the order", d.SharePolicyID)
			e.PolicyID, e.ProductID = d.SharePolicyID, productID
			return e
		}
		if d.Amount > r.Amount {
			return &Error{Type: ErrCancellableDiscountAmountExceeded, Field: f + ".amount", PolicyID: d.SharePolicyID, ProductID: productID,
				Requested: d.Amount, Allowed: r.Amount, Message: fmt.Sprintf("cancellable discount of policy %q is %d, requested %d", d.SharePolicyID, r.Amount, d.Amount)}
		}
		if d.TaxFree > r.TaxFree {
			return &Error{Type: ErrCancellableDiscountTaxFreeAmountExceeded, Field: f + ".taxFreeAmount", PolicyID: d.SharePolicyID, ProductID: productID,
				Requested: d.TaxFree, Allowed: r.TaxFree, Message: fmt.Sprintf("cancellable discount tax-free of policy %q is %d, requested %d", d.SharePolicyID, r.TaxFree, d.TaxFree)}
		}
	}
	return nil
}

// checkLeft refuses a partial cancel that would leave more discount than
// order (or more tax-free than its base) behind: the rest could then never
// be cancelled consistently. rem is what remains before the cancel, taken
// what the cancel takes.
func checkLeft(rem, taken *Amounts, field, productID string) error {
	left, ok := rem.sub(*taken)
	if !ok {
		return newError(ErrInvalidRequest, field, "what would remain after this cancel is beyond the range of a won amount")
	}
	if err := checkBlock(&left, -1, productID); err != nil {
		e := err.(*Error)
		e.Field = field
		e.Message = "what would remain after this cancel: " + e.Message + "; cancel more of the discount"
		return e
	}
	return nil
}

// capAt caps every rounded item of p (discount shares, fees and their VAT,
// the platform fee and its VAT) at what remains in rem, so that a partial
// cancel never takes back more than remains, and sums the items again.
// Amounts taken from the request (order, discounts) were already checked
// against rem. The VAT split is fitted by the caller, against the block it
// belongs to.
func (p *part) capAt(rem *part) fault {
	for i := range p.discounts {
		d := &p.discounts[i]
		for _, r := range rem.discounts {
			if r.SharePolicyID == d.SharePolicyID {
				d.ShareAmount = capWon(d.ShareAmount, r.ShareAmount)
				d.ShareTaxFree = capWon(d.ShareTaxFree, r.ShareTaxFree)
			}
		}
	}
	for i := range p.fees {
		f := &p.fees[i]
		// The same policies in the same order: both come from the order's list.
		if i < len(rem.fees) && rem.fees[i].PolicyID == f.PolicyID {
			f.Amount = capWon(f.Amount, rem.fees[i].Amount)
			f.VAT = capWon(f.VAT, rem.fees[i].VAT)
		}
	}
	a, ra := &p.amounts, &rem.amounts
	a.PlatformFee = capWon(a.PlatformFee, ra.PlatformFee)
	a.PlatformFeeVat = capWon(a.PlatformFeeVat, ra.PlatformFeeVat)
	return p.sumItems()
}

// fitPartVAT fits p's paymentVat, a block of its own, within what rem has
// left of its VAT and supply (see fitVAT) and derives the rest of p.
func (b *Book) fitPartVAT(p *part, rem *Amounts) bool {
	a := &p.amounts
	taxable, ok := taxableOf(a)
	if !ok {
		return false
	}
	a.PaymentVat = fitVAT(a.PaymentVat, taxable, rem.PaymentVat, rem.PaymentSupply)
	return b.derive(p)
}

// capWon brings v toward zero so that it has rem's sign and no larger a
// magnitude.
func capWon(v, rem Won) Won {
	switch {
	case rem >= 0 && v > rem:
		return rem
	case rem >= 0 && v < 0:
		return 0
	case rem < 0 && v < rem:
		return rem
	case rem < 0 && v > 0:
		return 0
	}
	return v
}

func (p part) clone() part {
	return part{amounts: p.amounts, discounts: append([]DiscountResult(nil), p.discounts...), fees: append([]FeeResult(nil), p.fees...),
		user: append([]Won(nil), p.user...), exact: p.exact.clone()}
}

// minus is p less q, item by item; q's items are p's policies (a cancel
// names only discounts the order has, and its fees are the order's). ok is
// false if a field would overflow.
func (p part) minus(q part) (part, bool) {
	r := p.clone()
	var ok bool
	r.amounts, ok = p.amounts.sub(q.amounts)
	c := checked{ok: ok}
	for i := range q.user {
		if i < len(r.user) {
			r.user[i] = c.sub(r.user[i], q.user[i])
		}
	}
	if q.exact != nil {
		r.exact = p.exact.sub(q.exact)
	}
	for _, d := range q.discounts {
		for i := range r.discounts {
			if rd := &r.discounts[i]; rd.SharePolicyID == d.SharePolicyID {
				rd.Amount, rd.TaxFree = c.sub(rd.Amount, d.Amount), c.sub(rd.TaxFree, d.TaxFree)
				rd.ShareAmount, rd.ShareTaxFree = c.sub(rd.ShareAmount, d.ShareAmount), c.sub(rd.ShareTaxFree, d.ShareTaxFree)
				break
			}
		}
	}
	for _, f := range q.fees {
		for i := range r.fees {
			if rf := &r.fees[i]; rf.PolicyID == f.PolicyID {
				rf.Amount, rf.VAT = c.sub(rf.Amount, f.Amount), c.sub(rf.VAT, f.VAT)
				break
			}
		}
	}
	return r, c.ok
}
