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
//     matters only under UP or HALF_UP rounding;
//   - the contract's fixed-amount fee and fixed-amount additional fees are
//     returned only with the remainder, never pro rata.
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
// PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE.
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
	date, err := SettlementDateOf(c.SettlementStartDate, c.SettlementDate, b.terms.Contract.Cycle, b.terms.Calendar, b.terms.AdjustEarlierToNextDay)
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
	for _, lp := range plan.lines {
		t.Lines = append(t.Lines, LineResult{Product: b.order.Lines[lp.index].Product, Quantity: lp.qty,
			Discounts: lp.part.discounts, AdditionalFees: lp.part.fees, Amounts: lp.part.amounts})
	}
	t.Discounts, t.AdditionalFees = plan.rest.discounts, plan.rest.fees
	t.Amounts = t.LinesTotal().Add(plan.rest.amounts)

	// Commit: nothing above changed the book.
	for _, lp := range plan.lines {
		r := &b.lines[lp.index]
		r.qty -= lp.qty
		r.part = r.part.minus(lp.part)
	}
	b.rest.part = b.rest.part.minus(plan.rest)
	b.closed = plan.final
	return t, nil
}

type linePlan struct {
	index int
	qty   int64
	part  part
}

type cancelPlan struct {
	lines []linePlan
	rest  part
	final bool
}

// planAll takes everything that remains.
func (b *Book) planAll() cancelPlan {
	p := cancelPlan{rest: b.rest.part.clone(), final: true}
	for i := range b.lines {
		r := b.lines[i]
		if r.qty == 0 && r.amounts.IsZero() {
			continue
		}
		p.lines = append(p.lines, linePlan{index: i, qty: r.qty, part: r.part.clone()})
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
	p := b.terms.compute(scope{order: c.OrderAmount, orderTaxFree: tf, feeBase: c.OrderAmount, discounts: c.Discounts, fees: b.order.AdditionalFees, rateFee: true, partial: true})
	p.capAt(&b.rest.part, b.terms.Contract.SubtractPaymentVatAmount)
	if err := checkBlock(&p.amounts, -1, ""); err != nil {
		return cancelPlan{}, err
	}
	if err := checkLeft(b.rest.amounts.Sub(p.amounts), "discounts", ""); err != nil {
		return cancelPlan{}, err
	}
	return cancelPlan{rest: p}, nil
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
			plan.lines = append(plan.lines, linePlan{index: idx, qty: cl.Quantity, part: r.part.clone()})
			cancelled += r.amounts.Order
			cancelledTaxFree += r.amounts.OrderTaxFree
			continue
		}
		order, tf := l.Product.Amount*Won(cl.Quantity), l.Product.TaxFree*Won(cl.Quantity)
		p := b.terms.compute(scope{order: order, orderTaxFree: tf, feeBase: order, discounts: cl.Discounts, fees: l.AdditionalFees, rateFee: true, partial: true})
		p.capAt(&r.part, b.terms.Contract.SubtractPaymentVatAmount)
		if err := checkBlock(&p.amounts, i, cl.ProductID); err != nil {
			return cancelPlan{}, err
		}
		if err := checkLeft(r.amounts.Sub(p.amounts), at+".discounts", cl.ProductID); err != nil {
			return cancelPlan{}, err
		}
		plan.lines = append(plan.lines, linePlan{index: idx, qty: cl.Quantity, part: p})
		cancelled += order
		cancelledTaxFree += tf
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
		plan.rest, plan.final = b.rest.part.clone(), true
		return plan, nil
	}

	var restTF Won
	if c.TaxFree != nil {
		restTF = *c.TaxFree - cancelledTaxFree
	}
	rp := b.terms.compute(scope{orderTaxFree: restTF, feeBase: cancelled, discounts: c.Discounts, fees: b.order.AdditionalFees, partial: true})
	rp.capAt(&b.rest.part, b.terms.Contract.SubtractPaymentVatAmount)
	plan.rest = rp
	whole := rp.amounts
	for _, lp := range plan.lines {
		whole = whole.Add(lp.part.amounts)
	}
	if err := checkBlock(&whole, -1, ""); err != nil {
		return cancelPlan{}, err
	}
	total := b.Remaining()
	for _, lp := range plan.lines {
		total = total.Sub(lp.part.amounts)
	}
	if err := checkLeft(total.Sub(rp.amounts), "discounts", ""); err != nil {
		return cancelPlan{}, err
	}
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
// be cancelled consistently.
func checkLeft(left Amounts, field, productID string) error {
	if err := checkBlock(&left, -1, productID); err != nil {
		e := err.(*Error)
		e.Field = field
		e.Message = "what would remain after this cancel: " + e.Message + "; cancel more of the discount"
		return e
	}
	return nil
}

// capAt caps every rounded item of p at what remains in rem, so that a
// partial cancel never takes back more than remains, and then re-derives
// the dependent fields. Amounts taken from the request (order, discounts)
// were already checked against rem.
func (p *part) capAt(rem *part, subtractPaymentVat bool) {
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
		for _, r := range rem.fees {
			if r.PolicyID == f.PolicyID {
				f.Amount = capWon(f.Amount, r.Amount)
				f.VAT = capWon(f.VAT, r.VAT)
			}
		}
	}
	a, ra := &p.amounts, &rem.amounts
	a.PlatformFee = capWon(a.PlatformFee, ra.PlatformFee)
	a.PlatformFeeVat = capWon(a.PlatformFeeVat, ra.PlatformFeeVat)
	p.sumItems()
	// The VAT split: keep VAT within what remains, and the supply too.
	taxable := (a.Order - a.Discount) - (a.OrderTaxFree - a.DiscountTaxFree)
	a.PaymentVat = capWon(a.PaymentVat, ra.PaymentVat)
	if supply := taxable - a.PaymentVat; capWon(supply, ra.PaymentSupply) != supply {
		a.PaymentVat = taxable - capWon(supply, ra.PaymentSupply)
	}
	derive(a, subtractPaymentVat)
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
	return part{amounts: p.amounts, discounts: append([]DiscountResult(nil), p.discounts...), fees: append([]FeeResult(nil), p.fees...)}
}

// minus is p less q, item by item.
func (p part) minus(q part) part {
	r := p.clone()
	r.amounts = p.amounts.Sub(q.amounts)
	for _, d := range q.discounts {
		r.discounts = addDiscount(r.discounts, DiscountResult{SharePolicyID: d.SharePolicyID, Amount: -d.Amount, TaxFree: -d.TaxFree, ShareAmount: -d.ShareAmount, ShareTaxFree: -d.ShareTaxFree})
	}
	for _, f := range q.fees {
		r.fees = addFee(r.fees, FeeResult{PolicyID: f.PolicyID, Amount: -f.Amount, VAT: -f.VAT})
	}
	return r
}
